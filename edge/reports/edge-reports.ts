// Reports the robot writes about itself: figures from its own store, a narrative from Gemini
// when a key is configured, stored in SQLite on the sync sequence, rendered to PDF on demand.
import { desc, eq, lt } from 'drizzle-orm'
import type { Logger } from '../../core/log.ts'
import type { ReportType } from '../../core/reports/figures.ts'
import {
  DEFAULT_NARRATIVE_TIMEOUT_MS,
  narrativeModelFor,
  ReportBusy,
  ReportGenerations,
  type NarrativeModelOptions,
  type ReportSummary,
  type RobotContents,
} from '../../server/reports/service.ts'
import type { NarrativeModel } from '../../core/reports/model.ts'
import { systemReportFonts } from '../../server/reports/pdf-fonts.ts'
import { composeReport, type Report } from '../../core/reports/report.ts'
import { resolveTimeRange, type ReportWindow, type TimeRange } from '../../core/reports/time-range.ts'
import { reports } from '../store/schema.ts'
import { renderReportPdfInWorker } from '../../server/reports/pdf-renderer.ts'
import { edgeReportInput, type EdgeReportSources } from './report-data.ts'

/** Each generation holds a model call open; more at once is a user double-clicking, or abuse. */
export const MAX_CONCURRENT_GENERATIONS = 2

export interface EdgeReportsOptions extends NarrativeModelOptions, EdgeReportSources {
  log: Logger
}

export class EdgeReports {
  /** Adjustable at run time (tests shorten it). */
  narrativeTimeoutMs = DEFAULT_NARRATIVE_TIMEOUT_MS
  readonly model: NarrativeModel | null
  private readonly generations = new ReportGenerations(MAX_CONCURRENT_GENERATIONS)

  constructor(private readonly opts: EdgeReportsOptions) {
    this.model = narrativeModelFor(opts)
  }

  /** Throws TimeRangeError for a bad window, ReportBusy when stopping or full; nothing is stored then. */
  generate(req: { report_type: ReportType; time_range: TimeRange }, user: string): Promise<Report> {
    return this.generations.run(async () => {
      const now = Date.now()
      return this.run(req.report_type, resolveTimeRange(req.time_range, now), now, user)
    })
  }

  private async run(type: ReportType, window: ReportWindow, now: number, user: string): Promise<Report> {
    const started = performance.now()
    const input = await edgeReportInput(this.opts, window, now)
    const figuresMs = performance.now() - started
    const composed = await composeReport(input, type, {
      model: this.model,
      missingModelReason: 'GEMINI_API_KEY is not set on this robot',
      timeoutMs: this.narrativeTimeoutMs,
      signal: this.generations.signal,
    })
    const contents: RobotContents = { figures: composed.figures, charts: composed.charts }
    const row = this.opts.db
      .insert(reports)
      .values({
        seq: this.opts.store.takeSeq(),
        reportType: type,
        fromTs: window.from,
        toTs: window.to,
        createdAt: now,
        createdBy: user,
        figures: contents,
        narrative: composed.narrative,
        narrativeError: composed.narrative_error,
      })
      .returning()
      .get()
    this.opts.log.info('report generated', {
      id: row.id,
      report_type: type,
      user,
      figures_ms: Math.round(figuresMs),
      total_ms: Math.round(performance.now() - started),
      narrative: composed.narrative !== null,
      narrative_error: composed.narrative_error,
    })
    return this.toReport(row)
  }

  list(q: { limit?: number; before?: number } = {}): ReportSummary[] {
    const rows = this.opts.db
      .select({
        id: reports.id,
        reportType: reports.reportType,
        fromTs: reports.fromTs,
        toTs: reports.toTs,
        createdAt: reports.createdAt,
        createdBy: reports.createdBy,
        narrative: reports.narrative,
        narrativeError: reports.narrativeError,
      })
      .from(reports)
      .where(q.before !== undefined ? lt(reports.id, q.before) : undefined)
      .orderBy(desc(reports.id))
      .limit(q.limit ?? 50)
      .all()
    return rows.map((r) => ({
      id: r.id,
      scope: 'robot' as const,
      robot_id: this.opts.robotId,
      report_type: r.reportType,
      time_range: { from: r.fromTs, to: r.toTs },
      created_at: r.createdAt,
      created_by: r.createdBy,
      has_narrative: r.narrative !== null,
      narrative_error: r.narrativeError,
    }))
  }

  /** Deletes a report from this robot (a hub keeps the copy it has); false when there is none. */
  remove(id: number): boolean {
    return !!this.opts.db.delete(reports).where(eq(reports.id, id)).returning({ id: reports.id }).get()
  }

  get(id: number): Report | null {
    const row = this.opts.db.select().from(reports).where(eq(reports.id, id)).get()
    return row ? this.toReport(row) : null
  }

  async pdf(id: number): Promise<Buffer | null> {
    const r = this.get(id)
    return r ? renderReportPdfInWorker(r, { fonts: systemReportFonts() }) : null
  }

  /** Cancels model calls in flight and waits until their reports are stored (without a narrative). */
  close(): Promise<void> {
    return this.generations.close()
  }

  private toReport(row: typeof reports.$inferSelect): Report {
    const c = row.figures as RobotContents
    return {
      id: row.id,
      scope: 'robot',
      robot_id: this.opts.robotId,
      report_type: row.reportType,
      time_range: { from: row.fromTs, to: row.toTs },
      created_at: row.createdAt,
      created_by: row.createdBy,
      figures: c.figures,
      charts: c.charts ?? { servo_temperature: [] },
      narrative: row.narrative,
      narrative_error: row.narrativeError,
    }
  }
}

// Routes and tests import these from the service they use.
export { DEFAULT_NARRATIVE_TIMEOUT_MS, ReportBusy, type ReportSummary }
