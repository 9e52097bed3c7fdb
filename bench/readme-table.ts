// The README's benchmark table, rendered from bench/results.json between two markers:
// `npm run bench` rewrites it after each run, `npm run bench:readme` from the file as it is,
// and a test holds the README to the file.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Curve, Results } from './results.ts'

export const README_PATH = join(import.meta.dir, '..', 'README.md')
export const TABLE_START = '<!-- bench:start (generated from bench/results.json by `npm run bench:readme`) -->'
export const TABLE_END = '<!-- bench:end -->'

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')
const num = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2))

export function renderTable(r: Results): string {
  const dates = [...new Set(r.figures.map((f) => f.measured_at).filter(Boolean))].sort()
  const when = dates.length === 0 ? 'not yet measured' : dates.length === 1 ? `measured ${dates[0]}` : `measured ${dates[0]} to ${dates.at(-1)}`
  const lines = [
    `${r.figures.length} figures, ${when}, on ${r.machine || 'this machine'} (\`${r.command}\`; each figure's date is in bench/results.json).`,
    '',
    '| section | benchmark | value | goal | met | measured | detail |',
    '|---|---|---|---|---|---|---|',
    ...r.figures.map(
      (f) =>
        `| ${f.section} | ${esc(f.name)} | ${num(f.value)} ${esc(f.unit)} | ${esc(f.goal)} | ${f.pass ? 'yes' : '**no**'} | ${f.measured_at ?? ''} | ${esc(f.detail)} |`,
    ),
  ]
  for (const c of Object.values(r.curves ?? {})) lines.push('', renderCurve(c))
  return lines.join('\n')
}

/** A curve as a markdown table under its title. */
export function renderCurve(c: Curve): string {
  return [
    `${esc(c.title)}${c.measured_at ? ` (measured ${c.measured_at})` : ''}:`,
    '',
    `| ${c.columns.map(esc).join(' | ')} |`,
    `|${c.columns.map(() => '---').join('|')}|`,
    ...c.rows.map((row) => `| ${row.map(num).join(' | ')} |`),
  ].join('\n')
}

/** The README with the table between the markers replaced (the markers must be there). */
export function withTable(readme: string, r: Results): string {
  const a = readme.indexOf(TABLE_START)
  const b = readme.indexOf(TABLE_END)
  if (a < 0 || b < a) throw new Error(`README.md has no benchmark table markers (${TABLE_START} ... ${TABLE_END})`)
  return `${readme.slice(0, a + TABLE_START.length)}\n${renderTable(r)}\n${readme.slice(b)}`
}

export function updateReadme(r: Results, path = README_PATH) {
  writeFileSync(path, withTable(readFileSync(path, 'utf8'), r))
}

if (import.meta.main) {
  const { readResults } = await import('./results.ts')
  updateReadme(readResults())
  console.log(`README.md: benchmark table written from bench/results.json`)
}
