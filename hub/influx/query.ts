// What the hub API reads from InfluxDB: `robot/sensors` (the edge's answer shape, with the
// robot's id) and `pi/performance` (latest and a window). Every statement is built from
// validated parameters and escaped literals (influxql.ts) and run through the v1 `/query`
// endpoint with `epoch=ms`, so times come back as the robot's epoch milliseconds.

import { checkFields, FINE_WINDOW_MAX_MS, HISTORY_RESOLUTIONS, resolutionName, STREAM_FIELDS } from '../../core/history-query.ts'
import type { StreamName } from '../../core/streams.ts'
import { isStreamName } from '../../core/streams.ts'
import { authorize, endpoint, influxErrorText, type InfluxAuth } from './auth.ts'
import {
  InvalidQueryInput,
  assertSingleReadStatement,
  identifier,
  stringLiteral,
  timeLiteral,
  validEpochMs,
  validInteger,
  validRobotId,
  validSensorName,
} from './influxql.ts'
import { SOURCE_TAG, type Measurement } from './line-protocol.ts'

/** The same resolutions and fields as the edge's (core/history-query.ts), so a client asks both the same way. */
export { HISTORY_RESOLUTIONS, STREAM_FIELDS }
const AUTO_RAW_WINDOW_MS = 15 * 60_000
const RAW_WINDOW_MAX_MS = 6 * 3_600_000
const MAX_WINDOW_MS = 400 * 86_400_000
const DEFAULT_WINDOW_MS = 60_000
const DEFAULT_LIMIT = 20_000
const MAX_LIMIT = 100_000
/** "auto" aims at about this many buckets, like the edge: a phone asking for a week gets ~500. */
const AUTO_BUCKETS = 500

/** Where each stream is stored: performance is split in two (line-protocol.ts). */
export const STREAM_MEASUREMENTS: Readonly<Record<StreamName, readonly Measurement[]>> = {
  servos: ['servos'],
  imu: ['imu'],
  battery: ['battery'],
  performance: ['performance', 'network'],
  sensors: ['sensors'],
}

export type Point = Record<string, number | string>

export interface SensorHistory {
  robot_id: string
  stream: StreamName
  resolution: string
  from: number
  to: number
  truncated: boolean
  points: Point[]
}

/** What `robot/sensors` takes; everything is validated, as it may come straight from a URL. */
export interface SensorHistoryRequest {
  robotId: string
  stream: string
  from?: number | string
  to?: number | string
  /** auto (default) or one of HISTORY_RESOLUTIONS */
  resolution?: string
  /** servos only */
  servoId?: number | string
  /** sensors only: the sensor's name */
  source?: string
  /** a subset of the stream's fields (default: all) */
  fields?: readonly string[]
  limit?: number | string
}

export interface HistoryPlan {
  q: string
  robotId: string
  stream: StreamName
  resolution: string
  bucketMs: number
  from: number
  to: number
  limit: number
}

function validStream(s: unknown): StreamName {
  if (typeof s !== 'string' || !isStreamName(s)) throw new InvalidQueryInput('stream', `must be one of ${Object.keys(STREAM_MEASUREMENTS).join(', ')}`)
  return s
}

function validFields(stream: StreamName, fields: readonly string[]): string[] {
  const r = checkFields(stream, fields)
  if (!r.ok) throw new InvalidQueryInput('fields', r.message)
  return r.fields!
}

/** Validates a `robot/sensors` request and builds its one statement. */
export function planSensorHistory(req: SensorHistoryRequest, now: number): HistoryPlan {
  const robotId = validRobotId(req.robotId)
  const stream = validStream(req.stream)
  const to = req.to === undefined ? Math.floor(now) : validEpochMs(req.to, 'to')
  const from = req.from === undefined ? Math.max(0, to - DEFAULT_WINDOW_MS) : validEpochMs(req.from, 'from')
  if (from > to) throw new InvalidQueryInput('from', 'must not be after `to`')
  if (to - from > MAX_WINDOW_MS) throw new InvalidQueryInput('from', 'the window may be at most 400 days')
  const limit = req.limit === undefined ? DEFAULT_LIMIT : validInteger(req.limit, 'limit', 1, MAX_LIMIT)
  const res = req.resolution ?? 'auto'
  if (res !== 'auto' && !Object.hasOwn(HISTORY_RESOLUTIONS, res)) {
    throw new InvalidQueryInput('resolution', `must be auto or one of ${Object.keys(HISTORY_RESOLUTIONS).join(', ')}`)
  }
  const bucketMs =
    res === 'auto'
      ? to - from <= AUTO_RAW_WINDOW_MS
        ? 0
        : Math.max(60_000, Math.ceil((to - from) / AUTO_BUCKETS / 60_000) * 60_000)
      : HISTORY_RESOLUTIONS[res]
  if (bucketMs === 0 && to - from > RAW_WINDOW_MAX_MS) {
    throw new InvalidQueryInput('resolution', 'raw points are served for windows up to 6 hours; ask for a resolution')
  }
  if (bucketMs > 0 && bucketMs < 60_000 && to - from > FINE_WINDOW_MAX_MS) {
    throw new InvalidQueryInput(
      'resolution',
      `buckets under a minute are served for windows up to ${FINE_WINDOW_MAX_MS / 60_000} minutes; ask for 1m or coarser`,
    )
  }
  if (bucketMs > 0 && (to - from) / bucketMs > MAX_LIMIT) {
    throw new InvalidQueryInput('resolution', `that would be over ${MAX_LIMIT} buckets; ask for a coarser resolution`)
  }

  const where = [`${identifier('robot_id')} = ${stringLiteral(robotId)}`, `time >= ${timeLiteral(from)}`, `time <= ${timeLiteral(to)}`]
  const sourceTag = SOURCE_TAG[stream]
  if (req.servoId !== undefined) {
    if (stream !== 'servos') throw new InvalidQueryInput('servo_id', 'only for the servos stream')
    where.push(`${identifier('servo_id')} = ${stringLiteral(String(validInteger(req.servoId, 'servo_id', 0, 253)))}`)
  }
  if (req.source !== undefined) {
    if (stream === 'servos') where.push(`${identifier('servo_id')} = ${stringLiteral(String(validInteger(req.source, 'source', 0, 253)))}`)
    else if (stream === 'sensors') where.push(`${identifier('sensor')} = ${stringLiteral(validSensorName(req.source))}`)
    else throw new InvalidQueryInput('source', 'only for the servos and sensors streams')
  }
  const fields = req.fields === undefined ? null : validFields(stream, req.fields)
  const from_ = STREAM_MEASUREMENTS[stream].map(identifier).join(', ')

  let q: string
  if (bucketMs === 0) {
    const cols = fields ? [...fields, ...(sourceTag ? [sourceTag] : [])].map(identifier).join(', ') : '*'
    // Newest first with one extra row, so a cut-off keeps the latest points and is detected.
    q = `SELECT ${cols} FROM ${from_} WHERE ${where.join(' AND ')} ORDER BY time DESC LIMIT ${limit + 1}`
  } else {
    const aggs = fields
      ? fields.flatMap((f) => ['mean', 'min', 'max', 'count'].map((fn) => `${fn}(${identifier(f)}) AS ${identifier(`${fn}_${f}`)}`)).join(', ')
      : 'mean(*), min(*), max(*), count(*)'
    const groupBy = [`time(${bucketMs % 60_000 === 0 ? `${bucketMs / 60_000}m` : `${bucketMs / 1000}s`})`, ...(sourceTag ? [identifier(sourceTag)] : [])].join(
      ', ',
    )
    q = `SELECT ${aggs} FROM ${from_} WHERE ${where.join(' AND ')} GROUP BY ${groupBy} fill(none)`
  }
  const resolution = bucketMs === 0 ? 'raw' : resolutionName(bucketMs)
  return { q, robotId, stream, resolution, bucketMs, from, to, limit }
}

/** The newest performance and network rows of one robot (one row per measurement). */
export function latestPerformanceStatement(robotId: string): string {
  const id = validRobotId(robotId)
  return `SELECT * FROM ${identifier('performance')}, ${identifier('network')} WHERE ${identifier('robot_id')} = ${stringLiteral(id)} ORDER BY time DESC LIMIT 1`
}

export interface InfluxSeries {
  name: string
  tags?: Record<string, string>
  columns: string[]
  values: unknown[][]
}

/** InfluxDB refused a statement or could not be reached; `status` is its HTTP status (0: no answer). */
export class InfluxQueryError extends Error {
  constructor(
    readonly status: number,
    readonly influxMessage: string,
  ) {
    super(`InfluxDB query failed${status ? ` (${status})` : ''}: ${influxMessage}`)
    this.name = 'InfluxQueryError'
  }
}

const AGGREGATES = ['mean', 'min', 'max', 'count'] as const

function sourceValue(tag: string, v: string): number | string {
  return tag === 'servo_id' && /^\d+$/.test(v) ? Number(v) : v
}

/** Rows of one or more series as points, merged by time and source (performance + network). */
function pointsOf(series: InfluxSeries[], stream: StreamName, grouped: boolean): Point[] {
  const sourceTag = SOURCE_TAG[stream]
  const byKey = new Map<string, Point>()
  for (const s of series) {
    const tagSource = sourceTag ? s.tags?.[sourceTag] : undefined
    for (const row of s.values) {
      const p: Point = {}
      let source: number | string | undefined = tagSource === undefined || tagSource === '' ? undefined : sourceValue(sourceTag!, tagSource)
      let n = 0
      s.columns.forEach((col, i) => {
        const v = row[i]
        if (v === null || v === undefined) return
        if (col === 'time') {
          p.ts = Number(v)
          return
        }
        if (col === 'robot_id') return
        if (col === sourceTag) {
          if (v !== '') source = sourceValue(col, String(v))
          return
        }
        if (typeof v !== 'number' && typeof v !== 'string') return
        if (!grouped) {
          p[col] = v
          return
        }
        const fn = AGGREGATES.find((a) => col.startsWith(`${a}_`))
        if (!fn || typeof v !== 'number') return
        const field = col.slice(fn.length + 1)
        if (fn === 'mean') p[field] = Math.round(v * 1e6) / 1e6
        else if (fn === 'count') n = Math.max(n, v)
        else p[`${field}_${fn}`] = v
      })
      if (p.ts === undefined) continue
      if (grouped) p.n = n
      if (sourceTag && source !== undefined) p[sourceTag] = source
      const key = `${p.ts}|${source ?? ''}`
      const prev = byKey.get(key)
      if (!prev) byKey.set(key, p)
      else {
        if (grouped) p.n = Math.max(Number(prev.n ?? 0), n)
        Object.assign(prev, p)
      }
    }
  }
  return [...byKey.values()].sort(
    (a, b) => Number(a.ts) - Number(b.ts) || String(a[sourceTag ?? ''] ?? '').localeCompare(String(b[sourceTag ?? ''] ?? ''), 'en', { numeric: true }),
  )
}

export interface InfluxQueryOptions extends InfluxAuth {
  url: string
  db: string
  timeoutMs?: number
}

export class InfluxQuery {
  constructor(private readonly opts: InfluxQueryOptions) {}

  /** Runs one read statement (SELECT or SHOW) and returns its series. */
  async query(q: string): Promise<InfluxSeries[]> {
    assertSingleReadStatement(q)
    const url = endpoint(this.opts.url, 'query')
    url.searchParams.set('db', this.opts.db)
    url.searchParams.set('epoch', 'ms')
    url.searchParams.set('q', q)
    const headers: Record<string, string> = { accept: 'application/json' }
    authorize(url, headers, this.opts)
    let res: Response
    try {
      res = await fetch(url, { headers, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000) })
    } catch (err) {
      throw new InfluxQueryError(0, `no answer: ${(err as Error).message}`)
    }
    const text = await res.text()
    if (!res.ok) throw new InfluxQueryError(res.status, influxErrorText(text) || res.statusText)
    let body: { results?: { error?: string; series?: InfluxSeries[] }[]; error?: string }
    try {
      body = JSON.parse(text)
    } catch {
      throw new InfluxQueryError(res.status, `not JSON: ${text.slice(0, 200)}`)
    }
    if (body.error) throw new InfluxQueryError(res.status, body.error)
    const r = body.results?.[0]
    if (!r) throw new InfluxQueryError(res.status, 'no result in the answer')
    if (r.error) throw new InfluxQueryError(res.status, r.error)
    return r.series ?? []
  }

  /** `robot/sensors`: raw points or min/mean/max buckets, in the edge's shape. */
  async sensorHistory(req: SensorHistoryRequest, now = Date.now()): Promise<SensorHistory> {
    const plan = planSensorHistory(req, now)
    const series = await this.query(plan.q)
    let points = pointsOf(series, plan.stream, plan.bucketMs > 0)
    const truncated = points.length > plan.limit || series.some((s) => s.values.length > plan.limit)
    if (points.length > plan.limit) points = points.slice(points.length - plan.limit)
    return { robot_id: plan.robotId, stream: plan.stream, resolution: plan.resolution, from: plan.from, to: plan.to, truncated, points }
  }

  /** The newest performance snapshot (with its network counters), or null when there is none. */
  async latestPerformance(robotId: string): Promise<Point | null> {
    const series = await this.query(latestPerformanceStatement(robotId))
    const rows = pointsOf(series, 'performance', false)
    if (rows.length === 0) return null
    // One row per measurement; the two may be stamped apart when a sample lacked one half.
    const latest: Point = {}
    for (const r of rows) Object.assign(latest, r)
    latest.ts = Math.max(...rows.map((r) => Number(r.ts)))
    return latest
  }

  /** `pi/performance`: the latest snapshot, and a window when `from` or `to` is given. */
  async performance(
    req: { robotId: string; from?: number | string; to?: number | string; resolution?: string },
    now = Date.now(),
  ): Promise<{ robot_id: string; latest: Point | null; window?: SensorHistory }> {
    const robotId = validRobotId(req.robotId)
    const wantWindow = req.from !== undefined || req.to !== undefined
    const [latest, window] = await Promise.all([
      this.latestPerformance(robotId),
      wantWindow ? this.sensorHistory({ robotId, stream: 'performance', from: req.from, to: req.to, resolution: req.resolution }, now) : null,
    ])
    return { robot_id: robotId, latest, ...(window ? { window } : {}) }
  }
}
