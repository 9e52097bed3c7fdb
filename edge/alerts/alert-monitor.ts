// Alerts on the robot, offline or not: readings from the bus go through the rule engine as
// they arrive, and each change is written (edge/alerts/alert-store.ts) and raised as an `alert`
// bus event, which the publisher puts on `tonypi/system/alerts`, the store keeps in its event
// log and the live feed pushes to the dashboards. People's actions (acknowledge,
// resolve, rule edits) take the same path, so every listener sees the same history.
import { describeChange } from '../../core/alerts/describe.ts'
import { AlertEngine, type AlertChange, type AlertReading } from '../../core/alerts/engine.ts'
import {
  ACKNOWLEDGE_ALL_MAX,
  type AlertChangeKind,
  type AlertFilter,
  type AlertMessage,
  type AlertRecord,
  type ManualAlert,
  type RulePatch,
  type RuleRecord,
} from '../../core/alerts/record.ts'
import type { Logger } from '../../core/log.ts'
import type { ServoInfo } from '../../core/robot-types.ts'
import { servoLabel } from '../../core/servo-label.ts'
import type { BatteryPack } from '../../core/units.ts'
import type { SampleBus } from '../sample-bus.ts'
import type { AlertStore } from './alert-store.ts'
import { BusReadings } from './bus-readings.ts'

/** Minimum durations of event-driven states (a silent servo) elapse on this beat. */
const TICK_MS = 250

export interface AlertMonitorDeps {
  store: AlertStore
  bus: SampleBus
  pack: BatteryPack
  servos: readonly ServoInfo[]
  log: Logger
  /** Monotonic milliseconds for rule durations (default performance.now). */
  monotonic?: () => number
}

export class AlertMonitor {
  private readonly engine: AlertEngine
  private readonly readings = new BusReadings()
  private readonly labels: Map<string, string>
  private readonly mono: () => number
  private timer: ReturnType<typeof setInterval> | null = null
  /** Readings judged, changes written, writes that failed: for diagnostics (not yet on /stats). */
  readonly counters = { readings: 0, changes: 0, failed_writes: 0 }

  constructor(private readonly deps: AlertMonitorDeps) {
    deps.store.seedRules(deps.pack, deps.bus.now())
    this.engine = new AlertEngine(deps.store.rules())
    this.mono = deps.monotonic ?? (() => performance.now())
    this.labels = new Map(deps.servos.map((s) => [String(s.id), servoLabel(s.id, s.name)]))
  }

  get store(): AlertStore {
    return this.deps.store
  }

  start() {
    const open = this.deps.store.openAlerts()
    this.engine.restore(open)
    this.readings.expectAnswerFrom(open.filter((a) => a.type === 'servo_silent').map((a) => a.source))
    this.readings.listen(this.deps.bus, this, (readings) => this.judge(readings))
    this.timer = setInterval(() => this.write(this.engine.tick(this.mono())), TICK_MS)
  }

  stop() {
    this.deps.bus.off(this)
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  private judge(readings: AlertReading[]) {
    const at = this.mono()
    this.counters.readings += readings.length
    for (const r of readings) this.write(this.engine.evaluate(r, at))
  }

  private write(changes: AlertChange[]) {
    for (const c of changes) {
      const rule = this.engine.rule(c.type)
      const text = describeChange(c, { sourceLabel: this.labels.get(c.source) ?? c.source, rule })
      let alert: AlertRecord | null
      try {
        alert = this.deps.store.apply(c, text)
      } catch (err) {
        // The engine has moved on; the next change of this alert finds no row and starts one.
        this.counters.failed_writes++
        this.deps.log.error('alert not written', { type: c.type, source: c.source, change: c.kind, error: err as Error })
        continue
      }
      if (!alert) continue
      this.counters.changes++
      this.announce(alert, c.kind, c.kind === 'open' || (c.kind === 'update' && c.active) ? levelOf(alert.severity) : 'info')
    }
  }

  private announce(alert: AlertRecord, change: AlertChangeKind, level: 'info' | 'warn' | 'error', by?: string) {
    const msg: AlertMessage = { ...alert, change, ...(by ? { by } : {}) }
    this.deps.bus.event('alert', level, msg, alert.updated_at)
  }

  acknowledge(id: number, username: string): AlertRecord | null {
    const r = this.deps.store.acknowledge(id, username, this.deps.bus.now())
    if (r?.changed) this.announce(r.alert, 'acknowledge', 'info', username)
    return r?.alert ?? null
  }

  /** An operator says it is over; if the condition is not, the rule raises a new alert. */
  resolve(id: number, username: string): AlertRecord | null {
    const r = this.deps.store.resolve(id, this.deps.bus.now())
    if (r?.changed) {
      this.engine.forget(r.alert.type, r.alert.source)
      this.announce(r.alert, 'resolve', 'info', username)
    }
    return r?.alert ?? null
  }

  /** An operator's own alert: announced like any (dashboards, MQTT, sync), open until a person resolves it. */
  raiseManual(a: ManualAlert, username: string): AlertRecord {
    const alert = this.deps.store.raise(a, username, this.deps.bus.now())
    this.deps.log.info('alert raised by a person', { id: alert.id, by: username, severity: a.severity })
    this.announce(alert, 'open', levelOf(alert.severity), username)
    return alert
  }

  /** Acknowledges every open, unacknowledged alert matching the filter (at most ACKNOWLEDGE_ALL_MAX). */
  acknowledgeAll(f: AlertFilter, username: string): AlertRecord[] {
    const todo = this.deps.store.list({ ...f, resolved: false, acknowledged: false, limit: ACKNOWLEDGE_ALL_MAX })
    return todo.map((a) => this.acknowledge(a.id, username)).filter((a): a is AlertRecord => a !== null)
  }

  updateRule(metric: string, patch: RulePatch, username: string): RuleRecord {
    const rule = this.deps.store.updateRule(metric, patch, this.deps.bus.now())
    this.write(this.engine.setRules(this.deps.store.rules(), this.mono(), this.deps.bus.now()))
    this.deps.log.info('alert rule changed', { metric, by: username, rule })
    return rule
  }
}

function levelOf(severity: string): 'info' | 'warn' | 'error' {
  return severity === 'critical' ? 'error' : severity === 'warning' ? 'warn' : 'info'
}
