// Applies a robot's sync batch (sync/ingest.ts planned it) so that applying it again, or an
// older one after it, changes nothing:
//   1. the clock anchor of the robot's current boot is stored once, and read back (so a second
//      hub replica, or a replay, corrects with the same anchor);
//   2. the gap check: each lane's batch must start at or before the hub's mark, else 409 and
//      the robot sends again from the mark (a restored hub database, say);
//   3. the samples go to InfluxDB and are acknowledged there (a point is keyed by series and
//      time: writing it twice stores it once);
//   4. in one PostgreSQL transaction, with the robot's sync row locked: the records, each keyed
//      per robot database and versioned by its sequence number (a stale copy never overwrites a
//      newer one), the quarantined ones, the webhook's deliveries of the alert changes that are
//      news, and the new marks. Only then is the batch answered.
import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm'
import type { AlertChangeKind } from '../../core/alerts/record.ts'
import type { Logger } from '../../core/log.ts'
import { messageOf } from '../../core/log-entry.ts'
import { measureAnchor } from '../../sync/clock.ts'
import type { IngestPlan } from '../../sync/ingest.ts'
import type { BatchAck, LaneMarks } from '../../sync/protocol.ts'
import { SYNC_VERSION } from '../../sync/protocol.ts'
import type { HubDb } from '../db/database.ts'
import { alerts, commands, jobs, reports, robotAlertActions, robots, syncClockAnchors, syncQuarantine, syncState, systemLogs } from '../db/schema.ts'
import type { InfluxAckedWrites } from '../influx/acked-writes.ts'
import { alertRecord } from '../alerts/alert-repo.ts'
import type { AlertWebhook, StagedDelivery } from '../alerts/webhook.ts'
import { encodeSamples } from '../influx/line-protocol.ts'
import { isObj } from '../../core/json-object.ts'
import { detailsOf } from '../../core/robot-details.ts'

export class SyncGap extends Error {
  constructor(
    readonly ack: LaneMarks,
    message: string,
  ) {
    super(message)
    this.name = 'SyncGap'
  }
}

type SyncRow = typeof syncState.$inferSelect
type Tx = Parameters<Parameters<HubDb['transaction']>[0]>[0]

const LEVELS = new Set(['debug', 'info', 'warn', 'error', 'critical'])
const date = (ms: number | null) => (ms === null ? null : new Date(ms))

/** The hub's marks for a robot's database: a database it has not seen starts at zero. */
export function marksFor(row: SyncRow | undefined, dbId: string | null): LaneMarks {
  if (!row || !dbId || row.dbId !== dbId) return { events: 0, telemetry: 0 }
  return { events: row.eventsHighWaterSeq, telemetry: row.highWaterSeq }
}

/** What a batch changed in the robot's alerts, for the dashboards, the alerts topic and the webhook. */
export interface SyncedAlertChange {
  id: number
  change: AlertChangeKind
  notify: boolean
  staged?: StagedDelivery
}

export interface AppliedBatch {
  ack: BatchAck
  alertChanges: SyncedAlertChange[]
  state: SyncRow | undefined
}

export class BatchStore {
  /**
   * Anchors once read, per robot and boot. An anchor never changes once stored, so every replica
   * may keep what it read; a boot it has not seen is read (or measured) again.
   */
  private known = new Map<string, Map<string, number>>()
  private unanchored = new Map<string, Set<string>>()
  /** The robot's sync row as this replica last wrote it. */
  private marks = new Map<string, SyncRow>()

  constructor(private readonly deps: { db: HubDb; influx: InfluxAckedWrites; log: Logger; webhook?: Pick<AlertWebhook, 'stage'> | null }) {}

  async syncRow(robotId: string): Promise<SyncRow | undefined> {
    return (await this.deps.db.select().from(syncState).where(eq(syncState.robotId, robotId)))[0]
  }

  /** The anchors this robot's batches are corrected with (`boots`: the boots its spans name); the current boot's is measured once. */
  async anchors(
    robotId: string,
    current: { bootId: string; monoMs: number; arrivalMs: number; rttMs?: number; anchorMs?: number },
    boots: readonly string[],
  ): Promise<ReadonlyMap<string, number>> {
    const have = this.known.get(robotId)
    const absent = this.unanchored.get(robotId)
    // A boot that ended before the robot ever reached the hub has no anchor, and never will.
    if (have?.has(current.bootId) && boots.every((b) => have.has(b) || absent?.has(b))) return have
    const { db } = this.deps
    await db
      .insert(syncClockAnchors)
      .values({ robotId, bootId: current.bootId, anchorMs: measureAnchor(current.arrivalMs, current.monoMs, current.rttMs, current.anchorMs) })
      .onConflictDoNothing()
    const rows = await db.select().from(syncClockAnchors).where(eq(syncClockAnchors.robotId, robotId)).orderBy(desc(syncClockAnchors.measuredAt)).limit(50)
    const map = new Map(rows.map((r) => [r.bootId, r.anchorMs]))
    this.known.set(robotId, map)
    this.unanchored.set(robotId, new Set(boots.filter((b) => !map.has(b))))
    return map
  }

  /** The gap when the hub is missing records before this batch in either lane, else null. */
  private gap(plan: IngestPlan, row: SyncRow | undefined): SyncGap | null {
    const marks = marksFor(row, plan.batch.db_id)
    for (const lane of ['events', 'telemetry'] as const) {
      const r = plan.batch.lanes[lane]
      if (r && r.after > marks[lane]) {
        return new SyncGap(marks, `the hub has ${lane} up to ${marks[lane]} of this database; the batch starts after ${r.after}: send from ${marks[lane]}`)
      }
    }
    return null
  }

  private checkGap(plan: IngestPlan, row: SyncRow | undefined) {
    const g = this.gap(plan, row)
    if (g) throw g
  }

  async apply(robotId: string, plan: IngestPlan, arrivalMs: number): Promise<AppliedBatch> {
    const { db, influx } = this.deps
    // Refused before anything is written. Marks only grow, so the last ones this replica saw
    // clear nearly every batch without a query (another replica may have moved them further: a
    // gap by them is checked against the table); the locked row below has the last word.
    const seen = this.marks.get(robotId)
    if (!seen || seen.dbId !== plan.batch.db_id || this.gap(plan, seen)) this.checkGap(plan, await this.syncRow(robotId))
    // A corrected time is known to a few milliseconds (the boot's anchor), so where a stepped
    // clock's two timelines meet, a corrected point can land on the very millisecond of one the
    // robot stamped right, in the same series: InfluxDB would keep one of the two. Corrected
    // points go half a millisecond off the robots' whole-millisecond grid, so they never do.
    const right = plan.chunks.filter((c) => !c.correctionMs).flatMap((c) => c.samples)
    const corrected = plan.chunks.filter((c) => c.correctionMs).flatMap((c) => c.samples)
    await Promise.all([influx.write(encodeSamples(robotId, right).lines), influx.write(encodeSamples(robotId, corrected, { halfMsLater: true }).lines, 'ns')])

    const b = plan.batch
    const dbId = b.db_id
    const key = (id: number | string) => `${dbId}:${id}`
    const out: AppliedBatch = {
      ack: { v: SYNC_VERSION, ack: { events: 0, telemetry: 0 }, quarantined: [], hub_ms: 0, corrected: plan.correctedSamples },
      alertChanges: [],
      state: undefined,
    }
    const records =
      plan.chunks.length + plan.events.length + plan.alerts.length + plan.jobs.length + plan.commands.length + plan.reports.length + plan.quarantined.length
    const done = (row: SyncRow) => {
      out.ack.ack = { events: row.eventsHighWaterSeq, telemetry: row.highWaterSeq }
      out.ack.quarantined = plan.quarantined.map((q) => ({ seq: q.seq, kind: q.kind, reason: q.reason }))
      out.ack.hub_ms = Date.now()
      out.state = row
      this.marks.set(robotId, row)
      return out
    }

    // A robot in steady sync sends a tick's chunks a second: nothing but its marks to move. One
    // statement does it, with the gap check in its condition; anything else (the first batch of
    // a database, a gap, records to store) takes the transaction below.
    if (records === plan.chunks.length && b.lanes.events === undefined && b.lanes.telemetry) {
      const row = await this.advanceMarks(robotId, plan, arrivalMs, records)
      if (row) return done(row)
    }

    await db.transaction(async (tx) => {
      // One statement: the robot's row, made if new, and locked until the end of the transaction.
      const [row] = await tx.insert(syncState).values({ robotId }).onConflictDoUpdate({ target: syncState.robotId, set: { robotId } }).returning()
      this.checkGap(plan, row)
      if (row.dbId && row.dbId !== dbId) await this.databaseReplaced(tx, robotId, row.dbId, dbId)
      const marks = marksFor(row, dbId)

      if (plan.events.length) {
        await tx
          .insert(systemLogs)
          .values(
            plan.events.map((e) => {
              const data = isObj(e.data) ? e.data : { value: e.data }
              return {
                robotId,
                ts: new Date(e.ts),
                level: (LEVELS.has(e.level) ? e.level : 'info') as 'info',
                category: e.event,
                message: messageOf(e.event, data).slice(0, 4000),
                details: e.correctionMs ? { ...data, clock_corrected_ms: e.correctionMs } : data,
                edgeKey: key(e.seq),
              }
            }),
          )
          .onConflictDoNothing({ target: [systemLogs.robotId, systemLogs.edgeKey], where: sql`${systemLogs.edgeKey} is not null` })
      }
      if (plan.details) {
        // The later edit wins: one made on the hub since stays.
        const at = new Date(plan.details.edited_at)
        await tx
          .update(robots)
          .set({ ...detailsOf(plan.details), detailsEditedAt: at })
          .where(and(eq(robots.robotId, robotId), or(isNull(robots.detailsEditedAt), lt(robots.detailsEditedAt, at))))
      }
      for (const a of plan.alerts) await this.alert(tx, robotId, key(a.id), a, out)
      for (const j of plan.jobs) {
        const v = {
          robotId,
          taskName: j.task_name,
          status: j.status as 'started',
          itemsDone: j.items_done,
          itemsTotal: j.items_total,
          percent: j.percent,
          reason: j.reason,
          action: j.action ?? null,
          source: j.source,
          startedAt: new Date(j.started_at),
          updatedAt: new Date(j.updated_at),
          finishedAt: date(j.finished_at),
          edgeKey: key(j.id),
          edgeId: j.id,
          edgeSeq: j.seq,
        }
        await tx
          .insert(jobs)
          .values(v)
          .onConflictDoUpdate({
            target: [jobs.robotId, jobs.edgeKey],
            targetWhere: sql`${jobs.edgeKey} is not null`,
            set: v,
            setWhere: sql`${jobs.edgeSeq} < ${j.seq}`,
          })
      }
      for (const c of plan.commands) {
        await tx
          .insert(commands)
          .values({
            id: c.id,
            robotId,
            username: c.username,
            type: c.type,
            body: c.body ?? null,
            state: c.state as 'done',
            reason: c.reason,
            createdAt: new Date(c.ts),
            updatedAt: new Date(c.updated_at),
            origin: c.origin,
            edgeSeq: c.seq,
          })
          .onConflictDoUpdate({
            target: [commands.robotId, commands.id],
            // A command the hub sent keeps the hub's user and origin; the robot's outcome is the truth.
            set: { state: c.state as 'done', reason: c.reason, updatedAt: new Date(c.updated_at), edgeSeq: c.seq },
            setWhere: sql`${commands.edgeSeq} is null or ${commands.edgeSeq} < ${c.seq}`,
          })
      }
      if (plan.reports.length) {
        await tx
          .insert(reports)
          .values(
            plan.reports.map((r) => ({
              robotId,
              reportType: r.report_type as 'performance',
              fromTs: new Date(r.from_ts),
              toTs: new Date(r.to_ts),
              createdAt: new Date(r.created_at),
              createdBy: r.created_by,
              figures: r.figures ?? {},
              narrative: r.narrative,
              narrativeError: r.narrative_error,
              edgeKey: key(r.id),
              edgeId: r.id,
              edgeSeq: r.seq,
            })),
          )
          .onConflictDoNothing({ target: [reports.robotId, reports.edgeKey], where: sql`${reports.edgeKey} is not null` })
      }
      if (plan.quarantined.length) {
        await tx
          .insert(syncQuarantine)
          .values(plan.quarantined.map((q) => ({ robotId, dbId, seq: q.seq, kind: q.kind, reason: q.reason.slice(0, 1000), record: q.record ?? null })))
          .onConflictDoNothing()
        this.deps.log.warn('sync records quarantined', {
          robot_id: robotId,
          records: plan.quarantined.map((q) => ({ seq: q.seq, kind: q.kind, reason: q.reason })).slice(0, 10),
        })
      }

      const ack: LaneMarks = {
        events: Math.max(marks.events, b.lanes.events?.to ?? 0),
        telemetry: Math.max(marks.telemetry, b.lanes.telemetry?.to ?? 0),
      }
      const sinceLast = row.lastBatchAt ? Math.max(0.05, (arrivalMs - row.lastBatchAt.getTime()) / 1000) : null
      const rate = sinceLast === null ? null : records / sinceLast
      const [updated] = await tx
        .update(syncState)
        .set({
          highWaterSeq: ack.telemetry,
          eventsHighWaterSeq: ack.events,
          dbId,
          lastBatchAt: new Date(arrivalMs),
          bootId: b.boot_id,
          clockOffsetMs: Math.round(b.wall_ms - (arrivalMs - (b.rtt_ms ?? 0) / 2)),
          backlog: b.backlog.events + b.backlog.telemetry,
          oldestPendingAt: date(b.oldest_pending_ts),
          dropped: b.dropped,
          ratePerS: rate === null ? row.ratePerS : row.ratePerS === null ? rate : row.ratePerS * 0.7 + rate * 0.3,
          quarantined: sql`${syncState.quarantined} + ${plan.quarantined.length}`,
          correctedSamples: sql`${syncState.correctedSamples} + ${plan.correctedSamples}`,
        })
        .where(eq(syncState.robotId, robotId))
        .returning()
      out.state = updated
    })
    return done(out.state!)
  }

  /**
   * The steady state's one statement: the marks and the robot's report move only if the row is
   * this database's and the batch starts at or before the mark; null sends the batch the long way.
   */
  private async advanceMarks(robotId: string, plan: IngestPlan, arrivalMs: number, records: number): Promise<SyncRow | null> {
    const b = plan.batch
    const t = b.lanes.telemetry!
    const arrival = new Date(arrivalMs)
    const secs = sql`greatest(0.05, extract(epoch from (${arrival}::timestamptz - ${syncState.lastBatchAt})))`
    const rate = sql`${records}::float8 / ${secs}`
    const [row] = await this.deps.db
      .update(syncState)
      .set({
        highWaterSeq: sql`greatest(${syncState.highWaterSeq}, ${t.to})`,
        lastBatchAt: arrival,
        bootId: b.boot_id,
        clockOffsetMs: Math.round(b.wall_ms - (arrivalMs - (b.rtt_ms ?? 0) / 2)),
        backlog: b.backlog.events + b.backlog.telemetry,
        oldestPendingAt: date(b.oldest_pending_ts),
        dropped: b.dropped,
        ratePerS: sql`case when ${syncState.lastBatchAt} is null then null when ${syncState.ratePerS} is null then ${rate} else ${syncState.ratePerS} * 0.7 + ${rate} * 0.3 end`,
        correctedSamples: sql`${syncState.correctedSamples} + ${plan.correctedSamples}`,
      })
      .where(and(eq(syncState.robotId, robotId), eq(syncState.dbId, b.db_id), sql`${syncState.highWaterSeq} >= ${t.after}`))
      .returning()
    return row ?? null
  }

  /**
   * One of the robot's alerts, as the robot has it now. While a person's acknowledge or resolve
   * given on the hub waits for the robot to apply it, the hub keeps showing it (the robot's
   * version arriving meanwhile does not undo it); an escalation past what was acknowledged
   * clears the acknowledgement, as on the robot.
   */
  private async alert(tx: Tx, robotId: string, edgeKey: string, a: IngestPlan['alerts'][number], out: AppliedBatch) {
    const rank = a.severity === 'critical' ? 2 : a.severity === 'warning' ? 1 : 0
    const pendingAck = sql`exists (select 1 from ${robotAlertActions} p where p.robot_id = ${robotId} and p.alert_edge_id = ${a.id} and p.action = 'acknowledge'
      and (case p.severity when 'critical' then 2 when 'warning' then 1 else 0 end) >= ${rank})`
    const pendingResolve = sql`exists (select 1 from ${robotAlertActions} p where p.robot_id = ${robotId} and p.alert_edge_id = ${a.id} and p.action = 'resolve')`
    const v = {
      robotId,
      type: a.type,
      severity: a.severity,
      source: a.source,
      value: a.value,
      threshold: a.threshold,
      title: a.title,
      message: a.message,
      createdAt: new Date(a.created_at),
      updatedAt: new Date(a.updated_at),
      acknowledged: a.acknowledged,
      acknowledgedBy: a.acknowledged_by,
      acknowledgedAt: date(a.acknowledged_at),
      resolved: a.resolved,
      resolvedAt: date(a.resolved_at),
      edgeKey,
      edgeId: a.id,
      edgeSeq: a.seq,
      clockCorrectedMs: a.correctionMs || null,
    }
    const [prev] = await tx
      .select({ severity: alerts.severity, resolved: alerts.resolved, acknowledged: alerts.acknowledged, edgeSeq: alerts.edgeSeq })
      .from(alerts)
      .where(and(eq(alerts.robotId, robotId), eq(alerts.edgeKey, edgeKey)))
    if (prev && (prev.edgeSeq ?? 0) >= a.seq) return
    // The robot has one open alert per (type, source); an open one on the hub under another key
    // is a stale copy (the robot's database was replaced): it is closed, not left to collide.
    if (!a.resolved) {
      await tx
        .update(alerts)
        .set({ resolved: true, resolvedAt: new Date(a.updated_at), message: sql`${alerts.message} || ' (superseded by the robot)'` })
        .where(
          and(
            eq(alerts.robotId, robotId),
            eq(alerts.type, a.type),
            eq(alerts.source, a.source),
            eq(alerts.resolved, false),
            sql`${alerts.edgeKey} is distinct from ${edgeKey}`,
            sql`${alerts.edgeKey} is not null`,
          ),
        )
    }
    const [row] = await tx
      .insert(alerts)
      .values(v)
      .onConflictDoUpdate({
        target: [alerts.robotId, alerts.edgeKey],
        targetWhere: sql`${alerts.edgeKey} is not null`,
        set: {
          ...v,
          acknowledged: sql`${a.acknowledged} or ${pendingAck}`,
          acknowledgedBy: sql`case when ${a.acknowledged} then ${a.acknowledged_by} when ${pendingAck} then ${alerts.acknowledgedBy} else null end`,
          acknowledgedAt: sql`case when ${a.acknowledged} then ${date(a.acknowledged_at)}::timestamptz when ${pendingAck} then ${alerts.acknowledgedAt} else null end`,
          resolved: sql`${a.resolved} or ${pendingResolve}`,
          resolvedAt: sql`case when ${a.resolved} then ${date(a.resolved_at)}::timestamptz when ${pendingResolve} then ${alerts.resolvedAt} else null end`,
        },
        setWhere: sql`${alerts.edgeSeq} < ${a.seq}`,
      })
      .returning()
    if (!row) return
    // Told as the hub tells its own: an opening, an escalation or a resolve is news (webhook too).
    const change: SyncedAlertChange = !prev
      ? { id: row.id, change: row.resolved ? 'resolve' : 'open', notify: !row.resolved }
      : row.resolved && !prev.resolved
        ? { id: row.id, change: 'resolve', notify: true }
        : row.severity !== prev.severity
          ? { id: row.id, change: 'update', notify: true }
          : row.acknowledged && !prev.acknowledged
            ? { id: row.id, change: 'acknowledge', notify: false }
            : { id: row.id, change: 'update', notify: false }
    if (change.notify && this.deps.webhook) change.staged = await this.deps.webhook.stage(tx, { ...alertRecord(row), change: change.change })
    out.alertChanges.push(change)
  }

  /** A robot came back with a new database (reflashed): its old open alerts can no longer change. */
  private async databaseReplaced(tx: Tx, robotId: string, oldDb: string, newDb: string) {
    this.deps.log.warn('robot sync database replaced: marks start again at zero', { robot_id: robotId, old_db: oldDb, new_db: newDb })
    await tx
      .update(alerts)
      .set({ resolved: true, resolvedAt: new Date(), message: sql`${alerts.message} || ' (the robot''s database was replaced)'` })
      .where(and(eq(alerts.robotId, robotId), eq(alerts.resolved, false), sql`${alerts.edgeKey} like ${`${oldDb}:%`}`))
  }
}
