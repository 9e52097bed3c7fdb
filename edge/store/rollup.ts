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
  /** Rows by (stream, minute, source), then by field: one string key per sample, not per value. */
  private groups = new Map<string, Map<string, RollupRow>>()

  add(s: Sample) {
    const minute = minuteOf(s.ts)
    const source = s.source ?? ''
    const gk = `${s.stream}\u0000${minute}\u0000${source}`
    let g = this.groups.get(gk)
    if (!g) {
      g = new Map()
      this.groups.set(gk, g)
    }
    for (const field in s.values) {
      const v = s.values[field]
      if (!Number.isFinite(v)) continue
      const r = g.get(field)
      if (r) {
        r.n++
        r.sum += v
        if (v < r.min) r.min = v
        if (v > r.max) r.max = v
      } else {
        const row: RollupRow = { stream: s.stream, minute, source, field, n: 1, min: v, max: v, sum: v }
        g.set(field, row)
        this.rows.set(`${gk}\u0000${field}`, row)
      }
    }
  }

  /** Removes and returns the rows of minutes before `beforeMinute`. */
  takeClosed(beforeMinute: number): RollupRow[] {
    const out: RollupRow[] = []
    for (const [k, r] of this.rows)
      if (r.minute < beforeMinute) {
        out.push(r)
        this.rows.delete(k)
      }
    for (const [k, g] of this.groups) {
      const first = g.values().next().value
      if (!first || first.minute < beforeMinute) this.groups.delete(k)
    }
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
    c.restore([...this.rows.values()])
    return c
  }

  restore(rows: RollupRow[]) {
    for (const r of rows) {
      const gk = `${r.stream}\u0000${r.minute}\u0000${r.source}`
      let g = this.groups.get(gk)
      if (!g) {
        g = new Map()
        this.groups.set(gk, g)
      }
      const cur = g.get(r.field)
      if (cur) {
        cur.n += r.n
        cur.sum += r.sum
        cur.min = Math.min(cur.min, r.min)
        cur.max = Math.max(cur.max, r.max)
        continue
      }
      const row = { ...r }
      g.set(r.field, row)
      this.rows.set(`${gk}\u0000${r.field}`, row)
    }
  }
}
