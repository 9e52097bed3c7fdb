// The edge's answer to `ReportInput`: its own samples, alerts and jobs for a window, from
// SQLite. Short windows read raw samples (a per-minute rollup would leave one or two points
// for a trend); longer ones read the per-minute rollups in buckets sized for ~120 points.
import { and, desc, eq, gte, isNull, lte, or } from 'drizzle-orm'
import { defaultRules } from '../../core/alerts/defaults.ts'
import type { AlertRecord, JobRecord, ReportInput, ReportLimits } from '../../core/reports/figures.ts'
import type { Bucket } from '../../core/reports/series.ts'
import type { ReportWindow } from '../../core/reports/time-range.ts'
import type { Sample, StreamName } from '../../core/streams.ts'
import type { RobotState } from '../../core/robot-state.ts'
import type { BatteryPack } from '../../core/units.ts'
import type { EdgeDb } from '../store/database.ts'
import { MINUTE_MS, minuteOf } from '../store/rollup.ts'
import type { SampleStore } from '../store/sample-store.ts'
import { alertRules, alerts, jobs } from '../store/schema.ts'

/** Up to this window, raw samples: at most ~100k servo samples to decode (20 Hz x 16 x 5 min). */
export const RAW_WINDOW_MAX_MS = 5 * MINUTE_MS
const RAW_BUCKET_MS = 5_000
const TARGET_POINTS = 120
/** A few hours of minutes per query: tens of milliseconds each on a Pi. */
const SLICE_MS = 3 * 3_600_000
/** Far more than a window holds on a healthy robot; the cap keeps a pathological one bounded. */
const MAX_EVENTS = 5_000

const SERVO_TEMPERATURE_METRIC = 'servo_temperature'

export interface EdgeReportSources {
  db: EdgeDb
  pack: BatteryPack
  store: SampleStore
  state: RobotState
  robotId: string
  serviceStartedAt: number
}

/** Buckets by source, then field, merged by start time (a bucket may come from two queries). */
class BucketSet {
  private readonly byKey = new Map<string, Bucket>()
  readonly bySource = new Map<string, Map<string, Bucket[]>>()

  add(source: string, field: string, ts: number, n: number, min: number, max: number, sum: number) {
    const key = `${source}\u0000${field}\u0000${ts}`
    const b = this.byKey.get(key)
    if (b) {
      b.n += n
      b.sum += sum
      b.min = Math.min(b.min, min)
      b.max = Math.max(b.max, max)
      return
    }
    const nb = { ts, n, min, max, sum }
    this.byKey.set(key, nb)
    let byField = this.bySource.get(source)
    if (!byField) {
      byField = new Map()
      this.bySource.set(source, byField)
    }
    let list = byField.get(field)
    if (!list) {
      list = []
      byField.set(field, list)
    }
    list.push(nb)
  }

  field(source: string, field: string): Bucket[] {
    return (this.bySource.get(source)?.get(field) ?? []).sort((a, b) => a.ts - b.ts)
  }
}

function bucketSize(w: ReportWindow): number {
  return Math.max(MINUTE_MS, Math.ceil((w.to - w.from) / TARGET_POINTS / MINUTE_MS) * MINUTE_MS)
}

/** Lets the collector, the tick and other requests run between slices of a long read. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

function rawBuckets(src: EdgeReportSources, stream: StreamName, fields: readonly string[], w: ReportWindow): BucketSet {
  const out = new BucketSet()
  const wanted = new Set(fields)
  const { samples } = src.store.querySamples(stream, w.from, w.to, { limit: 500_000 })
  for (const s of samples as Sample[]) {
    const ts = Math.floor(s.ts / RAW_BUCKET_MS) * RAW_BUCKET_MS
    for (const field in s.values) {
      const v = s.values[field]
      if (wanted.has(field) && Number.isFinite(v)) out.add(s.source ?? '', field, ts, 1, v, v, v)
    }
  }
  return out
}

/**
 * Rollups in buckets. A week is ~650k servo rollup rows, seconds of SQLite work on a Pi, and
 * bun:sqlite is synchronous: read in slices of a few hours with a yield between, so the robot
 * keeps polling and answering meanwhile. The SQL filters the fields a report uses (the store's
 * queryRollups returns all of them); the last minutes, still in memory, come from queryRollups.
 */
async function rollupBuckets(src: EdgeReportSources, stream: StreamName, fields: readonly string[], w: ReportWindow, now: number): Promise<BucketSet> {
  const out = new BucketSet()
  const bucket = bucketSize(w)
  const lo = minuteOf(w.from)
  // Minutes before `cut` are closed and in the table (the tick closes a minute ~2 s after it ends).
  const cut = Math.max(lo, Math.min(minuteOf(now) - 2 * MINUTE_MS, minuteOf(w.to) + MINUTE_MS))
  const slice = bucket * Math.max(1, Math.floor(SLICE_MS / bucket))
  const stmt = src.db.$client.query(
    `SELECT (minute / ?) * ? AS b, source, field, sum(n) n, min(min) mn, max(max) mx, sum(sum) s FROM rollups
     WHERE stream = ? AND minute >= ? AND minute < ? AND field IN (${fields.map(() => '?').join(', ')}) GROUP BY b, source, field`,
  )
  for (let a = lo; a < cut; ) {
    const b = Math.min(cut, (Math.floor(a / slice) + 1) * slice)
    const rows = stmt.all(bucket, bucket, stream, a, b, ...fields) as {
      b: number
      source: string
      field: string
      n: number
      mn: number
      mx: number
      s: number
    }[]
    for (const r of rows) out.add(r.source, r.field, r.b, r.n, r.mn, r.mx, r.s)
    a = b
    await yieldToEventLoop()
  }
  if (cut <= w.to) {
    const wanted = new Set(fields)
    for (const r of src.store.queryRollups(stream, cut, w.to, bucket)) if (wanted.has(r.field)) out.add(r.source, r.field, r.minute, r.n, r.min, r.max, r.sum)
  }
  return out
}

function bucketsOf(src: EdgeReportSources, stream: StreamName, fields: readonly string[], w: ReportWindow, now: number): Promise<BucketSet> {
  return w.to - w.from <= RAW_WINDOW_MAX_MS ? Promise.resolve(rawBuckets(src, stream, fields, w)) : rollupBuckets(src, stream, fields, w, now)
}

function activeMinutes(src: EdgeReportSources, w: ReportWindow): number {
  const minutes = new Set<number>()
  // One query per stream: each is a range on the table's key (stream, minute, ...).
  for (const stream of ['servos', 'battery', 'performance'] as const) {
    const rows = src.db.$client
      .query('SELECT DISTINCT minute FROM rollups WHERE stream = ? AND minute BETWEEN ? AND ?')
      .all(stream, minuteOf(w.from), w.to) as { minute: number }[]
    for (const r of rows) minutes.add(r.minute)
    // The last minutes are still in memory, not yet in the table.
    for (const r of src.store.queryRollups(stream, Math.max(w.from, w.to - 3 * MINUTE_MS), w.to, MINUTE_MS)) minutes.add(r.minute)
  }
  return minutes.size
}

/**
 * The servo temperature at which the alert rule goes critical, so a report and an alert never
 * disagree about "too hot": the robot's own rule (an admin may have changed it), else the
 * default rule from core/alerts.
 */
export function servoTemperatureLimit(db: EdgeDb, pack: BatteryPack): ReportLimits {
  const rule = db.select({ critical: alertRules.critical }).from(alertRules).where(eq(alertRules.metric, SERVO_TEMPERATURE_METRIC)).get()
  if (rule?.critical != null) return { servo_temperature_critical_c: rule.critical, source: `alert rule ${SERVO_TEMPERATURE_METRIC}` }
  const def = defaultRules(pack).find((r) => r.metric === SERVO_TEMPERATURE_METRIC)?.critical
  if (def == null) throw new Error(`core/alerts has no default ${SERVO_TEMPERATURE_METRIC} rule with a critical level`)
  return { servo_temperature_critical_c: def, source: `default ${SERVO_TEMPERATURE_METRIC} rule` }
}

function alertsIn(db: EdgeDb, w: ReportWindow): AlertRecord[] {
  return db
    .select()
    .from(alerts)
    .where(and(lte(alerts.createdAt, w.to), or(eq(alerts.resolved, false), isNull(alerts.resolvedAt), gte(alerts.resolvedAt, w.from))))
    .orderBy(desc(alerts.createdAt))
    .limit(MAX_EVENTS)
    .all()
    .map((a) => ({
      id: a.id,
      type: a.type,
      severity: a.severity,
      source: a.source,
      title: a.title,
      value: a.value,
      threshold: a.threshold,
      created_at: a.createdAt,
      acknowledged: a.acknowledged,
      resolved: a.resolved,
      resolved_at: a.resolvedAt,
    }))
}

function jobsIn(db: EdgeDb, w: ReportWindow): JobRecord[] {
  return db
    .select()
    .from(jobs)
    .where(and(lte(jobs.startedAt, w.to), or(isNull(jobs.finishedAt), gte(jobs.finishedAt, w.from))))
    .orderBy(desc(jobs.startedAt))
    .limit(MAX_EVENTS)
    .all()
    .map((j) => ({
      id: j.id,
      task_name: j.taskName,
      status: j.status,
      items_done: j.itemsDone,
      items_total: j.itemsTotal,
      percent: j.percent,
      reason: j.reason,
      started_at: j.startedAt,
      finished_at: j.finishedAt,
    }))
}

export async function edgeReportInput(src: EdgeReportSources, w: ReportWindow, now: number): Promise<ReportInput> {
  const names = new Map(src.state.status(now).servos.map((s) => [String(s.id), s.name]))
  const servoData = await bucketsOf(src, 'servos', ['temperature_c', 'voltage_v'], w, now)
  // Every configured servo is listed, with or without data: a silent servo is a finding.
  const ids = new Set([...names.keys(), ...servoData.bySource.keys()])
  const servos = [...ids].map((id) => ({
    id,
    name: names.get(id),
    temperature_c: servoData.field(id, 'temperature_c'),
    voltage_v: servoData.field(id, 'voltage_v'),
  }))
  const battery = await bucketsOf(src, 'battery', ['percent', 'voltage_v'], w, now)
  const perf = await bucketsOf(src, 'performance', ['cpu_percent', 'mem_percent', 'cpu_temp_c', 'uptime_s'], w, now)
  const has = (set: BucketSet) => set.bySource.has('')
  return {
    robotId: src.robotId,
    window: w,
    limits: servoTemperatureLimit(src.db, src.pack),
    servos,
    battery: has(battery) ? { percent: battery.field('', 'percent'), voltage_v: battery.field('', 'voltage_v') } : null,
    system: has(perf)
      ? { cpu_percent: perf.field('', 'cpu_percent'), mem_percent: perf.field('', 'mem_percent'), cpu_temp_c: perf.field('', 'cpu_temp_c') }
      : null,
    systemUptimeS: perf.field('', 'uptime_s'),
    activeMinutes: activeMinutes(src, w),
    serviceStartedAt: src.serviceStartedAt,
    alerts: alertsIn(src.db, w),
    jobs: jobsIn(src.db, w),
    // The edge has no hub link yet; sync health joins the report when the sync client does.
    sync: null,
  }
}
