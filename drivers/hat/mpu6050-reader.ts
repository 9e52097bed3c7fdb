// The hat's MPU6050 over I2C: probe WHO_AM_I, wake and set ranges once, then burst-read
// 14 bytes per sample. Configured like HiWonder's own TonyPi code (+-2 g, +-2000 deg/s).
import {
  decodeMpu6050Burst, MPU6050_ADDR, MPU6050_BURST_LEN, MPU6050_WHO_AM_I_VALUE, Mpu6050Reg, mpu6050InitSequence,
  TONYPI_MPU6050_RANGES, type Mpu6050Ranges,
} from '../codecs/mpu6050.ts'
import type { I2cBus } from '../transports/i2c.ts'
import type { ImuSample } from '../robot-driver.ts'

export class Mpu6050Reader {
  private constructor(private readonly bus: I2cBus, private readonly addr: number, private readonly ranges: Mpu6050Ranges) {}

  /** Probes and configures the sensor; throws with what was found if it is not an MPU6050. */
  static async open(bus: I2cBus, addr = MPU6050_ADDR, ranges = TONYPI_MPU6050_RANGES): Promise<Mpu6050Reader> {
    const who = (await bus.writeRead(addr, Uint8Array.of(Mpu6050Reg.WHO_AM_I), 1))[0]
    if (who !== MPU6050_WHO_AM_I_VALUE) {
      throw new Error(`no MPU6050 at 0x${addr.toString(16)}: WHO_AM_I read 0x${who.toString(16)}, expected 0x68`)
    }
    for (const w of mpu6050InitSequence({ ranges })) await bus.write(addr, Uint8Array.of(w.reg, w.value))
    return new Mpu6050Reader(bus, addr, ranges)
  }

  async read(): Promise<ImuSample> {
    const raw = await this.bus.writeRead(this.addr, Uint8Array.of(Mpu6050Reg.ACCEL_XOUT_H), MPU6050_BURST_LEN)
    const s = decodeMpu6050Burst(raw, this.ranges)
    return { accel: [s.accel[0], s.accel[1], s.accel[2]], gyro: [s.gyro[0], s.gyro[1], s.gyro[2]], temp_c: s.tempC }
  }
}
