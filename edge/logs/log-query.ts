// The edge's log: its structured events (the `events` table the sample store already
// writes), read with filters and paging, each with a one-line message for people.
import type { EdgeDb } from '../store/database.ts'
import { logStats, toEntry, type LogEntry, type LogStats } from '../../core/log-entry.ts'
import { isObj } from '../../core/json-object.ts'

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const

export interface LogQuery {
  /** One level or a comma-separated list. */
  level?: string
  /** An event kind (`command`, `alert`, `login`, `note`, ...) or a comma-separated list. */
  category?: string
  /** Case-insensitive substring of the event's JSON details. */
  q?: string
  from?: number
  to?: number
  limit?: number
  offset?: number
}

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .slice(0, 20)

function whereOf(q: LogQuery): { w: string; args: (string | number)[] } {
  const where: string[] = []
  const args: (string | number)[] = []
  const levels = list(q.level)
  if (levels.length) {
    where.push(`level IN (${levels.map(() => '?').join(',')})`)
    args.push(...levels)
  }
  const kinds = list(q.category)
  if (kinds.length) {
    where.push(`kind IN (${kinds.map(() => '?').join(',')})`)
    args.push(...kinds)
  }
  if (q.from !== undefined) {
    where.push('ts >= ?')
    args.push(q.from)
  }
  if (q.to !== undefined) {
    where.push('ts <= ?')
    args.push(q.to)
  }
  if (q.q) {
    // instr, not LIKE: the user's % and _ are text to find, not wildcards.
    where.push('(instr(lower(data), lower(?)) > 0 OR instr(lower(kind), lower(?)) > 0)')
    args.push(q.q, q.q)
  }
  return { w: where.length ? `WHERE ${where.join(' AND ')}` : '', args }
}

export function queryLogs(db: EdgeDb, q: LogQuery, maxLimit = 1000): { total: number; logs: LogEntry[] } {
  const { w, args } = whereOf(q)
  const c = db.$client
  const total = (c.query(`SELECT count(*) n FROM events ${w}`).get(...(args as [string])) as { n: number }).n
  const limit = Math.max(1, Math.min(q.limit ?? 100, maxLimit))
  const rows = c
    .query(`SELECT seq, ts, kind, level, data FROM events ${w} ORDER BY ts DESC, seq DESC LIMIT ? OFFSET ?`)
    .all(...([...args, limit, Math.max(0, q.offset ?? 0)] as unknown as [string])) as { seq: number; ts: number; kind: string; level: string; data: string }[]
  return { total, logs: rows.map((r) => toEntry(r.seq, r.ts, r.kind, r.level, parse(r.data))) }
}

function parse(s: string): Record<string, unknown> {
  try {
    const v = JSON.parse(s)
    return isObj(v) ? v : { value: v }
  } catch {
    return { raw: s }
  }
}

/** Counts by level and category of the entries matching the filters. */
export function logCounts(db: EdgeDb, q: LogQuery): LogStats {
  const { w, args } = whereOf(q)
  const groups = db.$client.query(`SELECT level, kind AS category, count(*) AS n FROM events ${w} GROUP BY level, kind`).all(...(args as [string])) as {
    level: string
    category: string
    n: number
  }[]
  return logStats(groups)
}
