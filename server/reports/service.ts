// What the edge's and the hub's report services share: the model choice, the list shape, the
// stored contents, the refusals and the bookkeeping of generations in flight. Each service
// keeps only its own data source and table.
import type { ReportCharts, ReportFigures } from '../../core/reports/figures.ts'
import type { FleetCharts, FleetFigures } from '../../core/reports/fleet-figures.ts'
import { DEFAULT_GEMINI_MODEL, GeminiNarrativeModel } from './gemini.ts'
import type { NarrativeModel } from '../../core/reports/model.ts'
import type { ReportHeader, ReportScope } from '../../core/reports/report.ts'

/** A flash model usually answers in a few seconds; past this the report goes out without it. */
export const DEFAULT_NARRATIVE_TIMEOUT_MS = 20_000

export interface NarrativeModelOptions {
  geminiApiKey?: string
  geminiBaseUrl?: string
  geminiModel?: string
  /** A stand-in model for tests; otherwise Gemini when a key is set. */
  model?: NarrativeModel | null
}

export function narrativeModelFor(opts: NarrativeModelOptions): NarrativeModel | null {
  if (opts.model !== undefined) return opts.model
  if (!opts.geminiApiKey) return null
  return new GeminiNarrativeModel({ apiKey: opts.geminiApiKey, baseUrl: opts.geminiBaseUrl, model: opts.geminiModel ?? DEFAULT_GEMINI_MODEL })
}

/** A report in a list: its header without the figures, and whether it has a narrative. */
export interface ReportSummary extends Omit<ReportHeader, 'narrative'> {
  scope: ReportScope
  /** null: a fleet report. */
  robot_id: string | null
  has_narrative: boolean
}

/** What the figures column holds: the figures, and the drawing data for the charts beside them. */
export interface RobotContents {
  figures: ReportFigures
  charts: ReportCharts
}
export interface FleetContents {
  figures: FleetFigures
  charts: FleetCharts
}
export type StoredContents = RobotContents | FleetContents

/** Refused because the service is stopping or enough generations are already running. */
export class ReportBusy extends Error {}

/** Refused because there is nothing to write about (a fleet report on a hub without robots). */
export class NothingToReport extends Error {}

/**
 * The generations a service has running: at most `max` at once, none once it is stopping, and
 * `close()` cancels their model calls (through `signal`) and waits until they are stored.
 */
export class ReportGenerations {
  private readonly inflight = new Set<Promise<unknown>>()
  private readonly stopping = new AbortController()

  constructor(private readonly max: number) {}

  /** Aborted when the service stops: the model calls in flight give up and reports go out without a narrative. */
  get signal(): AbortSignal {
    return this.stopping.signal
  }

  /** Throws ReportBusy instead of starting `work` when stopping or full. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.stopping.signal.aborted) throw new ReportBusy('the service is stopping')
    if (this.inflight.size >= this.max) throw new ReportBusy(`${this.inflight.size} reports are being generated; try again in a moment`)
    const run = work()
    this.inflight.add(run)
    try {
      return await run
    } finally {
      this.inflight.delete(run)
    }
  }

  async close(): Promise<void> {
    this.stopping.abort()
    await Promise.allSettled([...this.inflight])
  }
}
