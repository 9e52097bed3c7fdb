/**
 * Battery voltage from the Pi expansion hat's MCU (TonyPi `tonypi-hat` profile): I2C bus 1,
 * address 0x7A, register 0, two bytes little-endian millivolts. HiWonder's hat SDK
 * (`__i2c_addr = 0x7A`, `__ADC_BAT_ADDR = 0`) writes the register number, then reads two
 * bytes and joins them little-endian.
 */

import { checkInt, checkLength } from './validate.ts'

export const HAT_I2C_ADDR = 0x7a
export const HAT_BATTERY_REG = 0x00
export const HAT_BATTERY_READ_LEN = 2

export function decodeHatBattery(bytes: Uint8Array): number {
  checkLength('hat battery read', bytes, HAT_BATTERY_READ_LEN)
  return bytes[0] | (bytes[1] << 8)
}

/** For the simulated hat. */
export function encodeHatBattery(mv: number): Uint8Array {
  checkInt('mv', mv, 0, 65535)
  return Uint8Array.of(mv & 0xff, mv >> 8)
}
