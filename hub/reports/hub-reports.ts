// Reports the hub writes about any of its robots, or about the whole fleet: figures from
// InfluxDB and Postgres through core/reports (the same figures the edge computes; a fleet
// report summarises each robot's), a narrative from Gemini when a key is configured, stored in
// Postgres' `reports` (robot_id null for the fleet), rendered to PDF on demand in a worker.
import { and, desc, eq, isNotNull, isNull, lt, type SQL } from 'drizzle-orm'
import type { Logger } from '../../core/log.ts'
import type { ReportType } from '../../core/reports/figures.ts'
import {
  DEFAULT_NARRATIVE_TIMEOUT_MS,
  narrativeModelFor,
  NothingToReport,
  ReportBusy,
  ReportGenerations,
  type FleetContents,
  type NarrativeModelOptions,
  type ReportSummary,
  type RobotContents,
  type StoredContents,
} from '../../server/reports/service.ts'
import type { NarrativeModel } from '../../core/reports/model.ts'
import { systemReportFonts } from '../../server/reports/pdf-fonts.ts'
import { composeFleetReport, composeReport, type AnyReport, type ComposeOptions, type ReportScope } from '../../core/reports/report.ts'
import { resolveTimeRange, type ReportWindow, type TimeRange } from '../../core/reports/time-range.ts'
import type { HubDb } from '../db/database.ts'
import { reports } from '../db/schema.ts'
import { renderReportPdfInWorker } from '../../server/reports/pdf-renderer.ts'
import { fleetData } from './fleet-data.ts'
import { hubReportInput, type HubReportSources } from './report-data.ts'

/** Each generation holds a model call open; more at once is a burst of clicks, or abuse. */
export const MAX_CONCURRENT_GENERATIONS = 4

export interface HubReportsOptions extends NarrativeModelOptions, HubReportSources {
  db: HubDb
  log: Logger
}

export interface GenerateRequest {
  report_type: ReportType
  /** A registered robot (the caller has checked), or null for the fleet. */
  robot_id: string | null
  time_range: TimeRange
}

type Row = typeof reports.$inferSelect

export class HubReports {
  /** Adjustable at run time (tests shorten it). */
  narrativeTimeoutMs = DEFAULT_NARRATIVE_TIMEOUT_MS
  /** How many robots a fleet report takes at most (tests lower it). */
  maxFleetRobots: number | undefined
  readonly model: NarrativeModel | null
  private readonly generations = new ReportGenerations(MAX_CONCURRENT_GENERATIONS)

  constructor(private readonly opts: HubReportsOptions) {
    this.model = narrativeModelFor(opts)
  }

  /**
   * Throws TimeRangeError for a bad window, NothingToReport for a fleet report without robots,
   * ReportBusy when stopping or full; nothing is stored then.
   */
  generate(req: GenerateRequest, user: string): Promise<AnyReport> {
    return this.generations.run(async () => {
      const now = Date.now()
      const window = resolveTimeRange(req.time_range, now)
      return req.robot_id === null ? this.fleet(req.report_type, window, now, user) : this.robot(req.report_type, req.robot_id, window, now, user)
    })
  }

  private composeOptions(): ComposeOptions {
    return {
      model: this.model,
      missingModelReason: 'GEMINI_API_KEY is not set on the hub',
      timeoutMs: this.narrativeTimeoutMs,
      signal: this.generations.signal,
    }
  }

  private async robot(type: ReportType, robotId: string, window: ReportWindow, now: number, user: string): Promise<AnyReport> {
    const started = performance.now()
    const input = await hubReportInput(this.opts, robotId, type, window, now)
    const figuresMs = performance.now() - started
    const composed = await composeReport(input, type, this.composeOptions())
    return this.store({
      robotId,
      type,
      window,
      now,
      user,
      contents: composed,
      started,
      figuresMs,
      narrative: composed.narrative,
      narrativeError: composed.narrative_error,
    })
  }

  private async fleet(type: ReportType, window: ReportWindow, now: number, user: string): Promise<AnyReport> {
    const started = performance.now()
    const { members, coverage } = await fleetData(this.opts, type, window, now, { maxRobots: this.maxFleetRobots })
    if (members.length === 0) throw new NothingToReport('the hub has no robots registered: there is no fleet to report on')
    const figuresMs = performance.now() - started
    const composed = await composeFleetReport(members, coverage, type, this.composeOptions())
    return this.store({
      robotId: null,
      type,
      window,
      now,
      user,
      contents: composed,
      started,
      figuresMs,
      narrative: composed.narrative,
      narrativeError: composed.narrative_error,
      robots: members.length,
    })
  }

  private async store(r: {
    robotId: string | null
    type: ReportType
    window: ReportWindow
    now: number
    user: string
    contents: StoredContents
    started: number
    figuresMs: number
    narrative: string | null
    narrativeError: string | null
    robots?: number
  }): Promise<AnyReport> {
    const contents = { figures: r.contents.figures, charts: r.contents.charts } as StoredContents
    const [row] = await this.opts.db
      .insert(reports)
      .values({
        robotId: r.robotId,
        reportType: r.type,
        fromTs: new Date(r.window.from),
        toTs: new Date(r.window.to),
        createdAt: new Date(r.now),
        createdBy: r.user,
        figures: contents,
        narrative: r.narrative,
        narrativeError: r.narrativeError,
      })
      .returning()
    this.opts.log.info('report generated', {
      id: row.id,
      scope: scopeOf(row),
      robot_id: r.robotId,
      ...(r.robots !== undefined ? { robots: r.robots } : {}),
      report_type: r.type,
      user: r.user,
      figures_ms: Math.round(r.figuresMs),
      total_ms: Math.round(performance.now() - r.started),
      narrative: r.narrative !== null,
      narrative_error: r.narrativeError,
    })
    return toReport(row)
  }

  async list(q: { robotId?: string; scope?: ReportScope; limit?: number; before?: number } = {}): Promise<ReportSummary[]> {
    const where: SQL[] = []
    if (q.robotId !== undefined) where.push(eq(reports.robotId, q.robotId))
    if (q.scope === 'fleet') where.push(isNull(reports.robotId))
    if (q.scope === 'robot') where.push(isNotNull(reports.robotId))
    if (q.before !== undefined) where.push(lt(reports.id, q.before))
    const rows = await this.opts.db
      .select({
        id: reports.id,
        robotId: reports.robotId,
        reportType: reports.reportType,
        fromTs: reports.fromTs,
        toTs: reports.toTs,
        createdAt: reports.createdAt,
        createdBy: reports.createdBy,
        narrative: reports.narrative,
        narrativeError: reports.narrativeError,
      })
      .from(reports)
      .where(and(...where))
      .orderBy(desc(reports.id))
      .limit(q.limit ?? 50)
    return rows.map((r) => ({
      id: r.id,
      scope: scopeOf(r),
      robot_id: r.robotId,
      report_type: r.reportType,
      time_range: { from: r.fromTs.getTime(), to: r.toTs.getTime() },
      created_at: r.createdAt.getTime(),
      created_by: r.createdBy,
      has_narrative: r.narrative !== null,
      narrative_error: r.narrativeError,
    }))
  }

  /** Deletes a report; false when there is none. A robot's own report comes back only if the robot sends it again. */
  async remove(id: number): Promise<boolean> {
    return (await this.opts.db.delete(reports).where(eq(reports.id, id)).returning({ id: reports.id })).length > 0
  }

  async get(id: number): Promise<AnyReport | null> {
    const [row] = await this.opts.db.select().from(reports).where(eq(reports.id, id))
    return row ? toReport(row) : null
  }

  async pdf(id: number): Promise<Buffer | null> {
    const r = await this.get(id)
    return r ? renderReportPdfInWorker(r, { fonts: systemReportFonts() }) : null
  }

  /** Cancels model calls in flight and waits until their reports are stored (without a narrative). */
  close(): Promise<void> {
    return this.generations.close()
  }
}

/** robot_id is null exactly for fleet reports: the column predates them and says so already. */
const scopeOf = (row: Pick<Row, 'robotId'>): ReportScope => (row.robotId === null ? 'fleet' : 'robot')

function toReport(row: Row): AnyReport {
  const header = {
    id: row.id,
    report_type: row.reportType,
    time_range: { from: row.fromTs.getTime(), to: row.toTs.getTime() },
    created_at: row.createdAt.getTime(),
    created_by: row.createdBy,
    narrative: row.narrative,
    narrative_error: row.narrativeError,
  }
  if (row.robotId === null) {
    const c = row.figures as FleetContents
    return { ...header, scope: 'fleet', robot_id: null, figures: c.figures, charts: c.charts ?? { bars: [] } }
  }
  const c = row.figures as RobotContents
  return { ...header, scope: 'robot', robot_id: row.robotId, figures: c.figures, charts: c.charts ?? { servo_temperature: [] } }
}

// Routes and tests import these from the service they use.
export { DEFAULT_NARRATIVE_TIMEOUT_MS, NothingToReport, ReportBusy, type ReportSummary }
