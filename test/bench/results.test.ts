// bench/results.json and the README's table: every figure has the shape the issue asks for, and
// the README shows exactly what the file holds (regenerate with `npm run bench:readme`).
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { README_PATH, renderTable, TABLE_END, TABLE_START, withTable } from '../../bench/readme-table.ts'
import { readResults, writeResults, type Figure } from '../../bench/results.ts'

describe('benchmark results', () => {
  test('every figure in bench/results.json is {name, value, unit, goal, pass}', () => {
    const r = readResults()
    for (const f of r.figures) {
      expect(typeof f.name).toBe('string')
      expect(Number.isFinite(f.value)).toBe(true)
      expect(f.unit.length).toBeGreaterThan(0)
      expect(f.goal.length).toBeGreaterThan(0)
      expect(typeof f.pass).toBe('boolean')
      expect(f.measured_at).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    }
  })

  test('the README table is the one bench/results.json renders', () => {
    const readme = readFileSync(README_PATH, 'utf8')
    const table = readme.slice(readme.indexOf(TABLE_START) + TABLE_START.length, readme.indexOf(TABLE_END)).trim()
    expect(table).toBe(renderTable(readResults()))
  })

  test('a run of some sections replaces theirs and keeps the others; the README follows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'))
    try {
      const paths = { results: join(dir, 'results.json'), readme: join(dir, 'README.md') }
      writeFileSync(paths.readme, `# x\n\n${TABLE_START}\n${TABLE_END}\n\nafter\n`)
      const fig = (section: string, name: string, value: number): Figure => ({
        section,
        name,
        value,
        unit: 'MB/h',
        goal: '<= 15',
        pass: value <= 15,
        detail: '',
      })
      writeResults([fig('store', 'wear', 29.2), fig('soak', 'rss', 70)], ['store', 'soak'], new Date('2026-01-01T00:00:00Z'), paths)
      writeResults([fig('store', 'wear', 12.4)], ['store'], new Date('2026-02-01T00:00:00Z'), paths)
      const r = readResults(paths.results)
      expect(r.figures.map((f) => [f.section, f.value, f.measured_at])).toEqual([
        ['soak', 70, '2026-01-01'],
        ['store', 12.4, '2026-02-01'],
      ])
      const readme = readFileSync(paths.readme, 'utf8')
      expect(readme).toBe(withTable(`# x\n\n${TABLE_START}\n${TABLE_END}\n\nafter\n`, r))
      expect(readme).toContain('| store | wear | 12.4 MB/h | <= 15 | yes | 2026-02-01 |')
      expect(readme).toContain('measured 2026-01-01 to 2026-02-01')
      expect(readme.endsWith('\n\nafter\n')).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test("a section's curve is kept in bench/results.json and rendered under the table as rows", () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-curves-'))
    try {
      const paths = { results: join(dir, 'results.json'), readme: join(dir, 'README.md') }
      writeFileSync(paths.readme, `${TABLE_START}\n${TABLE_END}\n`)
      const curve = {
        title: 'Day soak',
        columns: ['minute', 'edge RSS MB'],
        rows: [
          [0, 61.23],
          [15, 62.5],
        ],
      }
      writeResults([], ['day'], new Date('2026-03-01T00:00:00Z'), paths, { day: curve })
      writeResults([], ['store'], new Date('2026-03-02T00:00:00Z'), paths)
      expect(readResults(paths.results).curves).toEqual({ day: { ...curve, measured_at: '2026-03-01' } })
      expect(readFileSync(paths.readme, 'utf8')).toContain(
        'Day soak (measured 2026-03-01):\n\n| minute | edge RSS MB |\n|---|---|\n| 0 | 61.2 |\n| 15 | 62.5 |',
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
