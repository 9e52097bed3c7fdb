// A report as stored and served: figures first (they never depend on the model), then the
// narrative or the reason there is none. The edge and the hub both build reports this way.
import { computeReport, type ReportCharts, type ReportFigures, type ReportInput, type ReportType } from './figures.ts'
import type { NarrativeModel } from './model.ts'
import { narrate } from './narrative.ts'
import { buildPrompt } from './prompt.ts'

export interface Report {
  id: number
  robot_id: string
  report_type: ReportType
  time_range: { from: number; to: number }
  created_at: number
  created_by: string
  figures: ReportFigures
  charts: ReportCharts
  narrative: string | null
  narrative_error: string | null
}

export type ComposedReport = Pick<Report, 'figures' | 'charts' | 'narrative' | 'narrative_error'>

export interface ComposeOptions {
  model: NarrativeModel | null
  /** Why `model` is null, in words for the reader ("GEMINI_API_KEY is not set"). */
  missingModelReason?: string
  timeoutMs: number
  signal?: AbortSignal
}

export async function composeReport(input: ReportInput, type: ReportType, opts: ComposeOptions): Promise<ComposedReport> {
  const { figures, charts } = computeReport(input, type)
  const outcome = await narrate(opts.model, buildPrompt(figures), opts)
  return { figures, charts, ...outcome }
}
