// CSV cells (RFC 4180) that are safe to open in a spreadsheet: the earlier system's export let a
// log line such as `=cmd|' /C calc'!A0` run as a formula (LEGACY.md flaw 12). Shared by the
// edge's and the hub's log exports.

/**
 * A cell a spreadsheet may read as a formula: one starting with = + - @ or their fullwidth
 * forms (which some spreadsheets fold to ASCII), also behind leading spaces, NBSP or other
 * Unicode spaces (which spreadsheets trim), or starting with a tab, CR or LF (which hide one).
 */
const FORMULA_START = /^(?:[\t\r\n]|[\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20])/

export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v)
  if (typeof v !== 'number' && FORMULA_START.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** A header row and the rows, CRLF-terminated as RFC 4180 has it. */
export function toCsv(columns: readonly string[], rows: readonly unknown[][]): string {
  return [columns.join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n') + '\r\n'
}
