// Log exports: RFC 4180 and safe to open in a spreadsheet (core/csv.ts).
import { toCsv } from '../../core/csv.ts'
import type { LogEntry } from '../../core/log-entry.ts'

const COLUMNS = ['seq', 'time', 'level', 'category', 'message', 'details'] as const

export function logsToCsv(logs: LogEntry[]): string {
  return toCsv(
    COLUMNS,
    logs.map((l) => [l.seq, new Date(l.ts).toISOString(), l.level, l.category, l.message, JSON.stringify(l.details)]),
  )
}
