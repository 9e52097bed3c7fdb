/**
 * CRC-8/MAXIM (a.k.a. Dallas/1-Wire): reflected polynomial 0x8C (0x31 unreflected),
 * init 0, no final xor. The STM32 robot-controller board protects every packet with it.
 *
 * The table is generated instead of pasted so a typo cannot hide in 256 literals; the
 * tests pin it against the first entries of HiWonder's `crc8_table`
 * (ros_robot_controller_sdk.py: 0, 94, 188, 226, 97, 63, ...) and the catalogue check value.
 */

export const CRC8_MAXIM_POLY_REFLECTED = 0x8c

function buildTable(): Uint8Array {
  const table = new Uint8Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let bit = 0; bit < 8; bit++) {
      c = c & 1 ? (c >>> 1) ^ CRC8_MAXIM_POLY_REFLECTED : c >>> 1
    }
    table[n] = c
  }
  return table
}

export const CRC8_MAXIM_TABLE: Uint8Array = buildTable()

/**
 * CRC over `bytes[start, end)`. Taking a range lets the stream decoder check a frame in
 * place in its buffer without slicing a copy first.
 */
export function crc8Maxim(bytes: Uint8Array, start = 0, end = bytes.length, init = 0): number {
  const t = CRC8_MAXIM_TABLE
  let crc = init & 0xff
  for (let i = start; i < end; i++) crc = t[crc ^ bytes[i]]
  return crc
}
