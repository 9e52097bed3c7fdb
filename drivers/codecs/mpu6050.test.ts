import { describe, expect, test } from 'bun:test'
import {
  ACCEL_LSB_PER_G,
  GYRO_LSB_PER_DPS,
  MPU6050_ADDR,
  MPU6050_DEFAULT_RANGES,
  MPU6050_WHO_AM_I_VALUE,
  Mpu6050Reg,
  STANDARD_GRAVITY,
  TONYPI_MPU6050_RANGES,
  decodeMpu6050Burst,
  encodeMpu6050Burst,
  mpu6050InitSequence,
  type AccelRangeG,
  type GyroRangeDps,
} from './mpu6050.ts'
import { Rng, fromHex } from './test-support.ts'

describe('MPU6050 constants', () => {
  test('registers and identity', () => {
    expect(MPU6050_ADDR).toBe(0x68)
    expect(MPU6050_WHO_AM_I_VALUE).toBe(0x68)
    expect(Mpu6050Reg).toEqual({
      SMPLRT_DIV: 0x19,
      CONFIG: 0x1a,
      GYRO_CONFIG: 0x1b,
      ACCEL_CONFIG: 0x1c,
      ACCEL_XOUT_H: 0x3b,
      PWR_MGMT_1: 0x6b,
      WHO_AM_I: 0x75,
    })
  })

  test('LSB scales', () => {
    expect(ACCEL_LSB_PER_G).toEqual({ 2: 16384, 4: 8192, 8: 4096, 16: 2048 })
    expect(GYRO_LSB_PER_DPS).toEqual({ 250: 131, 500: 65.5, 1000: 32.8, 2000: 16.4 })
  })
})

describe('init sequence', () => {
  test('wakes first, then rate, DLPF, gyro and accel ranges (TonyPi defaults)', () => {
    expect(mpu6050InitSequence()).toEqual([
      { reg: 0x6b, value: 0x00 },
      { reg: 0x19, value: 9 },
      { reg: 0x1a, value: 3 },
      { reg: 0x1b, value: 3 << 3 },
      { reg: 0x1c, value: 0 },
    ])
    expect(TONYPI_MPU6050_RANGES).toEqual({ accelG: 2, gyroDps: 2000 })
  })

  test('range selection bits', () => {
    const seq = mpu6050InitSequence({ ranges: { accelG: 16, gyroDps: 500 }, sampleRateDiv: 0, dlpf: 0 })
    expect(seq.find((w) => w.reg === Mpu6050Reg.ACCEL_CONFIG)?.value).toBe(0x18)
    expect(seq.find((w) => w.reg === Mpu6050Reg.GYRO_CONFIG)?.value).toBe(0x08)
  })

  test('invalid options', () => {
    expect(() => mpu6050InitSequence({ dlpf: 7 })).toThrow(/dlpf must be an integer in 0\.\.6/)
    expect(() => mpu6050InitSequence({ sampleRateDiv: 256 })).toThrow(RangeError)
    expect(() => mpu6050InitSequence({ ranges: { accelG: 3 as AccelRangeG, gyroDps: 250 } })).toThrow(/accel range/)
  })
})

describe('burst decode', () => {
  test('known bytes at default ranges: 1 g on Z, 25 C-ish, +1 deg/s on X', () => {
    // az = 16384 (0x4000) = 1 g; temp raw -3740 (0xF164) = 25.53 C; gx = 131 (0x0083) = 1 deg/s;
    // gz = -131 (0xFF7D).
    const s = decodeMpu6050Burst(fromHex('00 00 00 00 40 00 f1 64 00 83 00 00 ff 7d'), MPU6050_DEFAULT_RANGES)
    expect(s.accel).toEqual([0, 0, STANDARD_GRAVITY])
    expect(s.gyro).toEqual([1, 0, -1])
    expect(s.tempC).toBeCloseTo(-3740 / 340 + 36.53, 10)
  })

  test('big-endian signed extremes at +/-16 g and +/-2000 deg/s', () => {
    const s = decodeMpu6050Burst(fromHex('80 00 7f ff 00 01 00 00 80 00 7f ff ff ff'), { accelG: 16, gyroDps: 2000 })
    expect(s.accel[0]).toBeCloseTo((-32768 / 2048) * STANDARD_GRAVITY, 10)
    expect(s.accel[1]).toBeCloseTo((32767 / 2048) * STANDARD_GRAVITY, 10)
    expect(s.gyro).toEqual([-32768 / 16.4, 32767 / 16.4, -1 / 16.4])
    expect(s.tempC).toBeCloseTo(36.53, 10)
  })

  test('length is checked', () => {
    expect(() => decodeMpu6050Burst(new Uint8Array(13))).toThrow(/MPU6050 burst must be 14 bytes, got 13/)
  })

  test('round trip within one LSB for every range (seeded)', () => {
    const rng = new Rng(6050)
    const accels: AccelRangeG[] = [2, 4, 8, 16]
    const gyros: GyroRangeDps[] = [250, 500, 1000, 2000]
    for (let n = 0; n < 4000; n++) {
      const ranges = { accelG: rng.pick(accels), gyroDps: rng.pick(gyros) }
      const aMax = ranges.accelG * STANDARD_GRAVITY * 0.999
      const gMax = ranges.gyroDps * 0.999
      const sample = {
        accel: [0, 0, 0].map(() => (rng.next() * 2 - 1) * aMax) as [number, number, number],
        gyro: [0, 0, 0].map(() => (rng.next() * 2 - 1) * gMax) as [number, number, number],
        tempC: rng.next() * 80 - 20,
      }
      const back = decodeMpu6050Burst(encodeMpu6050Burst(sample, ranges), ranges)
      const aStep = STANDARD_GRAVITY / ACCEL_LSB_PER_G[ranges.accelG]
      const gStep = 1 / GYRO_LSB_PER_DPS[ranges.gyroDps]
      for (let k = 0; k < 3; k++) {
        expect(Math.abs(back.accel[k] - sample.accel[k])).toBeLessThanOrEqual(aStep / 2 + 1e-9)
        expect(Math.abs(back.gyro[k] - sample.gyro[k])).toBeLessThanOrEqual(gStep / 2 + 1e-9)
      }
      expect(Math.abs(back.tempC - sample.tempC)).toBeLessThanOrEqual(1 / 680 + 1e-9)
    }
  })

  test('encode saturates out-of-range values like the sensor', () => {
    const b = encodeMpu6050Burst({ accel: [100, -100, 0], gyro: [1e6, 0, 0], tempC: 25 }, MPU6050_DEFAULT_RANGES)
    const s = decodeMpu6050Burst(b, MPU6050_DEFAULT_RANGES)
    expect(s.accel[0]).toBeCloseTo((32767 / 16384) * STANDARD_GRAVITY, 10)
    expect(s.accel[1]).toBeCloseTo(-2 * STANDARD_GRAVITY, 10)
    expect(s.gyro[0]).toBeCloseTo(32767 / 131, 10)
    expect(() => encodeMpu6050Burst({ accel: [Number.NaN, 0, 0], gyro: [0, 0, 0], tempC: 0 })).toThrow(RangeError)
  })
})
