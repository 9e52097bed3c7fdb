// CSV cells (RFC 4180) that are safe to open in a spreadsheet: the earlier system's export let a
// log line such as `=cmd|' /C calc'!A0` run as a formula (LEGACY.md flaw 12). Shared by the
// edge's and the hub's log exports.

/** Characters a spreadsheet treats as the start of a formula (or that hide one, tab and CR). */
const FORMULA_START = /^[=+\-@\t\r]/

export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v)
  if (typeof v === 'string' && FORMULA_START.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** A header row and the rows, CRLF-terminated as RFC 4180 has it. */
export function toCsv(columns: readonly string[], rows: readonly unknown[][]): string {
  return [columns.join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n') + '\r\n'
}
