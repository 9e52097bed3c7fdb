import { describe, expect, test } from 'bun:test'
import { libc } from './libc.ts'
import { BAUD_CODES, CBAUD, CS8, CSIZE, OPOST, TERMIOS_OFFSETS, TERMIOS_SIZE, VMIN, VTIME, baudCode, decodeTermios } from './termios.ts'
import { TransportError } from './errors.ts'

// Known values from <termios.h> / asm-generic/termbits.h (HARDWARE.md section 5 quotes two).
const HEADER_CODES: Record<number, number> = {
  9600: 0o15,
  19200: 0o16,
  38400: 0o17,
  57600: 0o10001,
  115200: 0o10002,
  230400: 0o10003,
  460800: 0o10004,
  500000: 0o10005,
  576000: 0o10006,
  921600: 0o10007,
  1000000: 0o10010,
  1152000: 0o10011,
  1500000: 0o10012,
  2000000: 0o10013,
  2500000: 0o10014,
  3000000: 0o10015,
  3500000: 0o10016,
  4000000: 0o10017,
}

function catchCode(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return (e as TransportError).code
  }
  return undefined
}

describe('termios constants', () => {
  test('baud table matches the kernel header for 9600..4000000', () => {
    for (const [rate, code] of Object.entries(HEADER_CODES)) expect(BAUD_CODES.get(Number(rate))).toBe(code)
    expect(baudCode(115200)).toBe(0o010002)
    expect(baudCode(1000000)).toBe(0o010010)
  })

  test('a nonstandard rate is refused with EBAUD', () => {
    expect(() => baudCode(12345)).toThrow(TransportError)
    expect(() => baudCode(100000)).toThrow(/100000 is not a standard baud rate.*115200/)
    expect(catchCode(() => baudCode(100000))).toBe('EBAUD')
  })

  test("layout constants are glibc's x86_64/aarch64 struct termios", () => {
    expect(TERMIOS_SIZE).toBe(60)
    expect(TERMIOS_OFFSETS).toEqual({ c_iflag: 0, c_oflag: 4, c_cflag: 8, c_lflag: 12, c_line: 16, c_cc: 17, c_ispeed: 52, c_ospeed: 56 })
    expect([VTIME, VMIN]).toEqual([5, 6])
  })
})

describe('struct termios layout, probed through libc itself', () => {
  test('cfmakeraw writes c_cc[VMIN]=1/c_cc[VTIME]=0 and flags where our offsets say', () => {
    const buf = new Uint8Array(128).fill(0xff)
    libc().cfmakeraw(buf)
    const dv = new DataView(buf.buffer)
    // glibc cfmakeraw: c_oflag &= ~OPOST; c_cflag: CSIZE cleared then CS8; VMIN = 1, VTIME = 0.
    expect(dv.getUint32(TERMIOS_OFFSETS.c_oflag, true)).toBe((0xffffffff & ~OPOST) >>> 0)
    expect(dv.getUint32(TERMIOS_OFFSETS.c_cflag, true) & CSIZE).toBe(CS8)
    expect(buf[TERMIOS_OFFSETS.c_cc + VMIN]).toBe(1)
    expect(buf[TERMIOS_OFFSETS.c_cc + VTIME]).toBe(0)
    // Neighbours of VMIN/VTIME untouched: the indices are right, not just lucky.
    expect(buf[TERMIOS_OFFSETS.c_cc + VTIME - 1]).toBe(0xff)
    expect(buf[TERMIOS_OFFSETS.c_cc + VMIN + 1]).toBe(0xff)
    // Nothing written past the struct.
    expect(buf.subarray(TERMIOS_SIZE).every((b) => b === 0xff)).toBe(true)
  })

  test('cfsetspeed(number) encodes every standard rate in c_cflag and the speed fields', () => {
    for (const [rate, code] of BAUD_CODES) {
      const buf = new Uint8Array(128).fill(0xaa)
      const dv = new DataView(buf.buffer)
      dv.setUint32(TERMIOS_OFFSETS.c_cflag, 0, true)
      expect(libc().cfsetspeed(buf, rate)).toBe(0)
      expect(dv.getUint32(TERMIOS_OFFSETS.c_cflag, true) & CBAUD).toBe(code)
      // glibc < 2.42 stores the CBAUD code in c_ispeed/c_ospeed, >= 2.42 the number.
      expect([code, rate]).toContain(dv.getUint32(TERMIOS_OFFSETS.c_ispeed, true))
      expect([code, rate]).toContain(dv.getUint32(TERMIOS_OFFSETS.c_ospeed, true))
      expect(decodeTermios(buf).baud).toBe(rate)
      expect(buf.subarray(TERMIOS_SIZE).every((b) => b === 0xaa)).toBe(true)
    }
  })
})
