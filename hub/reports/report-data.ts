// The hub's answer to `ReportInput`, for one robot or many at once: servo, battery and host
// series from InfluxDB as aggregated buckets (count/sum/min/max per bucket, so means and
// trends come out the same as the edge's rollups), alerts and jobs from Postgres, sync state,
// and the servo temperature limit the alert rules use. Every InfluxQL value goes through the
// escaping builders in hub/influx/influxql.ts.
import { and, desc, eq, gte, inArray, isNull, lte, or } from 'drizzle-orm'
import { defaultRules } from '../../core/alerts/defaults.ts'
import {
  REPORT_SECTIONS,
  type AlertRecord,
  type JobRecord,
  type ReportInput,
  type ReportLimits,
  type ReportType,
  type SyncHealth,
} from '../../core/reports/figures.ts'
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

/** The robots (an OR of escaped literals: ids are validated first) and the window. */
const whereRobotsWindow = (robotIds: readonly string[], w: ReportWindow) => {
  if (robotIds.length === 0) throw new Error('no robots to query')
  const robots = robotIds.map((id) => `${identifier('robot_id')} = ${stringLiteral(validRobotId(id))}`).join(' OR ')
  return `(${robots}) AND time >= ${timeLiteral(Math.floor(w.from))} AND time <= ${timeLiteral(Math.floor(w.to))}`
}

/** Source ('' without a source tag) -> field -> buckets, oldest first. */
export type BucketsBySource = Map<string, Map<string, Bucket[]>>
/** Robot id -> its buckets: one statement answers for many robots, grouped by `robot_id`. */
export type BucketsByRobot = Map<string, BucketsBySource>

/** One statement: count, sum, min and max of each field per bucket and robot (and per `tag`, if given). */
export function bucketStatement(measurement: string, fields: readonly string[], robotIds: readonly string[], w: ReportWindow, tag?: string): string {
  const aggs = fields.flatMap((f) => ['count', 'sum', 'min', 'max'].map((fn) => `${fn}(${identifier(f)}) AS ${identifier(`${fn}_${f}`)}`))
  const groupBy = [`time(${bucketSeconds(w)}s)`, identifier('robot_id'), ...(tag ? [identifier(tag)] : [])].join(', ')
  return `SELECT ${aggs.join(', ')} FROM ${identifier(measurement)} WHERE ${whereRobotsWindow(robotIds, w)} GROUP BY ${groupBy} fill(none)`
}

export function bucketsOf(series: InfluxSeries[], fields: readonly string[], tag?: string): BucketsByRobot {
  const out: BucketsByRobot = new Map()
  for (const s of series) {
    const robot = s.tags?.robot_id ?? ''
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
      let bySource = out.get(robot)
      if (!bySource) {
        bySource = new Map()
        out.set(robot, bySource)
      }
      let byField = bySource.get(source)
      if (!byField) {
        byField = new Map()
        bySource.set(source, byField)
      }
      byField.set(
        f,
        [...(byField.get(f) ?? []), ...list].sort((a, b) => a.ts - b.ts),
      )
    }
  }
  return out
}

async function buckets(
  src: HubReportSources,
  measurement: string,
  fields: readonly string[],
  robotIds: readonly string[],
  w: ReportWindow,
  tag?: string,
): Promise<BucketsByRobot> {
  return bucketsOf(await src.influx.query(bucketStatement(measurement, fields, robotIds, w, tag)), fields, tag)
}

/** Per robot: minutes of the window in which it recorded anything (servos, battery or host). */
async function activeMinutes(src: HubReportSources, robotIds: readonly string[], w: ReportWindow): Promise<Map<string, number>> {
  const series = await src.influx.query(
    `SELECT count(*) FROM ${['servos', 'battery', 'performance'].map(identifier).join(', ')} WHERE ${whereRobotsWindow(robotIds, w)} GROUP BY time(1m), ${identifier('robot_id')} fill(none)`,
  )
  const minutes = new Map<string, Set<number>>()
  for (const s of series) {
    const robot = s.tags?.robot_id ?? ''
    let set = minutes.get(robot)
    if (!set) {
      set = new Set()
      minutes.set(robot, set)
    }
    const ti = s.columns.indexOf('time')
    for (const row of s.values) if (row.some((v, i) => i !== ti && typeof v === 'number' && v > 0)) set.add(Number(row[ti]))
  }
  return new Map(robotIds.map((id) => [id, minutes.get(id)?.size ?? 0]))
}

/**
 * The servo temperature at which the alert rule goes critical, so a report and an alert never
 * disagree about "too hot": the robot's own rule, else the fleet-wide one, else core's default
 * (which does not depend on the battery pack). One query for all the robots asked about.
 */
export async function servoTemperatureLimits(db: HubDb, robotIds: readonly string[]): Promise<Map<string, ReportLimits>> {
  const rules = await db
    .select({ robotId: alertRules.robotId, critical: alertRules.critical })
    .from(alertRules)
    .where(
      and(
        eq(alertRules.metric, SERVO_TEMPERATURE_METRIC),
        eq(alertRules.enabled, true),
        or(inArray(alertRules.robotId, [...robotIds]), isNull(alertRules.robotId)),
      ),
    )
  const global = rules.find((r) => r.robotId === null && r.critical !== null)
  const def = defaultRules('2S').find((r) => r.metric === SERVO_TEMPERATURE_METRIC)?.critical
  if (def == null) throw new Error(`core/alerts has no default ${SERVO_TEMPERATURE_METRIC} rule with a critical level`)
  return new Map(
    robotIds.map((robotId): [string, ReportLimits] => {
      const own = rules.find((r) => r.robotId === robotId && r.critical !== null)
      if (own) return [robotId, { servo_temperature_critical_c: own.critical!, source: `alert rule ${SERVO_TEMPERATURE_METRIC} for ${robotId}` }]
      if (global) return [robotId, { servo_temperature_critical_c: global.critical!, source: `fleet alert rule ${SERVO_TEMPERATURE_METRIC}` }]
      return [robotId, { servo_temperature_critical_c: def, source: `default ${SERVO_TEMPERATURE_METRIC} rule` }]
    }),
  )
}

const ms = (d: Date | null) => (d === null ? null : d.getTime())

async function alertsIn(db: HubDb, robotId: string, w: ReportWindow): Promise<AlertRecord[]> {
  const rows = await db
    .select()
    .from(alerts)
    .where(
      and(
        eq(alerts.robotId, robotId),
        lte(alerts.createdAt, new Date(w.to)),
        or(eq(alerts.resolved, false), isNull(alerts.resolvedAt), gte(alerts.resolvedAt, new Date(w.from))),
      ),
    )
    .orderBy(desc(alerts.createdAt))
    .limit(MAX_EVENTS)
  return rows.map((a) => ({
    id: a.id,
    type: a.type,
    severity: a.severity,
    source: a.source,
    title: a.title,
    value: a.value,
    threshold: a.threshold,
    created_at: a.createdAt.getTime(),
    acknowledged: a.acknowledged,
    resolved: a.resolved,
    resolved_at: ms(a.resolvedAt),
  }))
}

async function jobsIn(db: HubDb, robotId: string, w: ReportWindow): Promise<JobRecord[]> {
  const rows = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.robotId, robotId), lte(jobs.startedAt, new Date(w.to)), or(isNull(jobs.finishedAt), gte(jobs.finishedAt, new Date(w.from)))))
    .orderBy(desc(jobs.startedAt))
    .limit(MAX_EVENTS)
  return rows.map((j) => ({
    id: j.id,
    task_name: j.taskName ?? '',
    status: j.status,
    items_done: j.itemsDone,
    items_total: j.itemsTotal,
    percent: j.percent,
    reason: j.reason,
    started_at: j.startedAt.getTime(),
    finished_at: ms(j.finishedAt),
  }))
}

/** Per robot that has synced with this hub; a robot absent from the map never has. */
async function syncHealth(db: HubDb, robotIds: readonly string[], now: number): Promise<Map<string, SyncHealth>> {
  const rows = await db
    .select()
    .from(syncState)
    .where(inArray(syncState.robotId, [...robotIds]))
  return new Map(
    rows.map((s) => {
      const last = ms(s.lastBatchAt)
      return [s.robotId, { backlog_records: s.backlog ?? 0, lag_s: last === null ? null : Math.max(0, Math.round((now - last) / 1000)), last_sync_at: last }]
    }),
  )
}

const NO_BUCKETS: BucketsByRobot = new Map()

/**
 * `ReportInput` for each robot asked about, read in one statement per measurement and table
 * for all of them (alerts and jobs: one indexed query per robot, each capped), and only what
 * the report type shows: a job report reads no servo series. A robot report is the case of one.
 */
export async function hubReportInputs(
  src: HubReportSources,
  robotIds: readonly string[],
  type: ReportType,
  w: ReportWindow,
  now: number,
): Promise<Map<string, ReportInput>> {
  const sec = REPORT_SECTIONS[type]
  const perfFields = sec.system ? ['cpu_percent', 'mem_percent', 'cpu_temp_c', 'uptime_s'] : ['uptime_s']
  const [servoData, battery, perf, active, limits, alertRows, jobRows, sync] = await Promise.all([
    sec.servos ? buckets(src, 'servos', ['temperature_c', 'voltage_v'], robotIds, w, 'servo_id') : NO_BUCKETS,
    sec.battery ? buckets(src, 'battery', ['percent', 'voltage_v'], robotIds, w) : NO_BUCKETS,
    buckets(src, 'performance', perfFields, robotIds, w),
    activeMinutes(src, robotIds, w),
    servoTemperatureLimits(src.db, robotIds),
    Promise.all(robotIds.map((id) => alertsIn(src.db, id, w))),
    sec.jobs !== 'none' ? Promise.all(robotIds.map((id) => jobsIn(src.db, id, w))) : robotIds.map((): JobRecord[] => []),
    sec.sync ? syncHealth(src.db, robotIds, now) : new Map<string, SyncHealth>(),
  ])
  return new Map(
    robotIds.map((robotId, i): [string, ReportInput] => {
      const field = (set: BucketsByRobot, source: string, f: string) => set.get(robotId)?.get(source)?.get(f) ?? []
      const has = (set: BucketsByRobot) => set.get(robotId)?.has('') ?? false
      return [
        robotId,
        {
          robotId,
          window: w,
          limits: limits.get(robotId)!,
          // The hub knows a robot's servos from what it sent: one that never spoke in the window is absent.
          servos: [...(servoData.get(robotId)?.keys() ?? [])].map((id) => ({
            id,
            temperature_c: field(servoData, id, 'temperature_c'),
            voltage_v: field(servoData, id, 'voltage_v'),
          })),
          battery: has(battery) ? { percent: field(battery, '', 'percent'), voltage_v: field(battery, '', 'voltage_v') } : null,
          system:
            has(perf) && sec.system
              ? { cpu_percent: field(perf, '', 'cpu_percent'), mem_percent: field(perf, '', 'mem_percent'), cpu_temp_c: field(perf, '', 'cpu_temp_c') }
              : null,
          systemUptimeS: field(perf, '', 'uptime_s'),
          activeMinutes: active.get(robotId) ?? 0,
          // When the robot's own monitoring service started is the edge's to know, not the hub's.
          serviceStartedAt: null,
          alerts: alertRows[i],
          jobs: jobRows[i],
          sync: sync.get(robotId) ?? null,
        },
      ]
    }),
  )
}

export async function hubReportInput(src: HubReportSources, robotId: string, type: ReportType, w: ReportWindow, now: number): Promise<ReportInput> {
  return (await hubReportInputs(src, [robotId], type, w, now)).get(robotId)!
}
