import { describe, expect, test } from 'bun:test'
import {
  HAT_BATTERY_READ_LEN,
  HAT_BATTERY_REG,
  HAT_I2C_ADDR,
  MPU6050_ADDR,
  MPU6050_BURST_LEN,
  MPU6050_DEFAULT_RANGES,
  Mpu6050Reg,
  TONYPI_MPU6050_RANGES,
  decodeHatBattery,
  decodeMpu6050Burst,
  mpu6050InitSequence,
} from '../codecs/index.ts'
import { MemoryI2cBus } from '../transports/index.ts'
import { GRAVITY } from '../../core/units.ts'
import { SimulatedTonyPi } from './model.ts'
import { attachHatI2cDevices } from './i2c-devices.ts'

const T0 = 1_700_000_000_000

function hat() {
  let now = T0
  const model = new SimulatedTonyPi({ seed: 2, startMs: T0 })
  const bus = new MemoryI2cBus()
  const devices = attachHatI2cDevices(bus, model, { clock: () => now })
  const reg = (addr: number, r: number, n: number) => bus.writeRead(addr, Uint8Array.of(r), n)
  const init = async () => {
    for (const w of mpu6050InitSequence()) await bus.write(MPU6050_ADDR, Uint8Array.of(w.reg, w.value))
  }
  return { model, bus, devices, reg, init, advance: (ms: number) => (now += ms) }
}

describe('simulated MPU6050 at 0x68', () => {
  test('probes as an MPU6050 and powers up asleep, its data frozen at zero', async () => {
    const { reg, devices } = hat()
    expect(await reg(MPU6050_ADDR, Mpu6050Reg.WHO_AM_I, 1)).toEqual(Uint8Array.of(0x68))
    expect(devices.imu.awake).toBe(false)
    expect(await reg(MPU6050_ADDR, Mpu6050Reg.ACCEL_XOUT_H, MPU6050_BURST_LEN)).toEqual(new Uint8Array(MPU6050_BURST_LEN))
  })

  test('after the driver init sequence, a burst decodes to the model with the configured ranges', async () => {
    const { reg, init, devices, advance } = hat()
    await init()
    expect(devices.imu.awake).toBe(true)
    expect(devices.imu.ranges).toEqual(TONYPI_MPU6050_RANGES)
    advance(20)
    const s = decodeMpu6050Burst(await reg(MPU6050_ADDR, Mpu6050Reg.ACCEL_XOUT_H, MPU6050_BURST_LEN), TONYPI_MPU6050_RANGES)
    // Standing, y up: HiWonder's atan2(ay, az) reads +90.
    expect(s.accel[1]).toBeCloseTo(GRAVITY, 1)
    expect(Math.abs(s.accel[0])).toBeLessThan(0.1)
    expect((Math.atan2(s.accel[1], s.accel[2]) * 180) / Math.PI).toBeCloseTo(90, 0)
    expect(Math.abs(s.gyro[0])).toBeLessThan(1)
    expect(s.tempC).toBeCloseTo(31, 0) // 25 C room plus the torso's self-heating
  })

  test('the ranges are really applied: decoding with the wrong ones is off by their ratio', async () => {
    const { reg, init } = hat()
    await init()
    const raw = await reg(MPU6050_ADDR, Mpu6050Reg.ACCEL_XOUT_H, MPU6050_BURST_LEN)
    const right = decodeMpu6050Burst(raw, TONYPI_MPU6050_RANGES)
    const wrongGyro = decodeMpu6050Burst(raw, MPU6050_DEFAULT_RANGES) // 250 instead of 2000 deg/s
    expect(wrongGyro.accel[1]).toBeCloseTo(right.accel[1], 6) // accel range is 2 g in both
    expect(right.gyro[0]).not.toBe(0)
    // LSB per deg/s: 16.4 at 2000, 131 at 250.
    expect(wrongGyro.gyro[0] / right.gyro[0]).toBeCloseTo(16.4 / 131, 6)
  })

  test('a fall shows up in the burst, and a device reset puts it back to sleep', async () => {
    const { model, bus, reg, init, advance, devices } = hat()
    await init()
    model.fall('back', T0)
    advance(1000)
    const s = decodeMpu6050Burst(await reg(MPU6050_ADDR, Mpu6050Reg.ACCEL_XOUT_H, MPU6050_BURST_LEN), TONYPI_MPU6050_RANGES)
    expect(Math.abs((Math.atan2(s.accel[1], s.accel[2]) * 180) / Math.PI)).toBeGreaterThan(160)
    await bus.write(MPU6050_ADDR, Uint8Array.of(Mpu6050Reg.WHO_AM_I, 0x00))
    expect(await reg(MPU6050_ADDR, Mpu6050Reg.WHO_AM_I, 1)).toEqual(Uint8Array.of(0x68)) // read-only
    await bus.write(MPU6050_ADDR, Uint8Array.of(Mpu6050Reg.PWR_MGMT_1, 0x80))
    expect(devices.imu.awake).toBe(false)
    expect(devices.imu.ranges).toEqual(MPU6050_DEFAULT_RANGES)
  })
})

describe('simulated hat battery at 0x7A', () => {
  test('register 0 reads the pack voltage, u16 little endian millivolts', async () => {
    const { model, reg, advance } = hat()
    advance(100)
    const mv = decodeHatBattery(await reg(HAT_I2C_ADDR, HAT_BATTERY_REG, HAT_BATTERY_READ_LEN))
    model.step(T0 + 100)
    expect(Math.abs(mv - model.readBattery().voltageMv)).toBeLessThan(30)
    expect(mv).toBeGreaterThan(8000)
  })

  test('it tracks the charge', async () => {
    const { model, reg } = hat()
    model.setBatteryCharge(0.1)
    const mv = decodeHatBattery(await reg(HAT_I2C_ADDR, HAT_BATTERY_REG, HAT_BATTERY_READ_LEN))
    expect(mv).toBeGreaterThan(6600)
    expect(mv).toBeLessThan(7100)
  })

  test('a detached device NACKs like a loose cable', async () => {
    const { bus, reg } = hat()
    bus.detach(HAT_I2C_ADDR)
    await expect(reg(HAT_I2C_ADDR, 0, 2)).rejects.toMatchObject({ code: 'EREMOTEIO' })
  })
})
