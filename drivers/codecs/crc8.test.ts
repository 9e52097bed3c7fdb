import { describe, expect, test } from 'bun:test'
import { CRC8_MAXIM_TABLE, crc8Maxim } from './crc8.ts'
import { Rng } from './test-support.ts'

describe('CRC-8/MAXIM', () => {
  test("table starts like HiWonder's crc8_table", () => {
    expect(Array.from(CRC8_MAXIM_TABLE.subarray(0, 16))).toEqual([0, 94, 188, 226, 97, 63, 221, 131, 194, 156, 126, 32, 163, 253, 31, 65])
    // Last row of the SDK table too, so a wrong reflection cannot pass on the head alone.
    expect(Array.from(CRC8_MAXIM_TABLE.subarray(240))).toEqual([116, 42, 200, 150, 21, 75, 169, 247, 182, 232, 10, 84, 215, 137, 107, 53])
  })

  test("catalogue check value: CRC of '123456789' is 0xA1", () => {
    expect(crc8Maxim(new TextEncoder().encode('123456789'))).toBe(0xa1)
  })

  test('HARDWARE.md vector: battery frame CRC', () => {
    expect(crc8Maxim(Uint8Array.of(0x00, 0x03, 0x04, 0xe8, 0x1c))).toBe(0x2b)
  })

  test('range form equals slicing, and the table equals the bitwise definition', () => {
    const rng = new Rng(8)
    const bitwise = (bytes: Uint8Array) => {
      let c = 0
      for (const b of bytes) {
        c ^= b
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8c : c >>> 1
      }
      return c
    }
    for (let n = 0; n < 300; n++) {
      const data = Uint8Array.from({ length: rng.int(0, 40) }, () => rng.byte())
      const a = rng.int(0, data.length)
      const b = rng.int(a, data.length)
      expect(crc8Maxim(data, a, b)).toBe(bitwise(data.subarray(a, b)))
    }
  })

  test('a frame followed by its own CRC checks to zero (property of reflected CRCs without xorout)', () => {
    const rng = new Rng(9)
    for (let n = 0; n < 200; n++) {
      const data = Uint8Array.from({ length: rng.int(1, 30) }, () => rng.byte())
      const withCrc = Uint8Array.from([...data, crc8Maxim(data)])
      expect(crc8Maxim(withCrc)).toBe(0)
    }
  })
})
