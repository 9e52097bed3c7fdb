// The `tonypi-hat` profile (Pi 4 era): LX bus servos on the Pi's UART behind the hat's
// half-duplex buffer, the MPU6050 and the battery on I2C bus 1. The LX protocol has no
// multi-servo frame, so a move is one MOVE_TIME_WRITE per servo, sent back to back.
import { decodeHatBattery, HAT_BATTERY_READ_LEN, HAT_BATTERY_REG, HAT_I2C_ADDR } from '../codecs/hat-battery.ts'
import {
  decodeLxReply,
  encodeMoveStop,
  encodeMoveTimeWrite,
  encodePosRead,
  encodeTempRead,
  encodeTorque,
  encodeTorqueRead,
  encodeVinRead,
  LX_BROADCAST_ID,
} from '../codecs/lx-bus.ts'
import type { BusStatus, ImuSample, RobotDriver, ServoHealth, ServoInfo } from '../robot-driver.ts'
import type { HalfDuplexDirection } from '../transports/half-duplex.ts'
import type { I2cBus } from '../transports/i2c.ts'
import type { SerialPort } from '../transports/serial-port.ts'
import { TransportError } from '../transports/errors.ts'
import { LxBusMaster, type LxBusOptions } from './lx-bus-master.ts'
import { Mpu6050Reader } from './mpu6050-reader.ts'

/** Something the driver found while opening, for the log. */
export interface DriverNote {
  level: 'info' | 'warn'
  text: string
}

export interface HatDriverParts {
  port: SerialPort
  direction: HalfDuplexDirection
  /** null when configured `none` or absent: no IMU, no battery, reported as such. */
  i2c: I2cBus | null
  servos: readonly ServoInfo[]
  bus?: LxBusOptions
}

export class HatDriver implements RobotDriver {
  readonly profile = 'tonypi-hat'
  readonly servos: readonly ServoInfo[]
  readonly bus: LxBusMaster
  hasImu = false
  hasBattery = false
  private imu: Mpu6050Reader | null = null

  private constructor(private readonly parts: HatDriverParts) {
    this.servos = parts.servos
    this.bus = new LxBusMaster(parts.port, parts.direction, parts.bus)
  }

  /**
   * Opens the I2C devices that answer. What the caller should log about them comes back in
   * `notes`, one line each; a device found missing here is not asked again.
   */
  static async open(parts: HatDriverParts): Promise<{ driver: HatDriver; notes: DriverNote[] }> {
    const d = new HatDriver(parts)
    const notes: DriverNote[] = []
    if (parts.i2c) {
      try {
        d.imu = await Mpu6050Reader.open(parts.i2c)
        d.hasImu = true
        if (d.imu.chip.warning) notes.push({ level: 'warn', text: d.imu.chip.warning })
      } catch (err) {
        notes.push({ level: 'warn', text: `IMU absent: ${(err as Error).message}; imu stays null` })
      }
      try {
        await parts.i2c.writeRead(HAT_I2C_ADDR, Uint8Array.of(HAT_BATTERY_REG), HAT_BATTERY_READ_LEN)
        d.hasBattery = true
      } catch (err) {
        // Expected on many TonyPi hats: the register comes from HiWonder's ArmPi hat (Board.py),
        // TonyPi's own SDK never reads it (HARDWARE.md section 1).
        const why = err instanceof TransportError && err.code === 'EREMOTEIO' ? 'nothing answers there' : (err as Error).message
        notes.push({
          level: 'info',
          text: `battery: no battery monitor at I2C 0x${HAT_I2C_ADDR.toString(16)} (${why}); it is on HiWonder's ArmPi hat and not on every TonyPi hat, so battery stays null and is not asked again`,
        })
      }
    } else {
      notes.push({ level: 'info', text: 'I2C configured none: no IMU, no battery' })
    }
    return { driver: d, notes }
  }

  async readPositions(ids: readonly number[]): Promise<Map<number, number | null>> {
    const frames = await this.bus.requestMany(ids.map((id) => encodePosRead(id)))
    this.bus.stats.sweep()
    const out = new Map<number, number | null>()
    ids.forEach((id, i) => {
      const r = frames[i] ? decodeLxReply(frames[i]!) : undefined
      out.set(id, r && r.kind === 'POS_READ' ? r.pos : null)
    })
    return out
  }

  async readServoHealth(id: number): Promise<ServoHealth | null> {
    const [t, v, q] = await this.bus.requestMany([encodeTempRead(id), encodeVinRead(id), encodeTorqueRead(id)])
    if (!t && !v && !q) return null
    const tr = t ? decodeLxReply(t) : undefined
    const vr = v ? decodeLxReply(v) : undefined
    const qr = q ? decodeLxReply(q) : undefined
    return {
      temperature_c: tr?.kind === 'TEMP_READ' ? tr.tempC : null,
      voltage_v: vr?.kind === 'VIN_READ' ? vr.mv / 1000 : null,
      torque: qr?.kind === 'LOAD_OR_UNLOAD_READ' ? qr.torque : null,
    }
  }

  async readImu(): Promise<ImuSample | null> {
    if (!this.imu) return null
    return this.imu.read()
  }

  async readBattery(): Promise<number | null> {
    if (!this.parts.i2c || !this.hasBattery) return null
    const raw = await this.parts.i2c.writeRead(HAT_I2C_ADDR, Uint8Array.of(HAT_BATTERY_REG), HAT_BATTERY_READ_LEN)
    return decodeHatBattery(raw) / 1000
  }

  /** One MOVE_TIME_WRITE per servo, all in one burst: the last servo starts one frame's bytes after the first. */
  move(targets: readonly { id: number; position: number }[], durationMs: number) {
    return this.bus.sendMany(targets.map((t) => encodeMoveTimeWrite(t.id, t.position, durationMs)))
  }

  /** Broadcast: one frame stops every servo, ahead of every queued poll. */
  stop(ids?: readonly number[]) {
    return this.bus.sendMany((ids ?? [LX_BROADCAST_ID]).map((id) => encodeMoveStop(id)))
  }

  setTorque(ids: readonly number[], on: boolean) {
    return this.bus.sendMany(ids.map((id) => encodeTorque(id, on)))
  }

  busStatus(): BusStatus[] {
    return [this.bus.stats.snapshot()]
  }

  /** Lets the last frames leave the wire (tcdrain, bounded) before the port and the pins go. */
  async close() {
    await this.bus.finish()
    this.parts.port.close()
    this.parts.direction.close()
    this.parts.i2c?.close()
  }
}
