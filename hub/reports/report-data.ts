// The hub's answer to `ReportInput` for one robot: its servo, battery and host series from
// InfluxDB as aggregated buckets (count/sum/min/max per bucket, so means and trends come out
// the same as the edge's rollups), its alerts and jobs from Postgres, its sync state, and the
// servo temperature limit its alert rules use. Every InfluxQL value goes through the escaping
// builders in hub/influx/influxql.ts.
import { and, desc, eq, gte, isNull, lte, or } from 'drizzle-orm'
import { defaultRules } from '../../core/alerts/defaults.ts'
import type { AlertRecord, JobRecord, ReportInput, ReportLimits, SyncHealth } from '../../core/reports/figures.ts'
import type { Bucket } from '../../core/reports/series.ts'
import type { ReportWindow } from '../../core/reports/time-range.ts'
import type { HubDb } from '../db/database.ts'
import { alertRules, alerts, jobs, syncState } from '../db/schema.ts'
import { identifier, stringLiteral, timeLiteral, validRobotId } from '../influx/influxql.ts'
import type { InfluxQuery, InfluxSeries } from '../influx/query.ts'

/** About this many buckets per series: enough for a trend and a chart, few enough to send. */
const TARGET_POINTS = 120
const MIN_BUCKET_S = 5
/** Far more than a window holds on a healthy robot; the cap keeps a pathological one bounded. */
const MAX_EVENTS = 5_000
const SERVO_TEMPERATURE_METRIC = 'servo_temperature'

export interface HubReportSources {
  db: HubDb
  influx: Pick<InfluxQuery, 'query'>
}

/** Bucket length in whole seconds: the window over ~120 buckets, at least 5 s. */
export function bucketSeconds(w: ReportWindow): number {
  const s = Math.ceil((w.to - w.from) / TARGET_POINTS / 1000 / MIN_BUCKET_S) * MIN_BUCKET_S
  return Math.max(MIN_BUCKET_S, s)
}

const whereRobotWindow = (robotId: string, w: ReportWindow) =>
  `${identifier('robot_id')} = ${stringLiteral(validRobotId(robotId))} AND time >= ${timeLiteral(Math.floor(w.from))} AND time <= ${timeLiteral(Math.floor(w.to))}`

/** Source ('' without a source tag) -> field -> buckets, oldest first. */
export type BucketsBySource = Map<string, Map<string, Bucket[]>>

/** One statement: count, sum, min and max of each field per bucket (and per `tag`, if given). */
export function bucketStatement(measurement: string, fields: readonly string[], robotId: string, w: ReportWindow, tag?: string): string {
  const aggs = fields.flatMap((f) => ['count', 'sum', 'min', 'max'].map((fn) => `${fn}(${identifier(f)}) AS ${identifier(`${fn}_${f}`)}`))
  const groupBy = [`time(${bucketSeconds(w)}s)`, ...(tag ? [identifier(tag)] : [])].join(', ')
  return `SELECT ${aggs.join(', ')} FROM ${identifier(measurement)} WHERE ${whereRobotWindow(robotId, w)} GROUP BY ${groupBy} fill(none)`
}

export function bucketsOf(series: InfluxSeries[], fields: readonly string[], tag?: string): BucketsBySource {
  const out: BucketsBySource = new Map()
  for (const s of series) {
    const source = tag ? (s.tags?.[tag] ?? '') : ''
    const col = (name: string) => s.columns.indexOf(name)
    const ti = col('time')
    for (const f of fields) {
      const [ci, si, mi, xi] = [col(`count_${f}`), col(`sum_${f}`), col(`min_${f}`), col(`max_${f}`)]
      const list: Bucket[] = []
      for (const row of s.values) {
        const n = Number(row[ci] ?? 0)
        if (!(n > 0) || typeof row[si] !== 'number' || typeof row[mi] !== 'number' || typeof row[xi] !== 'number') continue
        list.push({ ts: Number(row[ti]), n, sum: row[si] as number, min: row[mi] as number, max: row[xi] as number })
      }
      if (list.length === 0) continue
      let byField = out.get(source)
      if (!byField) { byField = new Map(); out.set(source, byField) }
      byField.set(f, [...(byField.get(f) ?? []), ...list].sort((a, b) => a.ts - b.ts))
    }
  }
  return out
}

async function buckets(src: HubReportSources, measurement: string, fields: readonly string[], robotId: string, w: ReportWindow, tag?: string): Promise<BucketsBySource> {
  return bucketsOf(await src.influx.query(bucketStatement(measurement, fields, robotId, w, tag)), fields, tag)
}

/** Minutes of the window in which the robot recorded anything (servos, battery or host). */
async function activeMinutes(src: HubReportSources, robotId: string, w: ReportWindow): Promise<number> {
  const series = await src.influx.query(
    `SELECT count(*) FROM ${['servos', 'battery', 'performance'].map(identifier).join(', ')} WHERE ${whereRobotWindow(robotId, w)} GROUP BY time(1m) fill(none)`,
  )
  const minutes = new Set<number>()
  for (const s of series) {
    const ti = s.columns.indexOf('time')
    for (const row of s.values) if (row.some((v, i) => i !== ti && typeof v === 'number' && v > 0)) minutes.add(Number(row[ti]))
  }
  return minutes.size
}

/**
 * The servo temperature at which the alert rule goes critical, so a report and an alert never
 * disagree about "too hot": the robot's own rule, else the fleet-wide one, else core's default
 * (which does not depend on the battery pack).
 */
export async function servoTemperatureLimit(db: HubDb, robotId: string): Promise<ReportLimits> {
  const rules = await db.select({ robotId: alertRules.robotId, critical: alertRules.critical }).from(alertRules)
    .where(and(eq(alertRules.metric, SERVO_TEMPERATURE_METRIC), eq(alertRules.enabled, true), or(eq(alertRules.robotId, robotId), isNull(alertRules.robotId))))
  const own = rules.find((r) => r.robotId === robotId && r.critical !== null)
  if (own) return { servo_temperature_critical_c: own.critical!, source: `alert rule ${SERVO_TEMPERATURE_METRIC} for ${robotId}` }
  const global = rules.find((r) => r.robotId === null && r.critical !== null)
  if (global) return { servo_temperature_critical_c: global.critical!, source: `fleet alert rule ${SERVO_TEMPERATURE_METRIC}` }
  const def = defaultRules('2S').find((r) => r.metric === SERVO_TEMPERATURE_METRIC)?.critical
  if (def == null) throw new Error(`core/alerts has no default ${SERVO_TEMPERATURE_METRIC} rule with a critical level`)
  return { servo_temperature_critical_c: def, source: `default ${SERVO_TEMPERATURE_METRIC} rule` }
}

const ms = (d: Date | null) => (d === null ? null : d.getTime())

async function alertsIn(db: HubDb, robotId: string, w: ReportWindow): Promise<AlertRecord[]> {
  const rows = await db.select().from(alerts)
    .where(and(eq(alerts.robotId, robotId), lte(alerts.createdAt, new Date(w.to)), or(eq(alerts.resolved, false), isNull(alerts.resolvedAt), gte(alerts.resolvedAt, new Date(w.from)))))
    .orderBy(desc(alerts.createdAt)).limit(MAX_EVENTS)
  return rows.map((a) => ({
    id: a.id, type: a.type, severity: a.severity, source: a.source, title: a.title, value: a.value, threshold: a.threshold,
    created_at: a.createdAt.getTime(), acknowledged: a.acknowledged, resolved: a.resolved, resolved_at: ms(a.resolvedAt),
  }))
}

async function jobsIn(db: HubDb, robotId: string, w: ReportWindow): Promise<JobRecord[]> {
  const rows = await db.select().from(jobs)
    .where(and(eq(jobs.robotId, robotId), lte(jobs.startedAt, new Date(w.to)), or(isNull(jobs.finishedAt), gte(jobs.finishedAt, new Date(w.from)))))
    .orderBy(desc(jobs.startedAt)).limit(MAX_EVENTS)
  return rows.map((j) => ({
    id: j.id, task_name: j.taskName ?? '', status: j.status, items_done: j.itemsDone, items_total: j.itemsTotal, percent: j.percent,
    reason: j.reason, started_at: j.startedAt.getTime(), finished_at: ms(j.finishedAt),
  }))
}

/** null: the robot has never synced with this hub. */
async function syncHealth(db: HubDb, robotId: string, now: number): Promise<SyncHealth | null> {
  const [s] = await db.select().from(syncState).where(eq(syncState.robotId, robotId))
  if (!s) return null
  const last = ms(s.lastBatchAt)
  return { backlog_records: s.backlog ?? 0, lag_s: last === null ? null : Math.max(0, Math.round((now - last) / 1000)), last_sync_at: last }
}

export async function hubReportInput(src: HubReportSources, robotId: string, w: ReportWindow, now: number): Promise<ReportInput> {
  const [servoData, battery, perf, active, limits, alertRows, jobRows, sync] = await Promise.all([
    buckets(src, 'servos', ['temperature_c', 'voltage_v'], robotId, w, 'servo_id'),
    buckets(src, 'battery', ['percent', 'voltage_v'], robotId, w),
    buckets(src, 'performance', ['cpu_percent', 'mem_percent', 'cpu_temp_c', 'uptime_s'], robotId, w),
    activeMinutes(src, robotId, w),
    servoTemperatureLimit(src.db, robotId),
    alertsIn(src.db, robotId, w),
    jobsIn(src.db, robotId, w),
    syncHealth(src.db, robotId, now),
  ])
  const field = (set: BucketsBySource, source: string, f: string) => set.get(source)?.get(f) ?? []
  return {
    robotId,
    window: w,
    limits,
    // The hub knows a robot's servos from what it sent: one that never spoke in the window is absent.
    servos: [...servoData.keys()].map((id) => ({ id, temperature_c: field(servoData, id, 'temperature_c'), voltage_v: field(servoData, id, 'voltage_v') })),
    battery: battery.has('') ? { percent: field(battery, '', 'percent'), voltage_v: field(battery, '', 'voltage_v') } : null,
    system: perf.has('') ? { cpu_percent: field(perf, '', 'cpu_percent'), mem_percent: field(perf, '', 'mem_percent'), cpu_temp_c: field(perf, '', 'cpu_temp_c') } : null,
    systemUptimeS: field(perf, '', 'uptime_s'),
    activeMinutes: active,
    // When the robot's own monitoring service started is the edge's to know, not the hub's.
    serviceStartedAt: null,
    alerts: alertRows,
    jobs: jobRows,
    sync,
  }
}
