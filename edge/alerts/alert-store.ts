// Alerts and alert rules in the edge's SQLite. Rules are seeded from core/alerts/defaults.ts
// on first run and edited by admins afterwards. Alerts are written only when something
// changes (opened, severity changed, cleared, acknowledged, resolved), each write with a new
// sync sequence number so the hub receives every state an alert went through.
import { and, desc, eq, gte, lte, sql, type SQL } from 'drizzle-orm'
import { ALERT_METRICS, defaultRules } from '../../core/alerts/defaults.ts'
import type { AlertChange, OpenAlert } from '../../core/alerts/engine.ts'
import {
  alertStats,
  applyRulePatch,
  MANUAL_ALERT_TYPE,
  manualAlertSource,
  type AlertFilter,
  type AlertRecord,
  type AlertStats,
  type ManualAlert,
  type RulePatch,
  type RuleRecord,
} from '../../core/alerts/record.ts'
import { ruleProblem, type AlertRule, type AlertSeverity } from '../../core/alerts/rule.ts'
import type { AlertText } from '../../core/alerts/describe.ts'
import type { Logger } from '../../core/log.ts'
import type { BatteryPack } from '../../core/units.ts'
import type { EdgeDb } from '../store/database.ts'
import { alertRules, alerts, meta } from '../store/schema.ts'
import { ruleLabel } from '../../core/alerts/describe.ts'

type AlertRow = typeof alerts.$inferSelect
type RuleRow = typeof alertRules.$inferSelect

export class RuleError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message)
  }
}

/** The pack the servo-supply defaults were seeded for: they follow a pack change unless edited. */
const PACK_KEY = 'alerts.rules_pack'

const toRule = (r: RuleRow): AlertRule => ({
  metric: r.metric,
  direction: r.direction,
  warning: r.warning,
  critical: r.critical,
  minDurationS: r.minDurationS,
  hysteresis: r.hysteresis,
  autoResolve: r.autoResolve,
  enabled: r.enabled,
})

const sameRule = (a: AlertRule, b: AlertRule) =>
  a.direction === b.direction &&
  a.warning === b.warning &&
  a.critical === b.critical &&
  a.minDurationS === b.minDurationS &&
  a.hysteresis === b.hysteresis &&
  a.autoResolve === b.autoResolve &&
  a.enabled === b.enabled

export class AlertStore {
  constructor(
    private readonly db: EdgeDb,
    private readonly deps: { takeSeq: () => number; robotId: string; log: Logger },
  ) {}

  /**
   * Adds any default rule missing from the table (a first run, or a metric added by an upgrade)
   * and keeps edited rules as they are. Rules that follow the battery pack are re-seeded when
   * the pack setting changed, unless an admin edited them.
   */
  seedRules(pack: BatteryPack, now: number) {
    const defaults = defaultRules(pack)
    const seededFor = this.db.select().from(meta).where(eq(meta.key, PACK_KEY)).get()?.value as BatteryPack | undefined
    const before = seededFor ? defaultRules(seededFor) : null
    this.db.transaction((tx) => {
      for (const d of defaults) {
        const row = tx.select().from(alertRules).where(eq(alertRules.metric, d.metric)).get()
        if (!row) {
          tx.insert(alertRules)
            .values({ ...d, updatedAt: now })
            .run()
          continue
        }
        const old = before?.find((b) => b.metric === d.metric)
        if (seededFor && seededFor !== pack && old && !sameRule(old, d)) {
          if (sameRule(toRule(row), old))
            tx.update(alertRules)
              .set({ ...d, updatedAt: now })
              .where(eq(alertRules.metric, d.metric))
              .run()
          else this.deps.log.warn('battery pack changed but this alert rule was edited: left as it is', { metric: d.metric, from: seededFor, to: pack })
        }
      }
      tx.insert(meta)
        .values({ key: PACK_KEY, value: pack })
        .onConflictDoUpdate({ target: meta.key, set: { value: pack } })
        .run()
    })
  }

  rules(): AlertRule[] {
    return this.db.select().from(alertRules).all().map(toRule)
  }

  ruleRecords(): RuleRecord[] {
    return this.db.select().from(alertRules).orderBy(alertRules.id).all().map(ruleRecord)
  }

  /** Applies a partial edit after checking the whole resulting rule; throws RuleError. */
  updateRule(metric: string, patch: RulePatch, now: number): RuleRecord {
    const row = this.db.select().from(alertRules).where(eq(alertRules.metric, metric)).get()
    if (!row)
      throw new RuleError(
        404,
        `no alert rule ${metric}; the rules are ${this.rules()
          .map((r) => r.metric)
          .join(', ')}`,
      )
    const next = applyRulePatch(toRule(row), patch)
    const problem = ruleProblem(next)
    if (problem) throw new RuleError(400, `${metric}: ${problem}`)
    const { metric: _, ...values } = next
    return ruleRecord(
      this.db
        .update(alertRules)
        .set({ ...values, updatedAt: now })
        .where(eq(alertRules.metric, metric))
        .returning()
        .get()!,
    )
  }

  /** Open alerts of the rules, for the engine to pick up after a restart (a person's own are theirs to resolve). */
  openAlerts(): OpenAlert[] {
    return this.db
      .select()
      .from(alerts)
      .where(eq(alerts.resolved, false))
      .all()
      .filter((a) => a.severity !== 'info' && a.type !== MANUAL_ALERT_TYPE)
      .map((a) => ({ type: a.type, source: a.source, severity: a.severity as AlertSeverity, value: a.value }))
  }

  /** Writes one engine change. Returns the alert as it now is, or null for a resolve of nothing. */
  apply(change: AlertChange, text: AlertText): AlertRecord | null {
    const open = this.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.type, change.type), eq(alerts.source, change.source), eq(alerts.resolved, false)))
      .get()
    const fields = { value: change.value, threshold: change.threshold, title: text.title, message: text.message, updatedAt: change.ts }
    if (change.kind === 'resolve') {
      if (!open) return null
      return this.write(open.id, { ...fields, severity: change.severity, resolved: true, resolvedAt: change.ts })
    }
    if (!open) {
      const row = this.db
        .insert(alerts)
        .values({
          seq: this.deps.takeSeq(),
          type: change.type,
          source: change.source,
          severity: change.severity,
          createdAt: change.ts,
          ...fields,
        })
        .returning()
        .get()
      return record(row, this.deps.robotId)
    }
    // Escalation asks for attention again: an acknowledgement of the warning does not cover it.
    const escalated = rank(change.severity) > rank(open.severity)
    return this.write(open.id, {
      ...fields,
      severity: change.severity,
      ...(escalated ? { acknowledged: false, acknowledgedBy: null, acknowledgedAt: null } : {}),
    })
  }

  /** A person's own alert, open until a person resolves it. */
  raise(a: ManualAlert, username: string, now: number): AlertRecord {
    const row = this.db
      .insert(alerts)
      .values({
        seq: this.deps.takeSeq(),
        type: MANUAL_ALERT_TYPE,
        source: manualAlertSource(username, now),
        severity: a.severity,
        title: a.title,
        message: a.message ?? '',
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get()
    return record(row, this.deps.robotId)
  }

  stats(f: AlertFilter): AlertStats {
    const rows = this.db
      .select({ severity: alerts.severity, type: alerts.type, acknowledged: alerts.acknowledged, resolved: alerts.resolved, n: sql<number>`count(*)` })
      .from(alerts)
      .where(this.where(f))
      .groupBy(alerts.severity, alerts.type, alerts.acknowledged, alerts.resolved)
      .all()
    return alertStats(rows)
  }

  get(id: number): AlertRecord | null {
    const row = this.db.select().from(alerts).where(eq(alerts.id, id)).get()
    return row ? record(row, this.deps.robotId) : null
  }

  list(f: AlertFilter): AlertRecord[] {
    return this.db
      .select()
      .from(alerts)
      .where(this.where(f))
      .orderBy(desc(alerts.createdAt), desc(alerts.id))
      .limit(f.limit ?? 100)
      .all()
      .map((r) => record(r, this.deps.robotId))
  }

  private where(f: AlertFilter): SQL | undefined {
    const where: SQL[] = []
    if (f.resolved !== undefined) where.push(eq(alerts.resolved, f.resolved))
    if (f.acknowledged !== undefined) where.push(eq(alerts.acknowledged, f.acknowledged))
    if (f.severity) where.push(eq(alerts.severity, f.severity))
    if (f.type) where.push(eq(alerts.type, f.type))
    if (f.source !== undefined) where.push(eq(alerts.source, f.source))
    if (f.from !== undefined) where.push(gte(alerts.createdAt, f.from))
    if (f.to !== undefined) where.push(lte(alerts.createdAt, f.to))
    return and(...where)
  }

  /** Idempotent: a second acknowledgement keeps the first one's user and time. */
  acknowledge(id: number, username: string, now: number): { alert: AlertRecord; changed: boolean } | null {
    const row = this.db.select().from(alerts).where(eq(alerts.id, id)).get()
    if (!row) return null
    if (row.acknowledged) return { alert: record(row, this.deps.robotId), changed: false }
    return { alert: this.write(id, { acknowledged: true, acknowledgedBy: username, acknowledgedAt: now, updatedAt: now }), changed: true }
  }

  /** Idempotent: resolving a resolved alert changes nothing. */
  resolve(id: number, now: number): { alert: AlertRecord; changed: boolean } | null {
    const row = this.db.select().from(alerts).where(eq(alerts.id, id)).get()
    if (!row) return null
    if (row.resolved) return { alert: record(row, this.deps.robotId), changed: false }
    return { alert: this.write(id, { resolved: true, resolvedAt: now, updatedAt: now }), changed: true }
  }

  private write(id: number, set: Partial<typeof alerts.$inferInsert>): AlertRecord {
    const row = this.db
      .update(alerts)
      .set({ ...set, seq: this.deps.takeSeq() })
      .where(eq(alerts.id, id))
      .returning()
      .get()!
    return record(row, this.deps.robotId)
  }
}

const rank = (s: string) => (s === 'critical' ? 2 : s === 'warning' ? 1 : 0)

function record(r: AlertRow, robotId: string): AlertRecord {
  return {
    id: r.id,
    robot_id: robotId,
    type: r.type,
    severity: r.severity,
    source: r.source,
    value: r.value,
    threshold: r.threshold,
    title: r.title,
    message: r.message,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    acknowledged: r.acknowledged,
    acknowledged_by: r.acknowledgedBy,
    acknowledged_at: r.acknowledgedAt,
    resolved: r.resolved,
    resolved_at: r.resolvedAt,
  }
}

function ruleRecord(r: RuleRow): RuleRecord {
  const m = ALERT_METRICS[r.metric]
  return {
    metric: r.metric,
    direction: r.direction,
    warning: r.warning,
    critical: r.critical,
    min_duration_s: r.minDurationS,
    hysteresis: r.hysteresis,
    auto_resolve: r.autoResolve,
    enabled: r.enabled,
    updated_at: r.updatedAt,
    unit: m?.unit ?? '',
    meaning: m?.meaning ?? '',
    label: ruleLabel(r.metric, m),
    ...(m?.states ? { states: m.states } : {}),
  }
}
