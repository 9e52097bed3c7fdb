// Statistics over bucketed series: the shape both the edge's per-minute rollups and a
// hub's time-series queries give, and raw samples are buckets of one.

export interface Bucket {
  /** Start of the bucket, epoch ms. */
  ts: number
  n: number
  min: number
  max: number
  sum: number
}

export interface SeriesStats {
  min: number
  mean: number
  max: number
  samples: number
  first_ts: number
  last_ts: number
  /** Mean of the last bucket: the value "now" for estimates. */
  last: number
}

export interface Trend {
  /** Least-squares slope of the bucket means, per hour. */
  per_hour: number
  points: number
  span_min: number
}

/** Fewer points or a shorter span than this gives a slope that is mostly noise. */
export const MIN_TREND_POINTS = 3
export const MIN_TREND_SPAN_MS = 30_000

const usable = (b: Bucket) => b.n > 0 && Number.isFinite(b.sum) && Number.isFinite(b.min) && Number.isFinite(b.max)

export function seriesStats(buckets: readonly Bucket[]): SeriesStats | null {
  const bs = buckets.filter(usable)
  if (bs.length === 0) return null
  let n = 0,
    sum = 0,
    min = Infinity,
    max = -Infinity,
    first = Infinity,
    lastTs = -Infinity,
    last = 0
  for (const b of bs) {
    n += b.n
    sum += b.sum
    if (b.min < min) min = b.min
    if (b.max > max) max = b.max
    if (b.ts < first) first = b.ts
    if (b.ts >= lastTs) {
      lastTs = b.ts
      last = b.sum / b.n
    }
  }
  return { min, mean: sum / n, max, samples: n, first_ts: first, last_ts: lastTs, last }
}

/**
 * Weighted least squares of bucket mean on time, each bucket weighted by its sample count,
 * so a bucket of one stray sample does not pull the line as hard as a full minute.
 */
export function linearTrend(buckets: readonly Bucket[]): Trend | null {
  const bs = buckets.filter(usable)
  if (bs.length < MIN_TREND_POINTS) return null
  const t0 = bs[0].ts // centred on the first point: epoch-ms squared would lose precision
  let w = 0,
    sx = 0,
    sy = 0
  for (const b of bs) {
    w += b.n
    sx += b.n * (b.ts - t0)
    sy += b.sum
  }
  const mx = sx / w,
    my = sy / w
  let sxx = 0,
    sxy = 0,
    lo = Infinity,
    hi = -Infinity
  for (const b of bs) {
    const dx = b.ts - t0 - mx
    sxx += b.n * dx * dx
    sxy += b.n * dx * (b.sum / b.n - my)
    lo = Math.min(lo, b.ts)
    hi = Math.max(hi, b.ts)
  }
  if (hi - lo < MIN_TREND_SPAN_MS || sxx === 0) return null
  return { per_hour: (sxy / sxx) * 3_600_000, points: bs.length, span_min: (hi - lo) / 60_000 }
}

/** Merges buckets into at most `maxPoints` evenly spaced ones (for charts). */
export function downsample(buckets: readonly Bucket[], maxPoints: number): Bucket[] {
  const bs = buckets.filter(usable).sort((a, b) => a.ts - b.ts)
  if (bs.length <= maxPoints) return bs
  const lo = bs[0].ts,
    span = bs[bs.length - 1].ts - lo + 1
  const width = Math.ceil(span / maxPoints)
  const out = new Map<number, Bucket>()
  for (const b of bs) {
    const k = lo + Math.floor((b.ts - lo) / width) * width
    const cur = out.get(k)
    if (!cur) out.set(k, { ...b, ts: k })
    else {
      cur.n += b.n
      cur.sum += b.sum
      cur.min = Math.min(cur.min, b.min)
      cur.max = Math.max(cur.max, b.max)
    }
  }
  return [...out.values()]
}

/** Rounds to a step (0.1, 0.001); figures are stored and shown at the precision they mean. */
export function roundTo(v: number, step: number): number {
  const digits = Math.max(0, Math.round(-Math.log10(step)))
  return Number((Math.round(v / step) * step).toFixed(digits))
}
