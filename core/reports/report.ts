// A report as stored and served: figures first (they never depend on the model), then the
// narrative or the reason there is none. The edge and the hub both build reports about one
// robot this way; the hub also builds fleet reports (no robot id), from the same per-robot
// figures summarised across its robots.
import { computeReport, type ReportCharts, type ReportFigures, type ReportInput, type ReportType } from './figures.ts'
import { computeFleetReport, type FleetCharts, type FleetFigures, type FleetMember, type FleetCoverage } from './fleet-figures.ts'
import type { NarrativeModel } from './model.ts'
import { narrate } from './narrative.ts'
import { buildFleetPrompt, buildPrompt } from './prompt.ts'

/** What a report is about: one robot, or the hub's whole fleet. */
export type ReportScope = 'robot' | 'fleet'

/** What every report has, whatever it is about. */
export interface ReportHeader {
  id: number
  report_type: ReportType
  time_range: { from: number; to: number }
  created_at: number
  created_by: string
  narrative: string | null
  narrative_error: string | null
}

/** A report about one robot (the only kind the edge writes). */
export interface Report extends ReportHeader {
  scope: 'robot'
  robot_id: string
  figures: ReportFigures
  charts: ReportCharts
}

/** A report about the hub's fleet: `robot_id` is null, as in the `reports` table. */
export interface FleetReport extends ReportHeader {
  scope: 'fleet'
  robot_id: null
  figures: FleetFigures
  charts: FleetCharts
}

export type AnyReport = Report | FleetReport

export type ComposedReport = Pick<Report, 'figures' | 'charts' | 'narrative' | 'narrative_error'>
export type ComposedFleetReport = Pick<FleetReport, 'figures' | 'charts' | 'narrative' | 'narrative_error'>

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

/** `members` carry each robot's own figures, from `computeReport` like any robot report. */
export async function composeFleetReport(
  members: readonly FleetMember[],
  coverage: FleetCoverage,
  type: ReportType,
  opts: ComposeOptions,
): Promise<ComposedFleetReport> {
  const { figures, charts } = computeFleetReport(members, coverage, type)
  const outcome = await narrate(opts.model, buildFleetPrompt(figures), opts)
  return { figures, charts, ...outcome }
}
