// `GET robot/sensors`: raw points for short windows, rollups (min/max/mean per bucket)
// when asked or when the window is long, so a phone asking for a week gets ~500 points.
// Buckets under a minute are made from the raw samples (windows up to an hour), so a chart
// can ask for about one point per pixel; `fields` keeps only what it draws.
import { checkFields, FINE_WINDOW_MAX_MS, HISTORY_RESOLUTIONS, resolutionName } from '../../core/history-query.ts'
import type { Sample, StreamName } from '../../core/streams.ts'
import type { SampleStore } from '../store/sample-store.ts'
import { HttpError } from './errors.ts'

export const RESOLUTIONS = HISTORY_RESOLUTIONS
const RAW_WINDOW_MAX_MS = 15 * 60_000
const MAX_WINDOW_MS = 400 * 86_400_000

export type Point = Record<string, number | string>

function sourceKey(stream: StreamName): string | null {
  return stream === 'servos' ? 'servo_id' : stream === 'sensors' ? 'sensor' : null
}

function rawPoint(stream: StreamName, s: Sample, fields: string[] | null): Point {
  const key = sourceKey(stream)
  const p: Point = { ts: s.ts }
  if (key && s.source !== undefined) p[key] = stream === 'servos' ? Number(s.source) : s.source
  if (!fields) return Object.assign(p, s.values)
  for (const f of fields) if (s.values[f] !== undefined) p[f] = s.values[f]
  return p
}

interface Bucket {
  ts: number
  source: string
  fields: Map<string, { n: number; sum: number; min: number; max: number }>
}

/** Raw samples folded into buckets of `bucketMs`, in the rollups' point shape. */
function fineBuckets(stream: StreamName, samples: Sample[], bucketMs: number, fields: string[] | null): Point[] {
  const buckets = new Map<string, Bucket>()
  for (const s of samples) {
    const ts = Math.floor(s.ts / bucketMs) * bucketMs
    const source = s.source ?? ''
    const k = `${ts}|${source}`
    let b = buckets.get(k)
    if (!b) {
      b = { ts, source, fields: new Map() }
      buckets.set(k, b)
    }
    for (const [f, v] of Object.entries(s.values)) {
      if (fields && !fields.includes(f)) continue
      const a = b.fields.get(f)
      if (!a) b.fields.set(f, { n: 1, sum: v, min: v, max: v })
      else {
        a.n++
        a.sum += v
        if (v < a.min) a.min = v
        if (v > a.max) a.max = v
      }
    }
  }
  const key = sourceKey(stream)
  const out: Point[] = []
  for (const b of buckets.values()) {
    if (!b.fields.size) continue
    const p: Point = { ts: b.ts }
    if (key && b.source !== '') p[key] = stream === 'servos' ? Number(b.source) : b.source
    let n = 0
    for (const [f, a] of b.fields) {
      p[f] = Math.round((a.sum / a.n) * 1e6) / 1e6
      p[`${f}_min`] = a.min
      p[`${f}_max`] = a.max
      n = Math.max(n, a.n)
    }
    p.n = n
    out.push(p)
  }
  return out.sort((a, b) => Number(a.ts) - Number(b.ts))
}

export function sensorHistory(
  store: SampleStore,
  q: { stream: StreamName; from?: number; to?: number; resolution?: string; source?: string; fields?: string[]; limit?: number },
  now: number,
) {
  const to = q.to ?? now
  const from = q.from ?? to - 60_000
  if (!(from <= to)) throw new HttpError(400, 'invalid_request', '`from` must not be after `to`')
  if (to - from > MAX_WINDOW_MS) throw new HttpError(400, 'invalid_request', 'the window may be at most 400 days')
  const res = q.resolution ?? 'auto'
  if (res !== 'auto' && !(res in RESOLUTIONS)) {
    throw new HttpError(400, 'invalid_request', `resolution must be auto or one of ${Object.keys(RESOLUTIONS).join(', ')}`)
  }
  const checked = checkFields(q.stream, q.fields)
  if (!checked.ok) throw new HttpError(400, 'invalid_request', `fields: ${checked.message}`)
  const fields = checked.fields
  const limit = Math.min(q.limit ?? 20_000, 100_000)
  const bucket = res === 'auto' ? (to - from <= RAW_WINDOW_MAX_MS ? 0 : Math.max(60_000, Math.ceil((to - from) / 500 / 60_000) * 60_000)) : RESOLUTIONS[res]
  if (bucket === 0) {
    if (to - from > 6 * 3_600_000) throw new HttpError(400, 'invalid_request', 'raw points are served for windows up to 6 hours; ask for a resolution')
    const { samples, truncated } = store.querySamples(q.stream, from, to, { source: q.source, limit })
    const points = samples.map((s) => rawPoint(q.stream, s, fields)).filter((p) => !fields || Object.keys(p).some((k) => fields.includes(k)))
    return { resolution: 'raw', from, to, truncated, points }
  }
  if (bucket < 60_000) {
    if (to - from > FINE_WINDOW_MAX_MS) {
      throw new HttpError(
        400,
        'invalid_request',
        `buckets under a minute are served for windows up to ${FINE_WINDOW_MAX_MS / 60_000} minutes; ask for 1m or coarser`,
      )
    }
    const { samples } = store.querySamples(q.stream, from, to, { source: q.source })
    const list = fineBuckets(q.stream, samples, bucket, fields)
    const truncated = list.length > limit
    return { resolution: resolutionName(bucket), from, to, truncated, points: truncated ? list.slice(list.length - limit) : list }
  }
  const rows = store.queryRollups(q.stream, from, to, bucket, q.source)
  const key = sourceKey(q.stream)
  const points = new Map<string, Point>()
  for (const r of rows) {
    if (fields && !fields.includes(r.field)) continue
    const k = `${r.minute}|${r.source}`
    let p = points.get(k)
    if (!p) {
      p = { ts: r.minute }
      if (key && r.source !== '') p[key] = q.stream === 'servos' ? Number(r.source) : r.source
      points.set(k, p)
    }
    p[r.field] = Math.round((r.sum / r.n) * 1e6) / 1e6
    p[`${r.field}_min`] = r.min
    p[`${r.field}_max`] = r.max
    p.n = Math.max(Number(p.n ?? 0), r.n)
  }
  const list = [...points.values()]
  const truncated = list.length > limit
  return { resolution: resolutionName(bucket), from, to, truncated, points: truncated ? list.slice(list.length - limit) : list }
}
