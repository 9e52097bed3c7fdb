// Samples the robot on a schedule and publishes every reading on the bus. Rates come
// from configuration; positions are read as one sweep, health (temperature, voltage,
// torque) one servo per slot, round-robin, as the shared servo wire demands.
import type { Logger } from '../core/log.ts'
import type { Sample } from '../core/streams.ts'
import { batteryPercent, type BatteryPack } from '../core/units.ts'
import type { RobotDriver } from '../drivers/robot-driver.ts'
import type { PiPerformanceReader } from '../drivers/pi/reader.ts'
import type { PerformanceSample } from '../drivers/pi/types.ts'
import { Poller } from './poller.ts'
import type { SampleBus } from './sample-bus.ts'

export interface CollectorRates {
  servoPositionHz: number
  servoHealthHz: number
  imuHz: number
  batteryHz: number
  performanceHz: number
}

/** Flattens a performance snapshot into sample fields (per-core CPU as cpuN_percent). */
export function performanceValues(p: PerformanceSample): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(p)) {
    if (k === 'ts') continue
    if (typeof v === 'number') out[k] = v
  }
  p.cpu_per_core?.forEach((v, i) => {
    out[`cpu${i}_percent`] = v
  })
  if (p.throttled) out.throttled = p.throttled.raw
  return out
}

/** Sweeps in a row without an answer before a servo counts as gone (a retry already happened per read). */
const SILENT_SWEEPS = 3

export class Collector {
  private pollers: Poller[] = []
  private healthCursor = 0
  private silentFor = new Map<number, number>()

  constructor(
    private readonly driver: RobotDriver,
    private readonly bus: SampleBus,
    private readonly rates: CollectorRates,
    private readonly opts: { pack: BatteryPack; performance: PiPerformanceReader | null; log: Logger; now?: () => number },
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)()
  }

  start() {
    const { driver, rates } = this
    const log = this.opts.log
    const ids = driver.servos.map((s) => s.id)
    const every = (hz: number) => 1000 / hz
    this.pollers.push(
      new Poller(
        'servo.position',
        every(rates.servoPositionHz),
        async () => {
          const ts = this.now()
          const positions = await driver.readPositions(ids)
          const samples: Sample[] = []
          for (const [id, pos] of positions) {
            if (pos !== null) samples.push({ stream: 'servos', ts, source: String(id), values: { position: pos } })
            this.noteAnswer(id, pos !== null, ts)
          }
          this.bus.samples(samples)
        },
        log,
      ),
    )
    if (ids.length) {
      // Every servo's health once per 1/servoHealthHz: one servo per slot keeps the bus free.
      this.pollers.push(
        new Poller(
          'servo.health',
          every(rates.servoHealthHz * ids.length),
          async () => {
            const id = ids[this.healthCursor++ % ids.length]
            const ts = this.now()
            const h = await driver.readServoHealth(id)
            if (!h) return
            const values: Record<string, number> = {}
            if (h.temperature_c !== null) values.temperature_c = h.temperature_c
            if (h.voltage_v !== null) values.voltage_v = h.voltage_v
            if (h.torque !== null) values.torque = h.torque ? 1 : 0
            this.bus.samples([{ stream: 'servos', ts, source: String(id), values }])
          },
          log,
        ),
      )
    }
    if (driver.hasImu) {
      this.pollers.push(
        new Poller(
          'imu',
          every(rates.imuHz),
          async () => {
            const ts = this.now()
            const r = await driver.readImu()
            if (!r) return
            const values: Record<string, number> = { ax: r.accel[0], ay: r.accel[1], az: r.accel[2], gx: r.gyro[0], gy: r.gyro[1], gz: r.gyro[2] }
            if (r.temp_c !== undefined) values.temp_c = r.temp_c
            this.bus.samples([{ stream: 'imu', ts, values }])
          },
          log,
        ),
      )
    }
    if (driver.hasBattery) {
      this.pollers.push(
        new Poller(
          'battery',
          every(rates.batteryHz),
          async () => {
            const ts = this.now()
            const v = await driver.readBattery()
            if (v === null) return
            this.bus.samples([{ stream: 'battery', ts, values: { voltage_v: v, percent: batteryPercent(v, this.opts.pack) } }])
          },
          log,
        ),
      )
    }
    const perf = this.opts.performance
    if (perf) {
      this.pollers.push(
        new Poller(
          'performance',
          every(rates.performanceHz),
          () => {
            const p = perf.read(this.now())
            this.bus.samples([{ stream: 'performance', ts: p.ts, values: performanceValues(p) }])
          },
          log,
        ),
      )
    }
    for (const p of this.pollers) p.start()
  }

  /** Raises one event when a servo goes silent and one when it answers again, not one per sweep. */
  private noteAnswer(id: number, answered: boolean, ts: number) {
    const n = this.silentFor.get(id) ?? 0
    if (answered) {
      if (n >= SILENT_SWEEPS) this.bus.event('servo.recovered', 'info', { servo_id: id, silent_sweeps: n }, ts)
      if (n) this.silentFor.delete(id)
      return
    }
    this.silentFor.set(id, n + 1)
    if (n + 1 === SILENT_SWEEPS) this.bus.event('servo.silent', 'warn', { servo_id: id, message: `servo ${id} does not answer` }, ts)
  }

  stop() {
    for (const p of this.pollers) p.stop()
    this.pollers = []
  }
}
