// The hat's I2C side for the `tonypi-hat` profile, simulated in-process: the MPU6050 at 0x68 and
// the hat MCU's battery register at 0x7A (HARDWARE.md sections 1 and 3), as register maps that
// attach to a MemoryI2cBus. There is no user-space way to put a fake device behind /dev/i2c-N
// (the LX bus gets a pty, I2C has no such twin), so an edge under test is given the memory bus.
//
// Both read the physics model at the moment of the transfer, as the real chips sample
// continuously; the MPU6050 is mounted as in TonyPi (y up), which is the model's own frame.

import {
  HAT_BATTERY_REG,
  HAT_I2C_ADDR,
  MPU6050_ADDR,
  MPU6050_BURST_LEN,
  MPU6050_TEMP,
  MPU6050_WHO_AM_I_VALUE,
  MPU_COMPATIBLE_CHIPS,
  Mpu6050Reg,
  encodeHatBattery,
  encodeMpu6050Burst,
  type AccelRangeG,
  type GyroRangeDps,
  type Mpu6050Ranges,
  type TempScale,
} from '../codecs/index.ts'
import { RegisterMapDevice, type MemoryI2cBus } from '../transports/index.ts'
import type { SimulatedTonyPi } from './model.ts'
import { wallClockMs } from './wire.ts'

export interface SimI2cOptions {
  /** Epoch ms for the model; default wallClockMs. */
  clock?: () => number
}

export interface SimMpuOptions extends SimI2cOptions {
  /**
   * WHO_AM_I: 0x68 (default) for an MPU6050, or a compatible chip's (0x70 MPU6500, 0x71 MPU9250,
   * 0x73 MPU9255), whose temperature scale it then uses; any other value keeps the MPU6050's.
   */
  whoAmI?: number
}

/** A chip whose registers read the robot model, stepped to the device's clock. */
abstract class ModelRegisterDevice extends RegisterMapDevice {
  protected readonly clock: () => number

  constructor(
    readonly model: SimulatedTonyPi,
    opts: SimI2cOptions,
  ) {
    super()
    this.clock = opts.clock ?? wallClockMs
  }
}

/** PWR_MGMT_1 bits (register map rev 4.2, section 4.28). */
const DEVICE_RESET = 0x80
const SLEEP = 0x40
const DATA_FIRST = Mpu6050Reg.ACCEL_XOUT_H
const DATA_LAST = DATA_FIRST + MPU6050_BURST_LEN - 1
const ACCEL_BY_SEL: readonly AccelRangeG[] = [2, 4, 8, 16]
const GYRO_BY_SEL: readonly GyroRangeDps[] = [250, 500, 1000, 2000]

/**
 * MPU6050 register subset. Powers up asleep (PWR_MGMT_1 = 0x40) with its data registers at 0 and
 * frozen until woken, as the chip does; WHO_AM_I reads its chip id and cannot be written; the
 * full-scale ranges are taken from GYRO_CONFIG / ACCEL_CONFIG bits 4:3 at every read, so a driver
 * that configures one range and decodes with another gets visibly wrong values.
 */
export class SimulatedMpu6050 extends ModelRegisterDevice {
  readonly whoAmI: number
  private readonly temp: TempScale

  constructor(model: SimulatedTonyPi, opts: SimMpuOptions = {}) {
    super(model, opts)
    this.whoAmI = opts.whoAmI ?? MPU6050_WHO_AM_I_VALUE
    this.temp = MPU_COMPATIBLE_CHIPS[this.whoAmI]?.temp ?? MPU6050_TEMP
    this.powerOnReset()
    this.onWrite = (reg, bytes) => this.written(reg, bytes)
    this.onRead = (reg) => {
      if (reg >= DATA_FIRST && reg <= DATA_LAST && this.awake) this.sample()
    }
  }

  get awake(): boolean {
    return (this.regs[Mpu6050Reg.PWR_MGMT_1] & SLEEP) === 0
  }

  get ranges(): Mpu6050Ranges {
    return {
      accelG: ACCEL_BY_SEL[(this.regs[Mpu6050Reg.ACCEL_CONFIG] >> 3) & 3],
      gyroDps: GYRO_BY_SEL[(this.regs[Mpu6050Reg.GYRO_CONFIG] >> 3) & 3],
    }
  }

  private powerOnReset(): void {
    this.regs.fill(0)
    this.regs[Mpu6050Reg.PWR_MGMT_1] = SLEEP
    this.regs[Mpu6050Reg.WHO_AM_I] = this.whoAmI
  }

  private written(reg: number, bytes: Uint8Array): void {
    const end = reg + bytes.length
    const covers = (r: number) => r >= reg && r < end
    if (covers(Mpu6050Reg.PWR_MGMT_1) && bytes[Mpu6050Reg.PWR_MGMT_1 - reg] & DEVICE_RESET) {
      this.powerOnReset()
      return
    }
    this.regs[Mpu6050Reg.WHO_AM_I] = this.whoAmI
  }

  private sample(): void {
    this.model.step(this.clock())
    this.regs.set(encodeMpu6050Burst(this.model.readImu(), this.ranges, this.temp), DATA_FIRST)
  }
}

/** The hat MCU's battery register: reg 0, u16 little-endian millivolts, refreshed at each read. */
export class SimulatedHatBattery extends ModelRegisterDevice {
  constructor(model: SimulatedTonyPi, opts: SimI2cOptions = {}) {
    super(model, opts)
    this.onRead = (reg) => {
      if (reg > HAT_BATTERY_REG + 1) return
      this.model.step(this.clock())
      this.regs.set(encodeHatBattery(Math.min(65535, this.model.readBattery().voltageMv)), HAT_BATTERY_REG)
    }
  }
}

/** Put both hat devices on a bus at their TonyPi addresses. */
export function attachHatI2cDevices(
  bus: MemoryI2cBus,
  model: SimulatedTonyPi,
  opts: SimMpuOptions = {},
): { imu: SimulatedMpu6050; battery: SimulatedHatBattery } {
  const imu = new SimulatedMpu6050(model, opts)
  const battery = new SimulatedHatBattery(model, opts)
  bus.attach(MPU6050_ADDR, imu).attach(HAT_I2C_ADDR, battery)
  return { imu, battery }
}
