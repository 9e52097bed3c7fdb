// The `sim` profile: the physics model used directly, in-process, as a RobotDriver.
// Every call first advances the model to the wall clock, so it behaves like hardware
// that keeps moving whether or not anyone is reading it.
import { TONYPI_SERVOS } from '../../core/tonypi-servos.ts'
import type { BatteryPack } from '../../core/units.ts'
import type { ImuSample, RobotDriver, ServoHealth, ServoInfo } from '../robot-driver.ts'
import { SimulatedTonyPi } from './model.ts'

export interface SimDriverOptions {
  seed?: number
  /** Ids, names and limits (default: TonyPi's 16 servos, full range). */
  servos?: readonly ServoInfo[]
  pack?: BatteryPack
  now?: () => number
}

export class SimDriver implements RobotDriver {
  readonly profile = 'sim'
  readonly servos: readonly ServoInfo[]
  readonly hasImu = true
  readonly hasBattery = true
  readonly model: SimulatedTonyPi
  private readonly now: () => number

  constructor(opts: SimDriverOptions = {}) {
    this.now = opts.now ?? Date.now
    this.servos = opts.servos ?? TONYPI_SERVOS.map((s) => ({ ...s, min: 0, max: 1000 }))
    this.model = new SimulatedTonyPi({ seed: opts.seed ?? 1, pack: opts.pack ?? '2S', startMs: this.now(), servoIds: this.servos.map((s) => s.id) })
  }

  private tick(): number {
    const t = this.now()
    this.model.step(t)
    return t
  }

  readPositions(ids: readonly number[]): Map<number, number | null> {
    this.tick()
    const out = new Map<number, number | null>()
    for (const id of ids) out.set(id, this.model.isSilent(id) ? null : this.model.readPosition(id))
    return out
  }

  readServoHealth(id: number): ServoHealth | null {
    this.tick()
    if (this.model.isSilent(id)) return null
    return {
      temperature_c: this.model.readTemperature(id),
      voltage_v: this.model.readVoltage(id) / 1000,
      torque: this.model.isTorqueOn(id),
    }
  }

  readImu(): ImuSample {
    this.tick()
    const r = this.model.readImu()
    return { accel: r.accel, gyro: r.gyro, temp_c: r.tempC }
  }

  readBattery(): number {
    this.tick()
    return this.model.readBattery().voltageMv / 1000
  }

  move(targets: readonly { id: number; position: number }[], durationMs: number) {
    this.model.move(targets, durationMs, this.tick())
  }

  stop(ids?: readonly number[]) {
    this.model.stop(ids, this.tick())
  }

  setTorque(ids: readonly number[], on: boolean) {
    this.model.setTorque(ids, on, this.tick())
  }

  close() {}
}
