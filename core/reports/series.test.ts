import { describe, expect, test } from 'bun:test'
import { downsample, linearTrend, roundTo, seriesStats, type Bucket } from './series.ts'

const T0 = Date.UTC(2025, 0, 1)
const minuteBuckets = (f: (min: number) => number, minutes: number, n = 60): Bucket[] =>
  Array.from({ length: minutes }, (_, k) => ({ ts: T0 + k * 60_000, n, min: f(k) - 0.5, max: f(k) + 0.5, sum: f(k) * n }))

describe('series statistics', () => {
  test('min, max and the sample-weighted mean across buckets', () => {
    const s = seriesStats([
      { ts: T0, n: 1, min: 10, max: 10, sum: 10 },
      { ts: T0 + 60_000, n: 3, min: 19, max: 21, sum: 60 },
    ])!
    expect(s).toMatchObject({ min: 10, max: 21, mean: 17.5, samples: 4, last: 20, first_ts: T0, last_ts: T0 + 60_000 })
    expect(seriesStats([])).toBeNull()
  })

  test('the least-squares trend recovers a known slope per hour', () => {
    const t = linearTrend(minuteBuckets((k) => 30 + 0.2 * k, 60))!
    expect(t.per_hour).toBeCloseTo(12, 9)
    expect(t.points).toBe(60)
    expect(t.span_min).toBe(59)
  })

  test('noise around a line does not change its slope much; flat data gives zero', () => {
    const noisy = minuteBuckets((k) => 40 - 0.1 * k + (k % 2 ? 0.4 : -0.4), 120)
    expect(linearTrend(noisy)!.per_hour).toBeCloseTo(-6, 1)
    expect(linearTrend(minuteBuckets(() => 25, 10))!.per_hour).toBe(0)
  })

  test('buckets with more samples pull the line harder', () => {
    const bs: Bucket[] = [
      { ts: T0, n: 100, min: 30, max: 30, sum: 3000 },
      { ts: T0 + 60_000, n: 100, min: 30, max: 30, sum: 3000 },
      { ts: T0 + 120_000, n: 1, min: 90, max: 90, sum: 90 },
    ]
    expect(linearTrend(bs)!.per_hour).toBeLessThan(linearTrend(bs.map((b) => ({ ...b, n: 1, sum: b.sum / b.n })))!.per_hour / 10)
  })

  test('too few points or too short a span is no trend at all', () => {
    expect(linearTrend(minuteBuckets((k) => k, 2))).toBeNull()
    expect(linearTrend([0, 1, 2, 3].map((k) => ({ ts: T0 + k * 5_000, n: 1, min: k, max: k, sum: k })))).toBeNull() // 15 s
  })

  test('downsampling keeps counts, extremes and order', () => {
    const bs = minuteBuckets((k) => k, 600, 2)
    const d = downsample(bs, 90)
    expect(d.length).toBeLessThanOrEqual(90)
    expect(d.reduce((a, b) => a + b.n, 0)).toBe(1200)
    expect(Math.max(...d.map((b) => b.max))).toBe(599.5)
    expect(d.map((b) => b.ts)).toEqual([...d.map((b) => b.ts)].sort((a, b) => a - b))
  })

  test('rounding to a step gives clean decimals', () => {
    expect(roundTo(36.449999, 0.1)).toBe(36.4)
    expect(roundTo(7.40049, 0.001)).toBe(7.4)
    expect(Object.is(roundTo(-0.00049, 0.001), 0)).toBe(true) // no -0 in the figures
  })
})
