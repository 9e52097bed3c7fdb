// The simulated robot as the edge drives it when faults can be injected: every call passes
// through to the SimDriver, after the active faults have had their say (a ramp advanced, a
// read lost or garbled on a "corrupt" bus). The drivers themselves stay fault-free.
import type { ImuSample, RobotDriver, ServoHealth, ServoInfo } from '../../drivers/robot-driver.ts'
import type { SimulatedTonyPi } from '../../drivers/sim/model.ts'
import type { SimDriver } from '../../drivers/sim/sim-driver.ts'
import type { SimFaults } from './sim-faults.ts'

export class FaultySimDriver implements RobotDriver {
  constructor(
    private readonly inner: SimDriver,
    private readonly faults: SimFaults,
  ) {}

  get profile(): string {
    return this.inner.profile
  }
  get servos(): readonly ServoInfo[] {
    return this.inner.servos
  }
  get hasImu(): boolean {
    return this.inner.hasImu
  }
  get hasBattery(): boolean {
    return this.inner.hasBattery
  }
  /** The physics behind it, as on SimDriver (tests and demos reach in through it). */
  get model(): SimulatedTonyPi {
    return this.inner.model
  }

  readPositions(ids: readonly number[]): Map<number, number | null> {
    this.faults.apply(Date.now())
    const out = this.inner.readPositions(ids)
    for (const id of ids) {
      if (out.get(id) === null) continue
      if (this.faults.loses()) out.set(id, null)
      else if (this.faults.garbles()) out.set(id, this.faults.garbage(1000))
    }
    return out
  }

  readServoHealth(id: number): ServoHealth | null {
    this.faults.apply(Date.now())
    const h = this.inner.readServoHealth(id)
    if (!h || this.faults.loses()) return null
    // A garbled TEMP_READ reply is one byte: anything up to 255 C.
    return this.faults.garbles() ? { ...h, temperature_c: this.faults.garbage(255) } : h
  }

  readImu(): ImuSample | null {
    this.faults.apply(Date.now())
    const r = this.inner.readImu()
    return this.faults.loses() ? null : r
  }

  readBattery(): number | null {
    this.faults.apply(Date.now())
    const v = this.inner.readBattery()
    return this.faults.loses() ? null : v
  }

  move(targets: readonly { id: number; position: number }[], durationMs: number) {
    this.inner.move(targets, durationMs)
  }

  stop(ids?: readonly number[]) {
    this.inner.stop(ids)
  }

  setTorque(ids: readonly number[], on: boolean) {
    this.inner.setTorque(ids, on)
  }

  close() {
    return this.inner.close()
  }
}
