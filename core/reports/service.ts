// What the edge's and the hub's report services share: the model choice, the list shape, the
// stored contents and the "busy" refusal. Each service keeps only its own data source and table.
import type { ReportCharts, ReportFigures, ReportType } from './figures.ts'
import { DEFAULT_GEMINI_MODEL, GeminiNarrativeModel } from './gemini.ts'
import type { NarrativeModel } from './model.ts'

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

export interface ReportSummary {
  id: number
  robot_id: string
  report_type: ReportType
  time_range: { from: number; to: number }
  created_at: number
  created_by: string
  has_narrative: boolean
  narrative_error: string | null
}

/** What the figures column holds: the figures, and the drawing data for the charts beside them. */
export interface StoredContents { figures: ReportFigures; charts: ReportCharts }

/** Refused because the service is stopping or enough generations are already running. */
export class ReportBusy extends Error {}
