// Per-minute min/max/sum/count accumulators, merged on write so a minute revisited
// (a late sample, a clock stepping back) adds to what is stored instead of replacing it.
import type { Sample, StreamName } from '../../core/streams.ts'

export const MINUTE_MS = 60_000
export const minuteOf = (ts: number) => Math.floor(ts / MINUTE_MS) * MINUTE_MS

export interface RollupRow {
  stream: StreamName
  minute: number
  source: string
  field: string
  n: number
  min: number
  max: number
  sum: number
}

export class RollupAccumulator {
  private rows = new Map<string, RollupRow>()

  add(s: Sample) {
    const minute = minuteOf(s.ts)
    const source = s.source ?? ''
    for (const field in s.values) {
      const v = s.values[field]
      if (!Number.isFinite(v)) continue
      const key = `${s.stream}\u0000${minute}\u0000${source}\u0000${field}`
      const r = this.rows.get(key)
      if (r) {
        r.n++
        r.sum += v
        if (v < r.min) r.min = v
        if (v > r.max) r.max = v
      } else {
        this.rows.set(key, { stream: s.stream, minute, source, field, n: 1, min: v, max: v, sum: v })
      }
    }
  }

  /** Removes and returns the rows of minutes before `beforeMinute`. */
  takeClosed(beforeMinute: number): RollupRow[] {
    const out: RollupRow[] = []
    for (const [k, r] of this.rows) if (r.minute < beforeMinute) { out.push(r); this.rows.delete(k) }
    return out
  }

  /** Rows still open, for queries that must include the current minute. */
  open(stream: StreamName, from: number, to: number): RollupRow[] {
    const out: RollupRow[] = []
    for (const r of this.rows.values()) if (r.stream === stream && r.minute >= from && r.minute <= to) out.push(r)
    return out
  }

  clone(): RollupAccumulator {
    const c = new RollupAccumulator()
    for (const [k, r] of this.rows) c.rows.set(k, { ...r })
    return c
  }

  restore(rows: RollupRow[]) {
    for (const r of rows) {
      const key = `${r.stream}\u0000${r.minute}\u0000${r.source}\u0000${r.field}`
      const cur = this.rows.get(key)
      if (!cur) this.rows.set(key, { ...r })
      else { cur.n += r.n; cur.sum += r.sum; cur.min = Math.min(cur.min, r.min); cur.max = Math.max(cur.max, r.max) }
    }
  }
}
