import { describe, expect, test } from 'bun:test'
import { HAT_BATTERY_REG, HAT_I2C_ADDR, decodeHatBattery, encodeHatBattery } from './hat-battery.ts'
import { Rng, fromHex, hex } from './test-support.ts'

describe('hat battery register', () => {
  test('address and register', () => {
    expect(HAT_I2C_ADDR).toBe(0x7a)
    expect(HAT_BATTERY_REG).toBe(0)
  })

  test('7400 mV is e8 1c (little endian), both ways', () => {
    expect(hex(encodeHatBattery(7400))).toBe('e8 1c')
    expect(decodeHatBattery(fromHex('e8 1c'))).toBe(7400)
  })

  test('round trip over all u16 values sampled (seeded)', () => {
    const rng = new Rng(7)
    for (let n = 0; n < 2000; n++) {
      const mv = rng.int(0, 65535)
      expect(decodeHatBattery(encodeHatBattery(mv))).toBe(mv)
    }
  })

  test('validation', () => {
    expect(() => decodeHatBattery(Uint8Array.of(1))).toThrow(/hat battery read must be 2 bytes, got 1/)
    expect(() => encodeHatBattery(65536)).toThrow(/mv must be an integer in 0\.\.65535/)
    expect(() => encodeHatBattery(-1)).toThrow(RangeError)
  })
})
