/**
 * InvenSense MPU6050 register map subset and sample codec (TonyPi `tonypi-hat` profile:
 * I2C bus 1, address 0x68). Register numbers and scale factors are from the MPU-6000/6050
 * register map (rev 4.2); the I/O itself lives in the I2C driver.
 */

import { STANDARD_GRAVITY } from './units.ts'
import { checkInt, checkFinite, checkLength, viewOf } from './validate.ts'

export { STANDARD_GRAVITY }

export const MPU6050_ADDR = 0x68
/** With AD0 pulled high. */
export const MPU6050_ADDR_ALT = 0x69
export const MPU6050_WHO_AM_I_VALUE = 0x68

/** TEMP_OUT to degrees C: raw / lsbPerC + offsetC. */
export interface TempScale {
  lsbPerC: number
  offsetC: number
}
/** MPU-6000/6050 register map rev 4.2, section 4.18. */
export const MPU6050_TEMP: TempScale = { lsbPerC: 340, offsetC: 36.53 }
/** MPU-6500 and MPU-9250 register maps: (TEMP_OUT - RoomTemp_Offset) / 333.87 + 21, the offset 0 at 21 C. */
export const MPU6500_TEMP: TempScale = { lsbPerC: 333.87, offsetC: 21 }

export interface MpuChip {
  name: string
  temp: TempScale
}

/**
 * InvenSense chips that keep the MPU6050's accelerometer, gyro, power and range registers
 * (0x19..0x1C, 0x3B..0x48, 0x6B) at the same places with the same scales, by their WHO_AM_I.
 * They differ in the temperature scale and in extras we do not use (the MPU9250's magnetometer).
 */
export const MPU_COMPATIBLE_CHIPS: Readonly<Record<number, MpuChip>> = {
  0x68: { name: 'MPU6050', temp: MPU6050_TEMP },
  0x70: { name: 'MPU6500', temp: MPU6500_TEMP },
  0x71: { name: 'MPU9250', temp: MPU6500_TEMP },
  0x73: { name: 'MPU9255', temp: MPU6500_TEMP },
}

export const Mpu6050Reg = {
  SMPLRT_DIV: 0x19,
  CONFIG: 0x1a,
  GYRO_CONFIG: 0x1b,
  ACCEL_CONFIG: 0x1c,
  ACCEL_XOUT_H: 0x3b,
  PWR_MGMT_1: 0x6b,
  WHO_AM_I: 0x75,
} as const

/** ACCEL_XOUT_H .. GYRO_ZOUT_L: accel xyz, temperature, gyro xyz, big-endian i16 each. */
export const MPU6050_BURST_LEN = 14

export type AccelRangeG = 2 | 4 | 8 | 16
export type GyroRangeDps = 250 | 500 | 1000 | 2000

export const ACCEL_LSB_PER_G: Readonly<Record<AccelRangeG, number>> = { 2: 16384, 4: 8192, 8: 4096, 16: 2048 }
export const GYRO_LSB_PER_DPS: Readonly<Record<GyroRangeDps, number>> = { 250: 131, 500: 65.5, 1000: 32.8, 2000: 16.4 }

/** FS_SEL / AFS_SEL field value (bits 4:3 of GYRO_CONFIG / ACCEL_CONFIG). */
const ACCEL_FS_SEL: Readonly<Record<AccelRangeG, number>> = { 2: 0, 4: 1, 8: 2, 16: 3 }
const GYRO_FS_SEL: Readonly<Record<GyroRangeDps, number>> = { 250: 0, 500: 1, 1000: 2, 2000: 3 }

export interface Mpu6050Ranges {
  accelG: AccelRangeG
  gyroDps: GyroRangeDps
}

/** Chip reset state: what a sensor nobody configured reports in. */
export const MPU6050_DEFAULT_RANGES: Mpu6050Ranges = { accelG: 2, gyroDps: 250 }
/**
 * What HiWonder's TonyPi fall-detection demo configures (HARDWARE.md section 3): fast
 * falls saturate +/-250 deg/s, and +/-2 g keeps resolution for the tilt angle.
 */
export const TONYPI_MPU6050_RANGES: Mpu6050Ranges = { accelG: 2, gyroDps: 2000 }

export interface RegisterWrite {
  reg: number
  value: number
}

export interface Mpu6050InitOptions {
  ranges?: Mpu6050Ranges
  /**
   * Sample rate = 1 kHz / (1 + div) while the DLPF is on. Default 9 = 100 Hz, more than
   * any consumer here polls, so every read sees a fresh sample.
   */
  sampleRateDiv?: number
  /** DLPF_CFG 0..6. Default 3 (~44 Hz bandwidth) removes servo vibration without much lag. */
  dlpf?: number
}

/**
 * Register writes, in order, that bring the chip out of sleep and set it up. Wake comes
 * first because the chip powers up asleep and ignores configuration until then.
 */
export function mpu6050InitSequence(options: Mpu6050InitOptions = {}): RegisterWrite[] {
  const ranges = options.ranges ?? TONYPI_MPU6050_RANGES
  const div = options.sampleRateDiv ?? 9
  const dlpf = options.dlpf ?? 3
  checkInt('sampleRateDiv', div, 0, 255)
  checkInt('dlpf', dlpf, 0, 6)
  const accelSel = ACCEL_FS_SEL[ranges.accelG]
  const gyroSel = GYRO_FS_SEL[ranges.gyroDps]
  if (accelSel === undefined) throw new RangeError(`accel range must be 2, 4, 8 or 16 g, got ${String(ranges.accelG)}`)
  if (gyroSel === undefined) throw new RangeError(`gyro range must be 250, 500, 1000 or 2000 deg/s, got ${String(ranges.gyroDps)}`)
  return [
    { reg: Mpu6050Reg.PWR_MGMT_1, value: 0x00 },
    { reg: Mpu6050Reg.SMPLRT_DIV, value: div },
    { reg: Mpu6050Reg.CONFIG, value: dlpf },
    { reg: Mpu6050Reg.GYRO_CONFIG, value: gyroSel << 3 },
    { reg: Mpu6050Reg.ACCEL_CONFIG, value: accelSel << 3 },
  ]
}

export interface Mpu6050Sample {
  /** m/s^2 */
  accel: [number, number, number]
  /** deg/s */
  gyro: [number, number, number]
  tempC: number
}

function scales(ranges: Mpu6050Ranges): [number, number] {
  const a = ACCEL_LSB_PER_G[ranges.accelG]
  const g = GYRO_LSB_PER_DPS[ranges.gyroDps]
  if (a === undefined || g === undefined) throw new RangeError('unsupported MPU6050 range')
  return [a, g]
}

/** Decodes the 14-byte burst read from ACCEL_XOUT_H with the ranges the chip was set to. */
export function decodeMpu6050Burst(bytes: Uint8Array, ranges: Mpu6050Ranges = MPU6050_DEFAULT_RANGES, temp: TempScale = MPU6050_TEMP): Mpu6050Sample {
  checkLength('MPU6050 burst', bytes, MPU6050_BURST_LEN)
  const [aLsb, gLsb] = scales(ranges)
  const v = viewOf(bytes)
  const r = (i: number) => v.getInt16(i * 2, false)
  const a = STANDARD_GRAVITY / aLsb
  return {
    accel: [r(0) * a, r(1) * a, r(2) * a],
    tempC: r(3) / temp.lsbPerC + temp.offsetC,
    gyro: [r(4) / gLsb, r(5) / gLsb, r(6) / gLsb],
  }
}

const toRaw = (x: number) => Math.max(-32768, Math.min(32767, Math.round(x)))

/**
 * The inverse, for simulators. Values beyond the range saturate at the i16 limits, as
 * the real sensor does.
 */
export function encodeMpu6050Burst(sample: Mpu6050Sample, ranges: Mpu6050Ranges = MPU6050_DEFAULT_RANGES, temp: TempScale = MPU6050_TEMP): Uint8Array {
  const [aLsb, gLsb] = scales(ranges)
  for (const x of [...sample.accel, ...sample.gyro, sample.tempC]) checkFinite('MPU6050 value', x)
  const out = new Uint8Array(MPU6050_BURST_LEN)
  const v = viewOf(out)
  const w = (i: number, x: number) => v.setInt16(i * 2, toRaw(x), false)
  const a = aLsb / STANDARD_GRAVITY
  w(0, sample.accel[0] * a)
  w(1, sample.accel[1] * a)
  w(2, sample.accel[2] * a)
  w(3, (sample.tempC - temp.offsetC) * temp.lsbPerC)
  w(4, sample.gyro[0] * gLsb)
  w(5, sample.gyro[1] * gLsb)
  w(6, sample.gyro[2] * gLsb)
  return out
}
