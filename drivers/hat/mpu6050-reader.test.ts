// The hat's IMU reader against simulated chips on the memory I2C bus: the genuine MPU6050, the
// compatible chips boards carry instead, and devices that do not answer like one.
import { describe, expect, test } from 'bun:test'
import { MPU6050_ADDR, Mpu6050Reg, STANDARD_GRAVITY } from '../codecs/mpu6050.ts'
import { SimulatedMpu6050 } from '../sim/i2c-devices.ts'
import { SimulatedTonyPi } from '../sim/model.ts'
import { MemoryI2cBus, RegisterMapDevice } from '../transports/memory.ts'
import { ImuRefusedError, Mpu6050Reader } from './mpu6050-reader.ts'

function busWith(dev?: RegisterMapDevice) {
  const bus = new MemoryI2cBus()
  if (dev) bus.attach(MPU6050_ADDR, dev)
  return bus
}
const model = () => new SimulatedTonyPi({ seed: 2, startMs: Date.now() })

async function refusal(bus: MemoryI2cBus): Promise<Error> {
  try {
    await Mpu6050Reader.open(bus)
  } catch (err) {
    return err as Error
  }
  throw new Error('expected the IMU to be refused')
}

describe('chips that answer like an MPU6050', () => {
  test('a genuine MPU6050: no warning; it reads gravity and the model temperature', async () => {
    const m = model()
    const r = await Mpu6050Reader.open(busWith(new SimulatedMpu6050(m)))
    expect(r.chip).toEqual({ whoAmI: 0x68, name: 'MPU6050' })
    const s = await r.read()
    expect(Math.hypot(...s.accel) / STANDARD_GRAVITY).toBeCloseTo(1, 1)
    expect(Math.abs(s.temp_c! - m.readImu().tempC)).toBeLessThan(1)
  })

  test.each([
    ['0x70', 'MPU6500'],
    ['0x71', 'MPU9250'],
    ['0x73', 'MPU9255'],
  ])('WHO_AM_I %s: accepted with a warning naming the %s, and its own temperature scale', async (hex, name) => {
    const who = Number(hex)
    const m = model()
    const r = await Mpu6050Reader.open(busWith(new SimulatedMpu6050(m, { whoAmI: who })))
    expect(r.chip.name).toBe(name)
    expect(r.chip.warning).toContain(`WHO_AM_I 0x${who.toString(16)} is an ${name}, not an MPU6050`)
    const s = await r.read()
    // Decoded with the MPU6050's scale (raw / 340 + 36.53) this would read about 20 C too high.
    expect(Math.abs(s.temp_c! - m.readImu().tempC)).toBeLessThan(1)
    expect(Math.hypot(...s.accel) / STANDARD_GRAVITY).toBeCloseTo(1, 1)
  })

  test('an unknown WHO_AM_I that behaves like one is accepted, with a warning that says so', async () => {
    const r = await Mpu6050Reader.open(busWith(new SimulatedMpu6050(model(), { whoAmI: 0x12 })))
    expect(r.chip.name).toBe('an unknown chip (WHO_AM_I 0x12)')
    expect(r.chip.warning).toContain('is no chip we know; it answers like an MPU6050')
  })
})

describe('what does not answer like one is refused, saying why', () => {
  test('nothing at the address: the bus error (a NACK)', async () => {
    const err = await refusal(busWith())
    expect(err.message).toContain('no device answered at 0x68')
  })

  test('a chip that stays asleep after the wake-up write', async () => {
    const dev = new SimulatedMpu6050(model())
    dev.onWrite = () => {
      dev.regs[Mpu6050Reg.PWR_MGMT_1] = 0x40
    }
    const err = await refusal(busWith(dev))
    expect(err).toBeInstanceOf(ImuRefusedError)
    expect(err.message).toContain('stays asleep after the wake-up write (PWR_MGMT_1 reads 0x40)')
  })

  test('a device whose registers do not keep what is written (not the MPU register file)', async () => {
    const rom = new RegisterMapDevice({ [Mpu6050Reg.WHO_AM_I]: 0x68 })
    rom.onWrite = (reg, bytes) => {
      for (let i = 0; i < bytes.length; i++) rom.regs[reg + i] = 0
    }
    const err = await refusal(busWith(rom))
    expect(err.message).toContain('register 0x1b reads 0x00 after 0x18 was written')
  })

  test('a register file whose data registers never change: no measurements', async () => {
    const ram = new RegisterMapDevice({ [Mpu6050Reg.WHO_AM_I]: 0x70 })
    const err = await refusal(busWith(ram))
    expect(err.message).toBe('no MPU6050-compatible IMU at I2C 0x68: WHO_AM_I read 0x70 and its data registers all read 0x00: no measurements')
  })

  test('implausible data: no gravity', async () => {
    const ram = new RegisterMapDevice({ [Mpu6050Reg.WHO_AM_I]: 0x68 })
    ram.regs.set([0, 1, 0, 2, 0, 3, 0, 0, 0, 1, 0, 2, 0, 3], Mpu6050Reg.ACCEL_XOUT_H) // a few LSB, 36.5 C
    const err = await refusal(busWith(ram))
    expect(err.message).toMatch(/its acceleration reads 0\.00 g, where gravity alone is 1 g/)
  })

  test('implausible data: a temperature no part survives', async () => {
    const ram = new RegisterMapDevice({ [Mpu6050Reg.WHO_AM_I]: 0x68 })
    ram.regs.set([0x40, 0, 0, 0, 0, 0, 0x7f, 0xff, 0, 0, 0, 0, 0, 0], Mpu6050Reg.ACCEL_XOUT_H) // 1 g on x, temp raw 32767
    const err = await refusal(busWith(ram))
    expect(err.message).toContain('its temperature reads 132.9 C')
  })
})
