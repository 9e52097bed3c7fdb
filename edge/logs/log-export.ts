// Log exports. The CSV is RFC 4180 and safe to open in a spreadsheet: the earlier system's
// export let a log line such as `=cmd|' /C calc'!A0` run as a formula (LEGACY.md flaw 12).
import type { LogEntry } from './log-query.ts'

/** Characters a spreadsheet treats as the start of a formula (or that hide one, tab and CR). */
const FORMULA_START = /^[=+\-@\t\r]/

export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v)
  if (typeof v === 'string' && FORMULA_START.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const COLUMNS = ['seq', 'time', 'level', 'category', 'message', 'details'] as const

export function logsToCsv(logs: LogEntry[]): string {
  const lines = [COLUMNS.join(',')]
  for (const l of logs) lines.push([l.seq, new Date(l.ts).toISOString(), l.level, l.category, l.message, JSON.stringify(l.details)].map(csvCell).join(','))
  return lines.join('\r\n') + '\r\n'
}
