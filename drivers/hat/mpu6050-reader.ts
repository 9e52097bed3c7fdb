// The hat's MPU6050 over I2C: probe WHO_AM_I, wake and set ranges once, then burst-read
// 14 bytes per sample. Configured like HiWonder's own TonyPi code (+-2 g, +-2000 deg/s).
//
// Many boards carry an MPU6500, MPU9250 or MPU9255 in its place, which keep the same registers
// (HARDWARE.md section 3; HiWonder's code never reads WHO_AM_I). So the chip is taken on what it
// does, not on its name. It answers like an MPU6050 when:
// 1. the I2C transfers succeed (nothing at the address is a NACK: refused, "no device");
// 2. after the wake and range writes, PWR_MGMT_1 reads back awake (SLEEP clear) and
//    GYRO_CONFIG / ACCEL_CONFIG read back the range bits written (a register file that works
//    like the MPU family's, not an EEPROM or a read-only chip);
// 3. a first sample is plausible: its 14 bytes are not all one value (0x00: asleep or not a
//    sensor; 0xFF: a floating bus), the temperature is within the parts' -40..85 C, and the
//    acceleration is between MIN_G and MAX_G (gravity is always there; at +-2 g each axis
//    saturates at 2 g, so no real reading exceeds 2 * sqrt(3) g).
// A known compatible chip is accepted with a warning naming it, and decoded with its own
// temperature scale; an unknown WHO_AM_I that passes all three is accepted with a warning too.
import {
  decodeMpu6050Burst,
  MPU6050_ADDR,
  MPU6050_BURST_LEN,
  MPU6050_TEMP,
  MPU6050_WHO_AM_I_VALUE,
  MPU_COMPATIBLE_CHIPS,
  Mpu6050Reg,
  mpu6050InitSequence,
  STANDARD_GRAVITY,
  TONYPI_MPU6050_RANGES,
  type Mpu6050Ranges,
  type TempScale,
} from '../codecs/mpu6050.ts'
import type { I2cBus } from '../transports/i2c.ts'
import type { ImuSample } from '../robot-driver.ts'

/** Plausible acceleration magnitude at start, in g. */
export const MIN_G = 0.25
export const MAX_G = 3.5
const SLEEP = 0x40
const FS_SEL_MASK = 0x18

export interface ImuChip {
  whoAmI: number
  /** The chip's name, or a description of an unknown one. */
  name: string
  /** Set unless it is a genuine MPU6050: what the log should say. */
  warning?: string
}

/** The chip at the address does not answer like an MPU6050; the message says what it did. */
export class ImuRefusedError extends Error {
  override name = 'ImuRefusedError'
}

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`

export class Mpu6050Reader {
  private constructor(
    private readonly bus: I2cBus,
    private readonly addr: number,
    private readonly ranges: Mpu6050Ranges,
    private readonly temp: TempScale,
    readonly chip: ImuChip,
  ) {}

  /**
   * Probes, configures and checks the sensor (see the header). Throws ImuRefusedError for a
   * chip that does not answer like an MPU6050, and the transport's error when nothing answers.
   */
  static async open(bus: I2cBus, addr = MPU6050_ADDR, ranges = TONYPI_MPU6050_RANGES): Promise<Mpu6050Reader> {
    const at = `at I2C ${hex(addr)}`
    const who = (await bus.writeRead(addr, Uint8Array.of(Mpu6050Reg.WHO_AM_I), 1))[0]!
    const known = MPU_COMPATIBLE_CHIPS[who]
    const chip: ImuChip = known ? { whoAmI: who, name: known.name } : { whoAmI: who, name: `an unknown chip (WHO_AM_I ${hex(who)})` }
    if (who !== MPU6050_WHO_AM_I_VALUE) {
      chip.warning = known
        ? `IMU ${at}: WHO_AM_I ${hex(who)} is an ${known.name}, not an MPU6050; it keeps the MPU6050's registers, so it is read as one (with the ${known.name}'s temperature scale)`
        : `IMU ${at}: WHO_AM_I ${hex(who)} is no chip we know; it answers like an MPU6050, so it is read as one (check the temperature and the axes)`
    }
    const refuse = (why: string) => new ImuRefusedError(`no MPU6050-compatible IMU ${at}: WHO_AM_I read ${hex(who)} and ${why}`)

    const writes = mpu6050InitSequence({ ranges })
    for (const w of writes) await bus.write(addr, Uint8Array.of(w.reg, w.value))
    const readBack = async (reg: number) => (await bus.writeRead(addr, Uint8Array.of(reg), 1))[0]!
    const power = await readBack(Mpu6050Reg.PWR_MGMT_1)
    if (power & SLEEP) throw refuse(`it stays asleep after the wake-up write (PWR_MGMT_1 reads ${hex(power)})`)
    for (const reg of [Mpu6050Reg.GYRO_CONFIG, Mpu6050Reg.ACCEL_CONFIG]) {
      const wrote = writes.find((w) => w.reg === reg)!.value
      const got = await readBack(reg)
      if ((got & FS_SEL_MASK) !== (wrote & FS_SEL_MASK)) {
        throw refuse(`register ${hex(reg)} reads ${hex(got)} after ${hex(wrote)} was written: not the MPU6050's register file`)
      }
    }

    const temp = known?.temp ?? MPU6050_TEMP
    const raw = await bus.writeRead(addr, Uint8Array.of(Mpu6050Reg.ACCEL_XOUT_H), MPU6050_BURST_LEN)
    if (raw.every((b) => b === raw[0])) throw refuse(`its data registers all read ${hex(raw[0]!)}: no measurements`)
    const s = decodeMpu6050Burst(raw, ranges, temp)
    if (!(s.tempC >= -40 && s.tempC <= 85)) throw refuse(`its temperature reads ${s.tempC.toFixed(1)} C, outside the parts' -40..85 C`)
    const g = Math.hypot(...s.accel) / STANDARD_GRAVITY
    if (!(g >= MIN_G && g <= MAX_G)) throw refuse(`its acceleration reads ${g.toFixed(2)} g, where gravity alone is 1 g`)
    return new Mpu6050Reader(bus, addr, ranges, temp, chip)
  }

  async read(): Promise<ImuSample> {
    const raw = await this.bus.writeRead(this.addr, Uint8Array.of(Mpu6050Reg.ACCEL_XOUT_H), MPU6050_BURST_LEN)
    const s = decodeMpu6050Burst(raw, this.ranges, this.temp)
    return { accel: [s.accel[0], s.accel[1], s.accel[2]], gyro: [s.gyro[0], s.gyro[1], s.gyro[2]], temp_c: s.tempC }
  }
}
