// bench/results.json: every figure `npm run bench` measured, as {name, value, unit, goal, pass}
// (with the section, the detail behind the value and when it was measured). A run replaces the
// figures of the sections it ran and keeps the others; the README's table is rendered from the
// file (bench/readme-table.ts), so the two never disagree.
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { README_PATH, updateReadme } from './readme-table.ts'

export interface Figure {
  section: string
  name: string
  value: number
  unit: string
  goal: string
  pass: boolean
  detail: string
  /** ISO date (YYYY-MM-DD) of the run that measured it. */
  measured_at?: string
}

/** A curve sampled over a run (the day soak's), as a table: one row per sample, values in `columns`' order. */
export interface Curve {
  title: string
  measured_at?: string
  columns: string[]
  rows: number[][]
}

export interface Results {
  /** What ran it, and on what. */
  command: string
  machine: string
  figures: Figure[]
  /** Curves by section; a run replaces those of the sections it ran. */
  curves?: Record<string, Curve>
}

export const RESULTS_PATH = join(import.meta.dir, 'results.json')

export function readResults(path = RESULTS_PATH): Results {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Results
  } catch {
    return { command: 'npm run bench', machine: '', figures: [] }
  }
}

export function writeResults(
  figures: Figure[],
  sections: string[],
  at: Date,
  paths = { results: RESULTS_PATH, readme: README_PATH },
  curves: Record<string, Curve> = {},
) {
  const day = at.toISOString().slice(0, 10)
  const prev = readResults(paths.results)
  const kept = prev.figures.filter((f) => !sections.includes(f.section))
  const cpu = cpus()
  const results: Results = {
    command: 'npm run bench',
    machine: `${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}`,
    figures: [...kept, ...figures.map((f) => ({ ...f, measured_at: day }))],
  }
  const keptCurves = Object.entries(prev.curves ?? {}).filter(([section]) => !sections.includes(section))
  const allCurves = Object.fromEntries([...keptCurves, ...Object.entries(curves).map(([k, c]) => [k, { ...c, measured_at: day }] as const)])
  if (Object.keys(allCurves).length) results.curves = allCurves
  writeFileSync(paths.results, JSON.stringify(results, null, 2) + '\n')
  updateReadme(results, paths.readme)
  return paths
}
