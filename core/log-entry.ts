// A robot's log entry, from one of its events: the edge's log and the hub's copy of it (synced)
// word each event the same way. And the counts of a log (GET logs/stats), the same on both.
import { Type as T, type Static } from '@sinclair/typebox'

export interface LogEntry {
  seq: number
  ts: number
  level: string
  category: string
  message: string
  details: Record<string, unknown>
}

export function toEntry(seq: number, ts: number, kind: string, level: string, data: Record<string, unknown>): LogEntry {
  return { seq, ts, level, category: kind, message: messageOf(kind, data).slice(0, 1000), details: data }
}

const s = (v: unknown) => (v === undefined || v === null ? '' : String(v))

/** A sentence per kind; an unknown kind falls back to its own message field, then its name. */
export function messageOf(kind: string, d: Record<string, unknown>): string {
  switch (kind) {
    case 'command':
      return `command ${s(d.type)} ${s(d.state)}${d.user ? ` by ${s(d.user)}` : ''}${d.reason ? `: ${s(d.reason)}` : ''}`
    case 'alert':
      return `alert ${s(d.change)}: ${s(d.title || d.message || d.type)}`
    case 'estop':
      return `emergency stop by ${s(d.by)}${d.reason ? `: ${s(d.reason)}` : ''}`
    case 'resume':
      return 'resumed after an emergency stop'
    case 'login':
      return d.ok ? `${s(d.username)} logged in from ${s(d.addr)}` : `failed login for ${s(d.username)} from ${s(d.addr)}`
    case 'note':
      return s(d.message)
    case 'job':
      return `job ${s(d.id)} ${s(d.task_name)} ${s(d.status)}${d.percent !== null && d.percent !== undefined ? ` ${s(d.percent)}%` : ''}${d.reason ? `: ${s(d.reason)}` : ''}`
    default:
      return typeof d.message === 'string' ? d.message : kind
  }
}

export const LogStats = T.Object({
  total: T.Integer(),
  by_level: T.Record(T.String(), T.Integer(), { description: 'level (debug, info, warn, error; the hub also critical) to count' }),
  by_category: T.Record(T.String(), T.Integer(), { description: 'category (event kind) to count' }),
})
export type LogStats = Static<typeof LogStats>

/** Counts from (level, category, n) groups, as each end queries them. */
export function logStats(groups: readonly { level: string; category: string; n: number }[]): LogStats {
  const out: LogStats = { total: 0, by_level: {}, by_category: {} }
  for (const g of groups) {
    out.total += g.n
    out.by_level[g.level] = (out.by_level[g.level] ?? 0) + g.n
    out.by_category[g.category] = (out.by_category[g.category] ?? 0) + g.n
  }
  return out
}
