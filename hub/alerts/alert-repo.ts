// The fleet's alerts in Postgres, in the record shape the edge serves and publishes
// (core/alerts/record.ts). A rule's change opens an alert or updates the open one in place:
// the partial unique index `alerts_one_open` keeps one open alert per (robot, type, source).
// A change that is news for the webhook is written with its delivery in one transaction
// (`stage`, hub/alerts/webhook.ts), so a crash keeps both or neither.
import { and, desc, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm'
import type { AlertText } from '../../core/alerts/describe.ts'
import type { AlertChange, OpenAlert } from '../../core/alerts/engine.ts'
import {
  alertStats,
  MANUAL_ALERT_TYPE,
  manualAlertSource,
  type AlertFilter,
  type AlertRecord,
  type AlertStats,
  type ManualAlert,
} from '../../core/alerts/record.ts'
import type { AlertSeverity } from '../../core/alerts/rule.ts'
import type { HubDb } from '../db/database.ts'
import { alerts } from '../db/schema.ts'

type AlertRow = typeof alerts.$inferSelect
type Tx = Parameters<Parameters<HubDb['transaction']>[0]>[0]
/** Writes what goes with a change in its transaction (the webhook's delivery), given the alert as changed. */
export type Stage<S> = (tx: Tx, alert: AlertRecord) => Promise<S>

const ms = (d: Date | null) => (d === null ? null : d.getTime())

export function alertRecord(r: AlertRow): AlertRecord {
  return {
    id: r.id,
    robot_id: r.robotId,
    type: r.type,
    severity: r.severity,
    source: r.source,
    value: r.value,
    threshold: r.threshold,
    title: r.title,
    message: r.message,
    created_at: r.createdAt.getTime(),
    updated_at: r.updatedAt.getTime(),
    acknowledged: r.acknowledged,
    acknowledged_by: r.acknowledgedBy,
    acknowledged_at: ms(r.acknowledgedAt),
    resolved: r.resolved,
    resolved_at: ms(r.resolvedAt),
    edge_id: r.edgeId,
  }
}

const rank = (s: string) => (s === 'critical' ? 2 : s === 'warning' ? 1 : 0)

export class HubAlertRepo {
  constructor(private readonly db: HubDb) {}

  /** Open alerts of these types, for the engines to pick up after a restart. */
  async open(types: readonly string[]): Promise<(OpenAlert & { robotId: string })[]> {
    const rows = await this.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.resolved, false), inArray(alerts.type, [...types])))
    return rows
      .filter((a) => a.severity !== 'info')
      .map((a) => ({ robotId: a.robotId, type: a.type, source: a.source, severity: a.severity as AlertSeverity, value: a.value }))
  }

  /** Writes one engine change (and what `stage` adds, in the same transaction). Null for a resolve of nothing. */
  async apply<S>(robotId: string, change: AlertChange, text: AlertText, stage?: Stage<S>): Promise<{ alert: AlertRecord; staged?: S } | null> {
    return this.db.transaction(async (tx) => {
      const alert = await this.applyIn(tx, robotId, change, text)
      return alert ? { alert, ...(stage ? { staged: await stage(tx, alert) } : {}) } : null
    })
  }

  private async applyIn(tx: Tx, robotId: string, change: AlertChange, text: AlertText): Promise<AlertRecord | null> {
    const at = new Date(change.ts)
    const [open] = await tx
      .select()
      .from(alerts)
      .where(and(eq(alerts.robotId, robotId), eq(alerts.type, change.type), eq(alerts.source, change.source), eq(alerts.resolved, false)))
    const fields = { value: change.value, threshold: change.threshold, title: text.title, message: text.message, updatedAt: at }
    if (change.kind === 'resolve') {
      if (!open) return null
      return this.write(tx, open.id, { ...fields, severity: change.severity, resolved: true, resolvedAt: at })
    }
    if (!open) {
      const [row] = await tx
        .insert(alerts)
        .values({
          robotId,
          type: change.type,
          source: change.source,
          severity: change.severity,
          createdAt: at,
          ...fields,
        })
        .returning()
      return alertRecord(row)
    }
    // Escalation asks for attention again: an acknowledgement of the warning does not cover it.
    const escalated = rank(change.severity) > rank(open.severity)
    return this.write(tx, open.id, {
      ...fields,
      severity: change.severity,
      ...(escalated ? { acknowledged: false, acknowledgedBy: null, acknowledgedAt: null } : {}),
    })
  }

  async get(id: number): Promise<AlertRecord | null> {
    const [row] = await this.db.select().from(alerts).where(eq(alerts.id, id))
    return row ? alertRecord(row) : null
  }

  async list(f: AlertFilter): Promise<AlertRecord[]> {
    const rows = await this.db
      .select()
      .from(alerts)
      .where(where(f))
      .orderBy(desc(alerts.createdAt), desc(alerts.id))
      .limit(f.limit ?? 100)
      .offset(f.offset ?? 0)
    return rows.map(alertRecord)
  }

  async stats(f: AlertFilter): Promise<AlertStats> {
    const groups = await this.db
      .select({ severity: alerts.severity, type: alerts.type, acknowledged: alerts.acknowledged, resolved: alerts.resolved, n: sql<number>`count(*)::int` })
      .from(alerts)
      .where(where(f))
      .groupBy(alerts.severity, alerts.type, alerts.acknowledged, alerts.resolved)
    return alertStats(groups)
  }

  /** A person's own alert about a robot, open until a person resolves it. */
  async raise(robotId: string, a: ManualAlert, username: string, now: Date): Promise<AlertRecord> {
    const [row] = await this.db
      .insert(alerts)
      .values({
        robotId,
        type: MANUAL_ALERT_TYPE,
        source: manualAlertSource(username, now.getTime()),
        severity: a.severity,
        title: a.title,
        message: a.message ?? '',
        createdAt: now,
        updatedAt: now,
      })
      .returning()
    return alertRecord(row)
  }

  /** Idempotent: a second acknowledgement keeps the first one's user and time. */
  async acknowledge(id: number, username: string, now: Date): Promise<{ alert: AlertRecord; changed: boolean } | null> {
    const [row] = await this.db
      .update(alerts)
      .set({ acknowledged: true, acknowledgedBy: username, acknowledgedAt: now, updatedAt: now })
      .where(and(eq(alerts.id, id), eq(alerts.acknowledged, false)))
      .returning()
    if (row) return { alert: alertRecord(row), changed: true }
    const current = await this.get(id)
    return current ? { alert: current, changed: false } : null
  }

  /** Idempotent: resolving a resolved alert changes nothing; a change brings what `stage` adds, in its transaction. */
  async resolve<S>(id: number, now: Date, stage?: Stage<S>): Promise<{ alert: AlertRecord; changed: boolean; staged?: S } | null> {
    const r = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(alerts)
        .set({ resolved: true, resolvedAt: now, updatedAt: now })
        .where(and(eq(alerts.id, id), eq(alerts.resolved, false)))
        .returning()
      if (!row) return null
      const alert = alertRecord(row)
      return { alert, changed: true, ...(stage ? { staged: await stage(tx, alert) } : {}) }
    })
    if (r) return r
    const current = await this.get(id)
    return current ? { alert: current, changed: false } : null
  }

  private async write(tx: Tx, id: number, set: Partial<typeof alerts.$inferInsert>): Promise<AlertRecord> {
    const [row] = await tx.update(alerts).set(set).where(eq(alerts.id, id)).returning()
    return alertRecord(row)
  }
}

function where(f: AlertFilter): SQL | undefined {
  const w: SQL[] = []
  if (f.robot_id !== undefined) w.push(eq(alerts.robotId, f.robot_id))
  if (f.resolved !== undefined) w.push(eq(alerts.resolved, f.resolved))
  if (f.acknowledged !== undefined) w.push(eq(alerts.acknowledged, f.acknowledged))
  if (f.severity) w.push(eq(alerts.severity, f.severity))
  if (f.type) w.push(eq(alerts.type, f.type))
  if (f.source !== undefined) w.push(eq(alerts.source, f.source))
  if (f.from !== undefined) w.push(gte(alerts.createdAt, new Date(f.from)))
  if (f.to !== undefined) w.push(lte(alerts.createdAt, new Date(f.to)))
  return and(...w)
}
