// Reports the hub writes about any of its robots: figures from InfluxDB and Postgres through
// core/reports (the same figures the edge computes), a narrative from Gemini when a key is
// configured, stored in Postgres' `reports`, rendered to PDF on demand in a worker.
import { and, desc, eq, lt, type SQL } from 'drizzle-orm'
import type { Logger } from '../../core/log.ts'
import type { ReportType } from '../../core/reports/figures.ts'
import {
  DEFAULT_NARRATIVE_TIMEOUT_MS, narrativeModelFor, ReportBusy, type NarrativeModelOptions, type ReportSummary, type StoredContents,
} from '../../core/reports/service.ts'
import type { NarrativeModel } from '../../core/reports/model.ts'
import { systemReportFonts } from '../../core/reports/pdf-fonts.ts'
import { composeReport, type Report } from '../../core/reports/report.ts'
import { resolveTimeRange, type ReportWindow, type TimeRange } from '../../core/reports/time-range.ts'
import type { HubDb } from '../db/database.ts'
import { reports } from '../db/schema.ts'
import { renderReportPdfInWorker } from '../../core/reports/pdf-renderer.ts'
import { hubReportInput, type HubReportSources } from './report-data.ts'

/** Each generation holds a model call open; more at once is a burst of clicks, or abuse. */
export const MAX_CONCURRENT_GENERATIONS = 4

export interface HubReportsOptions extends NarrativeModelOptions, HubReportSources {
  db: HubDb
  log: Logger
}


export class HubReports {
  /** Adjustable at run time (tests shorten it). */
  narrativeTimeoutMs = DEFAULT_NARRATIVE_TIMEOUT_MS
  readonly model: NarrativeModel | null
  private readonly inflight = new Set<Promise<unknown>>()
  private readonly stopping = new AbortController()

  constructor(private readonly opts: HubReportsOptions) {
    this.model = narrativeModelFor(opts)
  }

  /** The caller has checked that the robot exists. Throws TimeRangeError for a bad window. */
  async generate(req: { report_type: ReportType; robot_id: string; time_range: TimeRange }, user: string): Promise<Report> {
    if (this.stopping.signal.aborted) throw new ReportBusy('the service is stopping')
    if (this.inflight.size >= MAX_CONCURRENT_GENERATIONS) throw new ReportBusy(`${this.inflight.size} reports are being generated; try again in a moment`)
    const now = Date.now()
    const window = resolveTimeRange(req.time_range, now)
    const run = this.run(req.report_type, req.robot_id, window, now, user)
    this.inflight.add(run)
    try { return await run } finally { this.inflight.delete(run) }
  }

  private async run(type: ReportType, robotId: string, window: ReportWindow, now: number, user: string): Promise<Report> {
    const started = performance.now()
    const input = await hubReportInput(this.opts, robotId, window, now)
    const figuresMs = performance.now() - started
    const composed = await composeReport(input, type, {
      model: this.model, missingModelReason: 'GEMINI_API_KEY is not set on the hub',
      timeoutMs: this.narrativeTimeoutMs, signal: this.stopping.signal,
    })
    const contents: StoredContents = { figures: composed.figures, charts: composed.charts }
    const [row] = await this.opts.db.insert(reports).values({
      robotId, reportType: type, fromTs: new Date(window.from), toTs: new Date(window.to), createdAt: new Date(now), createdBy: user,
      figures: contents, narrative: composed.narrative, narrativeError: composed.narrative_error,
    }).returning()
    this.opts.log.info('report generated', {
      id: row.id, robot_id: robotId, report_type: type, user, figures_ms: Math.round(figuresMs), total_ms: Math.round(performance.now() - started),
      narrative: composed.narrative !== null, narrative_error: composed.narrative_error,
    })
    return toReport(row)
  }

  async list(q: { robotId?: string; limit?: number; before?: number } = {}): Promise<ReportSummary[]> {
    const where: SQL[] = []
    if (q.robotId !== undefined) where.push(eq(reports.robotId, q.robotId))
    if (q.before !== undefined) where.push(lt(reports.id, q.before))
    const rows = await this.opts.db.select({
      id: reports.id, robotId: reports.robotId, reportType: reports.reportType, fromTs: reports.fromTs, toTs: reports.toTs, createdAt: reports.createdAt,
      createdBy: reports.createdBy, narrative: reports.narrative, narrativeError: reports.narrativeError,
    }).from(reports).where(and(...where)).orderBy(desc(reports.id)).limit(q.limit ?? 50)
    return rows.map((r) => ({
      id: r.id, robot_id: r.robotId ?? '', report_type: r.reportType, time_range: { from: r.fromTs.getTime(), to: r.toTs.getTime() },
      created_at: r.createdAt.getTime(), created_by: r.createdBy, has_narrative: r.narrative !== null, narrative_error: r.narrativeError,
    }))
  }

  async get(id: number): Promise<Report | null> {
    const [row] = await this.opts.db.select().from(reports).where(eq(reports.id, id))
    return row ? toReport(row) : null
  }

  async pdf(id: number): Promise<Buffer | null> {
    const r = await this.get(id)
    return r ? renderReportPdfInWorker(r, { fonts: systemReportFonts() }) : null
  }

  /** Cancels model calls in flight and waits until their reports are stored (without a narrative). */
  async close(): Promise<void> {
    this.stopping.abort()
    await Promise.allSettled([...this.inflight])
  }
}

function toReport(row: typeof reports.$inferSelect): Report {
  const c = row.figures as StoredContents
  return {
    id: row.id, robot_id: row.robotId ?? '', report_type: row.reportType, time_range: { from: row.fromTs.getTime(), to: row.toTs.getTime() },
    created_at: row.createdAt.getTime(), created_by: row.createdBy, figures: c.figures, charts: c.charts ?? { servo_temperature: [] },
    narrative: row.narrative, narrative_error: row.narrativeError,
  }
}

// Routes and tests import these from the service they use.
export { DEFAULT_NARRATIVE_TIMEOUT_MS, ReportBusy, type ReportSummary }
