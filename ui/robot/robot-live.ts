// The robot as the dashboard knows it: seeded from `robot/status`, then kept current by
// the live feed. Mutable and outside Preact on purpose: samples arrive far faster than the
// screen should redraw, so writers bump `version` and readers render once per frame.
import { attitudeFromAccel } from '../../core/units.ts'
import { requestFrame } from '../live/frame-clock.ts'
import { Ring } from '../live/ring.ts'
import type { FeedEventName, LiveSample, RobotStatus } from '../lib/types.ts'

/** A servo that has not answered for this long is shown as stale (the edge uses 5 polls). */
export const SERVO_STALE_MS = 1_000
const SERVO_HISTORY = 240 // 12 s at 20 Hz
const SLOW_HISTORY = 600 // 10 min at 1 Hz
const ATTITUDE_EVERY_MS = 50
/** Smooths IMU noise for the attitude display: a 50 ms time constant, whatever rate the feed sends. */
const IMU_SMOOTHING_MS = 50

export const PERF_FIELDS = ['cpu_percent', 'mem_percent', 'cpu_temp_c', 'net_rx_bps', 'net_tx_bps', 'load_1'] as const
export type PerfField = (typeof PERF_FIELDS)[number]

/** What changed: a page that shows servos need not redraw for each of 100 IMU samples a second.
 * `roster` is the servo list itself (which servos, their names), `state` the e-stop. */
export type LiveTopic = 'servos' | 'imu' | 'battery' | 'performance' | 'sensors' | 'state' | 'roster'

export interface ServoLive {
  id: number
  name: string
  position: number | null
  temperature_c: number | null
  voltage_v: number | null
  torque: boolean | null
  /** Robot clock of the last reading. */
  ts: number | null
  /** This page's clock (performance.now) of the last answer: staleness must not depend on clock skew. */
  seenAt: number
  history: Ring
  /** The last target this dashboard commanded, drawn on the sparkline until reached. */
  target: number | null
  /** Bumped on every change of this servo, so its card redraws only what changed, when it did. */
  version: number
}

export interface ImuLive {
  ts: number
  accel: [number, number, number]
  gyro: [number, number, number]
  smoothed: [number, number, number]
  roll_deg: number
  pitch_deg: number
  temp_c: number | null
}

export class RobotLive {
  robotId = ''
  profile = ''
  servos: ServoLive[] = []
  private byId = new Map<number, ServoLive>()
  imu: ImuLive | null = null
  readonly roll = new Ring(SERVO_HISTORY)
  readonly pitch = new Ring(SERVO_HISTORY)
  battery: { ts: number; voltage_v: number; percent: number } | null = null
  readonly batteryHistory = new Ring(SLOW_HISTORY)
  performance: { ts: number; values: Record<string, number> } | null = null
  readonly perfHistory = Object.fromEntries(PERF_FIELDS.map((f) => [f, new Ring(SLOW_HISTORY)])) as Record<PerfField, Ring>
  /** Ultrasonic, light and other board sensors, by name. */
  readonly sensors = new Map<string, { ts: number; value: number }>()
  estopped = false
  estopReason: string | null = null
  seeded = false
  /** Bumped on any change; `versions` per topic. */
  version = 0
  readonly versions: Record<LiveTopic, number> = { servos: 0, imu: 0, battery: 0, performance: 0, sensors: 0, state: 0, roster: 0 }
  private lastAttitudePush = 0

  private changed(...topics: LiveTopic[]) {
    this.version++
    for (const t of topics) this.versions[t]++
    requestFrame()
  }

  /** Counts estop/resume events, so a status fetched before one cannot undo it. */
  stateEvents = 0

  /** `stateEventsAtRequest`: the count when the status was requested. */
  seed(status: RobotStatus, stateEventsAtRequest = this.stateEvents, now = performance.now()) {
    this.robotId = status.robot_id
    this.profile = status.profile
    if (stateEventsAtRequest === this.stateEvents) this.estopped = status.estopped
    const next: ServoLive[] = []
    for (const s of status.servos) {
      const cur = this.byId.get(s.id)
      const servo: ServoLive = cur ?? {
        id: s.id,
        name: s.name,
        position: null,
        temperature_c: null,
        voltage_v: null,
        torque: null,
        ts: null,
        seenAt: -Infinity,
        history: new Ring(SERVO_HISTORY),
        target: null,
        version: 0,
      }
      servo.name = s.name
      servo.position = s.position
      servo.temperature_c = s.temperature_c
      servo.voltage_v = s.voltage_v
      servo.torque = s.torque
      servo.ts = s.ts
      servo.seenAt = s.stale ? -Infinity : now
      servo.version++
      if (s.position !== null && s.ts !== null && !cur) servo.history.push(s.ts, s.position)
      next.push(servo)
    }
    const roster = (list: ServoLive[]) => list.map((x) => `${x.id}:${x.name}`).join(',')
    const rosterChanged = roster(this.servos) !== roster(next.sort((a, b) => a.id - b.id))
    this.servos = next
    this.byId = new Map(next.map((s) => [s.id, s]))
    if (status.imu)
      this.applyImu(status.imu.ts, {
        ax: status.imu.accel[0],
        ay: status.imu.accel[1],
        az: status.imu.accel[2],
        gx: status.imu.gyro[0],
        gy: status.imu.gyro[1],
        gz: status.imu.gyro[2],
      })
    if (status.battery) this.battery = status.battery
    this.seeded = true
    this.changed('servos', 'imu', 'battery', 'state', ...(rosterChanged ? ['roster' as const] : []))
  }

  /** The latest Pi figures from `pi/performance`, unless the live feed already brought newer ones. */
  seedPerformance(latest: { ts: number; values: Record<string, number> } | null) {
    if (!latest || (this.performance && this.performance.ts >= latest.ts)) return
    this.performance = latest
    this.changed('performance')
  }

  /** The rings a chart of `stream` draws from, by field. */
  historyRings(stream: 'performance' | 'battery'): Partial<Record<string, Ring>> {
    return stream === 'battery' ? { voltage_v: this.batteryHistory } : this.perfHistory
  }

  /** Stored history put before what the live feed brought since the page opened. */
  seedHistory(stream: 'performance' | 'battery', points: readonly Record<string, number | string>[]) {
    for (const [field, ring] of Object.entries(this.historyRings(stream))) {
      if (!ring) continue
      const live: [number, number][] = []
      for (let i = 0; i < ring.size; i++) live.push([ring.timeAt(i), ring.valueAt(i)])
      const first = live[0]?.[0] ?? Infinity
      ring.clear()
      for (const p of points) {
        const v = p[field]
        if (typeof v === 'number' && Number(p.ts) < first) ring.push(Number(p.ts), v)
      }
      for (const [t, v] of live) ring.push(t, v)
    }
    this.changed(stream)
  }

  servo(id: number): ServoLive | undefined {
    return this.byId.get(id)
  }

  /** The hub relays what robots send, possibly less often than the edge polls: set longer there. */
  staleMs = SERVO_STALE_MS

  isStale(s: ServoLive, now = performance.now()): boolean {
    return now - s.seenAt > this.staleMs
  }

  applySamples(samples: readonly LiveSample[], now = performance.now()) {
    for (const s of samples) {
      this.versions[s.stream]++
      switch (s.stream) {
        case 'servos':
          this.applyServo(s, now)
          break
        case 'imu':
          this.applyImu(s.ts, s.values)
          break
        case 'battery':
          if (s.values.voltage_v !== undefined) {
            this.battery = { ts: s.ts, voltage_v: s.values.voltage_v, percent: s.values.percent ?? NaN }
            this.batteryHistory.push(s.ts, s.values.voltage_v)
          }
          break
        case 'performance':
          this.applyPerformance(s)
          break
        case 'sensors':
          if (s.source !== undefined && s.values.value !== undefined) this.sensors.set(s.source, { ts: s.ts, value: s.values.value })
          break
      }
    }
    this.changed()
  }

  private applyServo(s: LiveSample, now: number) {
    const servo = this.byId.get(Number(s.source))
    if (!servo) return
    const v = s.values
    if (v.position !== undefined) {
      servo.position = v.position
      servo.history.push(s.ts, v.position)
      if (servo.target !== null && Math.abs(servo.target - v.position) <= 3) servo.target = null
    }
    if (v.temperature_c !== undefined) servo.temperature_c = v.temperature_c
    if (v.voltage_v !== undefined) servo.voltage_v = v.voltage_v
    if (v.torque !== undefined) servo.torque = v.torque === 1
    servo.ts = s.ts
    servo.seenAt = now
    servo.version++
  }

  private applyImu(ts: number, v: Record<string, number>) {
    const accel: [number, number, number] = [v.ax, v.ay, v.az]
    const prev = this.imu
    // An exponential average over time: the same smoothing at 100 Hz as at the 25 a page asks for.
    const k = prev ? 1 - Math.exp(-Math.max(0, ts - prev.ts) / IMU_SMOOTHING_MS) : 1
    const p = prev?.smoothed ?? accel
    const smoothed: [number, number, number] = [p[0] + (accel[0] - p[0]) * k, p[1] + (accel[1] - p[1]) * k, p[2] + (accel[2] - p[2]) * k]
    const { roll_deg, pitch_deg } = attitudeFromAccel(smoothed)
    this.imu = { ts, accel, gyro: [v.gx, v.gy, v.gz], smoothed, roll_deg, pitch_deg, temp_c: v.temp_c ?? null }
    // 100 Hz is more than a sparkline can show: keep one point per 50 ms.
    if (ts - this.lastAttitudePush >= ATTITUDE_EVERY_MS) {
      this.lastAttitudePush = ts
      this.roll.push(ts, roll_deg)
      this.pitch.push(ts, pitch_deg)
    }
  }

  private applyPerformance(s: LiveSample) {
    // Legacy clients send one field at a time: merge into a recent snapshot, as the edge does.
    const fresh = this.performance && s.ts - this.performance.ts < 5_000
    this.performance = { ts: s.ts, values: fresh ? { ...this.performance!.values, ...s.values } : { ...s.values } }
    for (const f of PERF_FIELDS) {
      const v = s.values[f]
      if (v !== undefined) this.perfHistory[f].push(s.ts, v)
    }
  }

  /** Robot events from the live feed that change what the robot is doing. */
  applyEvent(event: FeedEventName, data: Record<string, unknown>) {
    if (event === 'estop' || event === 'resume') this.stateEvents++
    if (event === 'estop') {
      this.estopped = true
      this.estopReason = typeof data.reason === 'string' ? data.reason : null
      for (const s of this.servos) {
        s.target = null
        s.version++
      }
    } else if (event === 'resume') {
      this.estopped = false
      this.estopReason = null
    } else return
    this.changed('state', 'servos')
  }

  setTarget(id: number, position: number) {
    const s = this.byId.get(id)
    if (s) {
      s.target = position
      s.version++
      this.changed('servos')
    }
  }

  setEstopped(on: boolean, reason: string | null = null) {
    this.stateEvents++
    this.estopped = on
    this.estopReason = reason
    this.changed('state', 'servos')
  }
}
