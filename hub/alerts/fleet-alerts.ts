// The hub's own alerts: on a beat, each robot's presence and sync figures go through the same
// rule engine the robots use (core/alerts/engine.ts: levels, minimum duration, hysteresis),
// one engine per robot with the rules in force for it. Every change is written in place
// (hub/alerts/alert-repo.ts), published on tonypi/system/alerts, pushed on the fleet's live
// feed (the dashboards' toasts) and, for an open, a severity change or a resolve, handed to the
// webhook. People's actions (acknowledge, resolve, rule edits) take the same path.
//
// Everything that changes engines or alerts runs one at a time, so a beat, an operator's
// resolve and a rule edit never interleave their reads and writes.
import { describeChange } from '../../core/alerts/describe.ts'
import { AlertEngine, type AlertChange } from '../../core/alerts/engine.ts'
import {
  ACKNOWLEDGE_ALL_MAX,
  type AlertChangeKind,
  type AlertFilter,
  type AlertMessage,
  type AlertRecord,
  type ManualAlert,
  type RulePatch,
} from '../../core/alerts/record.ts'
import type { AlertRule } from '../../core/alerts/rule.ts'
import type { Logger } from '../../core/log.ts'
import { SYSTEM_ALERTS_TOPIC } from '../../core/topics.ts'
import type { HubDb } from '../db/database.ts'
import { robotAlertActions, syncState } from '../db/schema.ts'
import type { MqttBridge } from '../mqtt/bridge.ts'
import type { RobotRow } from '../robots/robot-repo.ts'
import { HubAlertRepo } from './alert-repo.ts'
import { FLEET_METRIC_NAMES, fleetMetric } from './fleet-rules.ts'
import { FleetReadings } from './fleet-readings.ts'
import { effectiveRows, FleetRuleRepo, RuleError, toRule, type HubRuleRecord, type RuleRow } from './rule-repo.ts'
import type { AlertWebhook, StagedDelivery, WebhookRecords } from './webhook.ts'

/** `mono`: monotonic ms for rule durations (a wall-clock jump neither fires nor holds back an alert); `now`: epoch ms. */
export interface AlertClock {
  mono: number
  now: number
}

export const systemClock = (): AlertClock => ({ mono: performance.now(), now: Date.now() })

export interface FleetAlertsDeps {
  db: HubDb
  robots: { list(): Promise<RobotRow[]> }
  /** The MQTT bridge: who is online, the fleet broker to publish on, and asking a robot to pull what flows down. */
  bridge: Pick<MqttBridge, 'isOnline' | 'askToPull' | 'publish'>
  live: { event(robotId: string, event: string, data: Record<string, unknown>): void }
  records: WebhookRecords
  webhook: AlertWebhook | null
  log: Logger
  intervalMs: number
  /** The hub-wide switch: when false no fleet alert resolves itself, whatever its rule says. */
  autoResolve: boolean
  /** The bridge's heartbeat timeout. */
  offlineAfterMs: number
  /** When the hub started, epoch ms. */
  startedAt: number
}

export class FleetAlerts {
  readonly rules: FleetRuleRepo
  readonly store: HubAlertRepo
  /** Where time comes from; tests put a manual clock here and call `evaluate()` themselves. */
  clock: () => AlertClock = systemClock
  readonly counters = { evaluations: 0, changes: 0, failed_writes: 0, failed_evaluations: 0 }
  private readonly engines = new Map<string, { engine: AlertEngine; rulesKey: string }>()
  private readonly readings = new FleetReadings()
  private lock: Promise<unknown> = Promise.resolve()
  private timer: ReturnType<typeof setInterval> | null = null
  private beatBusy = false

  constructor(private readonly deps: FleetAlertsDeps) {
    this.rules = new FleetRuleRepo(deps.db)
    this.store = new HubAlertRepo(deps.db)
  }

  /** Seeds the default rules (every replica may: the unique index keeps one of each). */
  async start() {
    await this.rules.seed(new Date())
  }

  /**
   * The `fleet-alerts` lease (hub/cluster/leases.ts): one replica evaluates the rules. It starts
   * from the alerts the database has open, so a replica taking over from one that died updates
   * and resolves them rather than raising them again.
   */
  async lead(): Promise<{ stop(): Promise<void> }> {
    await this.exclusive(async () => {
      this.engines.clear()
      const at = this.clock()
      const rows = await this.rules.rows()
      const open = await this.store.open(FLEET_METRIC_NAMES)
      for (const robotId of new Set(open.map((a) => a.robotId))) {
        const { engine } = this.engineFor(robotId, rows)
        engine.restore(open.filter((a) => a.robotId === robotId))
        // A rule disabled while the hub was down would otherwise leave its alert open for good.
        await this.write(robotId, engine, engine.setRules(this.effective(rows, robotId), at.mono, at.now))
      }
    })
    this.schedule(this.deps.intervalMs)
    return { stop: () => this.stop() }
  }

  /** (Re)starts the beat. A beat that comes while the previous evaluation still runs is skipped. */
  schedule(intervalMs: number) {
    if (this.timer) clearInterval(this.timer)
    this.timer = setInterval(() => {
      if (this.beatBusy) return
      this.beatBusy = true
      this.evaluate()
        .catch(() => undefined)
        .finally(() => {
          this.beatBusy = false
        })
    }, intervalMs)
  }

  /** Stops the beat and waits for the evaluation in progress. */
  async stop() {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.lock
    await this.exclusive(async () => this.engines.clear())
  }

  /** One pass over the fleet; returns the alerts it changed. */
  evaluate(at: AlertClock = this.clock()): Promise<AlertRecord[]> {
    return this.exclusive(async () => {
      try {
        return await this.evaluateNow(at)
      } catch (err) {
        this.counters.failed_evaluations++
        this.deps.log.error('fleet alert evaluation failed', { error: err as Error })
        throw err
      }
    })
  }

  async acknowledge(id: number, username: string): Promise<AlertRecord | null> {
    return this.exclusive(async () => {
      const r = await this.store.acknowledge(id, username, new Date(this.clock().now))
      if (r?.changed) {
        await this.onRobot(r.alert, 'acknowledge', username)
        this.announce(r.alert, 'acknowledge', { by: username, notify: false })
      }
      return r?.alert ?? null
    })
  }

  /** An operator's own alert about a robot: announced like the hub's (dashboards, MQTT, webhook), open until a person resolves it. */
  async raiseManual(robotId: string, a: ManualAlert, username: string): Promise<AlertRecord> {
    return this.exclusive(async () => {
      const alert = await this.store.raise(robotId, a, username, new Date(this.clock().now))
      await this.audit(robotId, `alert raised by ${username} about ${robotId}: ${a.title}`, { id: alert.id, severity: a.severity })
      this.announce(alert, 'open', { by: username, notify: true })
      return alert
    })
  }

  /** Acknowledges every open, unacknowledged alert matching the filter (at most ACKNOWLEDGE_ALL_MAX). */
  async acknowledgeAll(f: AlertFilter, username: string): Promise<AlertRecord[]> {
    const todo = await this.store.list({ ...f, resolved: false, acknowledged: false, limit: ACKNOWLEDGE_ALL_MAX })
    const done: AlertRecord[] = []
    for (const a of todo) {
      const r = await this.acknowledge(a.id, username)
      if (r) done.push(r)
    }
    return done
  }

  /** An operator says it is over; if the condition is not, the rule raises a new alert. */
  async resolve(id: number, username: string): Promise<AlertRecord | null> {
    return this.exclusive(async () => {
      const r = await this.store.resolve(id, new Date(this.clock().now), this.stage('resolve', username))
      if (r?.changed) {
        await this.onRobot(r.alert, 'resolve', username)
        this.engines.get(r.alert.robot_id)?.engine.forget(r.alert.type, r.alert.source)
        this.announce(r.alert, 'resolve', { by: username, notify: true, staged: r.staged })
      }
      return r?.alert ?? null
    })
  }

  /** Edits the global rule (robotId null) or one robot's; takes effect at once. Throws RuleError. */
  async updateRule(metric: string, robotId: string | null, patch: RulePatch, username: string): Promise<HubRuleRecord> {
    return this.exclusive(async () => {
      const at = this.clock()
      const rule = await this.rules.update(metric, robotId, patch, new Date(at.now))
      await this.syncRules(await this.rules.rows(), at)
      await this.audit(robotId, `alert rule ${metric}${robotId ? ` for ${robotId}` : ' (global)'} changed by ${username}`, { rule, patch })
      return rule
    })
  }

  /** Drops a robot's own rule: the global one applies to it again. Returns the rule now in force. */
  async removeRule(metric: string, robotId: string, username: string): Promise<HubRuleRecord> {
    return this.exclusive(async () => {
      if (!(await this.rules.removeOverride(metric, robotId))) {
        throw new RuleError(404, `robot ${robotId} has no ${metric} rule of its own: the global rule applies to it`)
      }
      await this.syncRules(await this.rules.rows(), this.clock())
      await this.audit(robotId, `alert rule ${metric} for ${robotId} removed by ${username}: the global rule applies`, {})
      return (await this.rules.records(robotId)).find((r) => r.metric === metric)!
    })
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn)
    this.lock = run.catch(() => undefined)
    return run
  }

  private async evaluateNow(at: AlertClock): Promise<AlertRecord[]> {
    const [robots, syncRows, ruleRows, open] = await Promise.all([
      this.deps.robots.list(),
      this.deps.db.select().from(syncState),
      this.rules.rows(),
      this.store.open(FLEET_METRIC_NAMES),
    ])
    // Resolved by a person through another replica: start afresh, as resolve() does here.
    const stillOpen = new Set(open.map((a) => `${a.robotId}\0${a.type}\0${a.source}`))
    for (const [robotId, e] of this.engines) {
      for (const a of e.engine.openAlerts()) if (!stillOpen.has(`${robotId}\0${a.type}\0${a.source}`)) e.engine.forget(a.type, a.source)
    }
    const ids = new Set(robots.map((r) => r.robotId))
    for (const id of this.engines.keys()) if (!ids.has(id)) this.engines.delete(id)
    this.readings.keepOnly(ids)
    const changed = await this.syncRules(ruleRows, at)
    const sync = new Map(syncRows.map((s) => [s.robotId, s]))
    const heartbeatElapsed = at.now - this.deps.startedAt > this.deps.offlineAfterMs
    for (const robot of robots) {
      const s = sync.get(robot.robotId)
      const readings = this.readings.of(
        {
          robotId: robot.robotId,
          status: robot.status,
          revoked: robot.revokedAt !== null,
          online: this.deps.bridge.isOnline(robot.robotId),
          sync: s ? { lastBatchAt: s.lastBatchAt?.getTime() ?? null, backlog: s.backlog } : null,
        },
        { now: at.now, heartbeatElapsed },
      )
      if (!readings.length) continue
      const { engine } = this.engineFor(robot.robotId, ruleRows)
      changed.push(
        ...(await this.write(
          robot.robotId,
          engine,
          readings.flatMap((r) => engine.evaluate(r, at.mono)),
        )),
      )
    }
    this.counters.evaluations++
    return changed
  }

  /** The rules in force for a robot, with the hub-wide auto-resolve switch applied. */
  private effective(rows: readonly RuleRow[], robotId: string): AlertRule[] {
    return effectiveRows(rows, robotId)
      .map(toRule)
      .map((r) => ({ ...r, autoResolve: r.autoResolve && this.deps.autoResolve }))
  }

  private engineFor(robotId: string, rows: readonly RuleRow[]) {
    let e = this.engines.get(robotId)
    if (!e) {
      const rules = this.effective(rows, robotId)
      e = { engine: new AlertEngine(rules), rulesKey: JSON.stringify(rules) }
      this.engines.set(robotId, e)
    }
    return e
  }

  /** Hands changed rules to the engines; alerts of a rule now disabled resolve. */
  private async syncRules(rows: readonly RuleRow[], at: AlertClock): Promise<AlertRecord[]> {
    const changed: AlertRecord[] = []
    for (const [robotId, e] of this.engines) {
      const rules = this.effective(rows, robotId)
      const key = JSON.stringify(rules)
      if (key === e.rulesKey) continue
      e.rulesKey = key
      changed.push(...(await this.write(robotId, e.engine, e.engine.setRules(rules, at.mono, at.now))))
    }
    return changed
  }

  private async write(robotId: string, engine: AlertEngine, changes: AlertChange[]): Promise<AlertRecord[]> {
    const out: AlertRecord[] = []
    for (const c of changes) {
      const metric = fleetMetric(c.type)
      const text = describeChange(c, { sourceLabel: robotId, rule: engine.rule(c.type), metric })
      // A value-only update (the condition cleared but the alert waits for an operator) is not news for the webhook.
      const notify = c.kind !== 'update' || (c.active && c.severity !== c.previous)
      let written: { alert: AlertRecord; staged?: StagedDelivery } | null
      try {
        written = await this.store.apply(robotId, c, text, notify ? this.stage(c.kind) : undefined)
      } catch (err) {
        // The engine has moved on; the next change of this alert finds no row and starts one.
        this.counters.failed_writes++
        this.deps.log.error('alert not written', { robot_id: robotId, type: c.type, change: c.kind, error: err as Error })
        continue
      }
      if (!written) continue
      this.counters.changes++
      out.push(written.alert)
      this.announce(written.alert, c.kind, { notify, staged: written.staged })
    }
    return out
  }

  /**
   * A person's action on an alert the robot raised itself goes to the robot too: it is kept until
   * the robot has applied it (sync/protocol.ts DownAlertAction), and the robot is told to look.
   */
  private async onRobot(alert: AlertRecord, action: 'acknowledge' | 'resolve', username: string) {
    if (alert.edge_id === null || alert.edge_id === undefined) return
    await this.deps.db
      .insert(robotAlertActions)
      .values({ robotId: alert.robot_id, alertEdgeId: alert.edge_id, action, severity: alert.severity, by: `hub:${username}` })
    await this.deps.bridge.askToPull(alert.robot_id)
  }

  /** A robot's own alerts as a sync batch changed them: announced like the hub's (dashboards, MQTT, webhook). */
  async announceSynced(changes: readonly { id: number; change: AlertChangeKind; notify: boolean; staged?: StagedDelivery }[]) {
    for (const c of changes) {
      const alert = await this.store.get(c.id)
      if (alert) this.announce(alert, c.change, { notify: c.notify, staged: c.staged })
    }
  }

  /** The webhook's delivery of a change, written in the change's own transaction (none without a webhook). */
  private stage(change: AlertChangeKind, by?: string) {
    const w = this.deps.webhook
    return w ? (tx: Parameters<AlertWebhook['stage']>[0], alert: AlertRecord) => w.stage(tx, { ...alert, change, ...(by ? { by } : {}) }) : undefined
  }

  private announce(alert: AlertRecord, change: AlertChangeKind, opts: { by?: string; notify: boolean; staged?: StagedDelivery }) {
    const msg: AlertMessage = { ...alert, change, ...(opts.by ? { by: opts.by } : {}) }
    this.deps.bridge
      .publish(SYSTEM_ALERTS_TOPIC, JSON.stringify(msg), { qos: 1 })
      .catch((err: unknown) => this.deps.log.warn('alert not published on MQTT', { id: alert.id, error: err as Error }))
    this.deps.live.event(alert.robot_id, 'alert', msg)
    if (opts.notify) {
      if (opts.staged) this.deps.webhook?.send(opts.staged)
      else this.deps.webhook?.deliver(msg)
    }
  }

  private async audit(robotId: string | null, message: string, details: Record<string, unknown>) {
    this.deps.log.info(message, details)
    await this.deps.records.log({ robotId, level: 'info', category: 'alerts', message, details, ts: this.clock().now })
  }
}
