// `GET robot/sensors`: raw points for short windows, rollups (min/max/mean per bucket)
// when asked or when the window is long, so a phone asking for a week gets ~500 points.
import type { Sample, StreamName } from '../../core/streams.ts'
import type { SampleStore } from '../store/sample-store.ts'
import { HttpError } from './errors.ts'

export const RESOLUTIONS: Record<string, number> = { raw: 0, '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 }
const RAW_WINDOW_MAX_MS = 15 * 60_000
const MAX_WINDOW_MS = 400 * 86_400_000

export type Point = Record<string, number | string>

function sourceKey(stream: StreamName): string | null {
  return stream === 'servos' ? 'servo_id' : stream === 'sensors' ? 'sensor' : null
}

function rawPoint(stream: StreamName, s: Sample): Point {
  const key = sourceKey(stream)
  const p: Point = { ts: s.ts }
  if (key && s.source !== undefined) p[key] = stream === 'servos' ? Number(s.source) : s.source
  return Object.assign(p, s.values)
}

export function sensorHistory(store: SampleStore, q: { stream: StreamName; from?: number; to?: number; resolution?: string; source?: string; limit?: number }, now: number) {
  const to = q.to ?? now
  const from = q.from ?? to - 60_000
  if (!(from <= to)) throw new HttpError(400, 'invalid_request', '`from` must not be after `to`')
  if (to - from > MAX_WINDOW_MS) throw new HttpError(400, 'invalid_request', 'the window may be at most 400 days')
  const res = q.resolution ?? 'auto'
  if (res !== 'auto' && !(res in RESOLUTIONS)) {
    throw new HttpError(400, 'invalid_request', `resolution must be auto or one of ${Object.keys(RESOLUTIONS).join(', ')}`)
  }
  const limit = Math.min(q.limit ?? 20_000, 100_000)
  let bucket = res === 'auto' ? (to - from <= RAW_WINDOW_MAX_MS ? 0 : Math.max(60_000, Math.ceil((to - from) / 500 / 60_000) * 60_000)) : RESOLUTIONS[res]
  if (bucket === 0) {
    if (to - from > 6 * 3_600_000) throw new HttpError(400, 'invalid_request', 'raw points are served for windows up to 6 hours; ask for a resolution')
    const { samples, truncated } = store.querySamples(q.stream, from, to, { source: q.source, limit })
    return { resolution: 'raw', from, to, truncated, points: samples.map((s) => rawPoint(q.stream, s)) }
  }
  const rows = store.queryRollups(q.stream, from, to, bucket, q.source)
  const key = sourceKey(q.stream)
  const points = new Map<string, Point>()
  for (const r of rows) {
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
  return { resolution: `${bucket / 60_000}m`, from, to, truncated, points: truncated ? list.slice(list.length - limit) : list }
}
