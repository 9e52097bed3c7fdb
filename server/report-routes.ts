// `reports/*`, for the edge and the hub alike: generate a report, list and read them, download
// one as PDF, export the list (CSV, formula-safe, or JSON), delete one. Viewers read; generating
// (which may spend model quota) needs an operator, deleting an admin. Each
// side supplies its service, its auth plugin, and what a body's `robot_id` means to it (the
// edge: only itself; the hub: a registered robot, or the fleet when it is absent or null).
import { Elysia, t } from 'elysia'
import { toCsv } from '../core/csv.ts'
import { HttpError } from '../core/http-error.ts'
import { EPOCH_MS_BOUNDS } from '../core/schemas.ts'
import { isReportType, REPORT_TYPES, type ReportType } from '../core/reports/figures.ts'
import type { AnyReport, ReportScope } from '../core/reports/report.ts'
import { NothingToReport, ReportBusy, type ReportSummary } from './reports/service.ts'
import { TIME_RANGE_PRESETS, TimeRangeError, type TimeRange } from '../core/reports/time-range.ts'
import type { authPlugin } from './auth-plugin.ts'

type MaybePromise<T> = T | Promise<T>

export interface ReportListQuery {
  robotId?: string
  scope?: ReportScope
  limit?: number
  before?: number
}

export interface ReportRoutesOptions<Subject> {
  auth: ReturnType<typeof authPlugin>
  /** What the body's robot_id names; throws HttpError (404 for a robot this API does not know). */
  subject(robotId: string | null | undefined): MaybePromise<Subject>
  generate(req: { report_type: ReportType; time_range: TimeRange; subject: Subject }, user: string): Promise<AnyReport>
  list(q: ReportListQuery): MaybePromise<ReportSummary[]>
  get(id: number): MaybePromise<AnyReport | null>
  pdf(id: number): Promise<Buffer | null>
  /** Deletes a report (and says so in the log as `user`); false when there is none. */
  remove(id: number, user: string): MaybePromise<boolean>
  /** The file names of list exports: `tonypi-<this>-reports-<time>`. */
  exportName: string
  /** The largest report id the store can hold (the hub's is a PostgreSQL integer). */
  maxReportId: number
  docs: { generate: string; robotId: string }
}

const SCOPES: readonly ReportScope[] = ['robot', 'fleet']
const isScope = (s: string): s is ReportScope => (SCOPES as readonly string[]).includes(s)

// The enums are documented with `enum` on plain strings and checked in the handler: the schema
// validator's message for a literal union ("should be one of: 'string', 'string'") names no value.
const generateBody = (robotIdDoc: string) =>
  t.Object(
    {
      report_type: t.String({ enum: [...REPORT_TYPES], description: REPORT_TYPES.join(' | ') }),
      time_range: t.Union([
        t.String({ enum: Object.keys(TIME_RANGE_PRESETS), description: 'counted back from now' }),
        t.Object(
          { from: t.Number({ ...EPOCH_MS_BOUNDS, description: 'epoch ms' }), to: t.Number({ ...EPOCH_MS_BOUNDS, description: 'epoch ms' }) },
          { additionalProperties: false },
        ),
      ]),
      robot_id: t.Optional(t.Union([t.String({ maxLength: 64 }), t.Null()], { description: robotIdDoc })),
    },
    { additionalProperties: false },
  )

/** A service's refusals as HTTP answers; anything else is the API's 500. */
function refusal(err: unknown): never {
  if (err instanceof TimeRangeError) throw new HttpError(400, 'invalid_request', err.message)
  if (err instanceof NothingToReport) throw new HttpError(409, 'nothing_to_report', err.message)
  if (err instanceof ReportBusy) throw new HttpError(429, 'busy', err.message, { 'retry-after': '5' })
  throw err
}

/** At most this many reports in one export, the newest. */
const EXPORT_MAX = 10_000
const EXPORT_COLUMNS = ['id', 'created_at', 'scope', 'robot_id', 'report_type', 'from', 'to', 'created_by', 'has_narrative', 'narrative_error'] as const
const iso = (ms: number) => new Date(ms).toISOString()

/** The list as CSV (RFC 4180, every cell formula-safe: core/csv.ts). */
export function reportsToCsv(list: readonly ReportSummary[]): string {
  return toCsv(
    EXPORT_COLUMNS,
    list.map((r) => [
      r.id,
      iso(r.created_at),
      r.scope,
      r.robot_id,
      r.report_type,
      iso(r.time_range.from),
      iso(r.time_range.to),
      r.created_by,
      r.has_narrative,
      r.narrative_error,
    ]),
  )
}

export function reportRoutes<Subject>(o: ReportRoutesOptions<Subject>) {
  /** Ids are parsed in the handler, after the auth layer's check: an anonymous caller learns nothing from a 400. */
  const reportId = (raw: string): number => {
    const id = /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : NaN
    if (!Number.isSafeInteger(id) || id > o.maxReportId) throw new HttpError(404, 'not_found', `no report ${JSON.stringify(raw.slice(0, 32))}`)
    return id
  }
  const notFound = (id: number) => new HttpError(404, 'not_found', `no report ${id}`)
  const IdParam = t.Object({ id: t.String({ maxLength: 40 }) })
  const ExportQuery = t.Object({
    robot_id: t.Optional(t.String({ maxLength: 64, description: 'reports about this robot' })),
    scope: t.Optional(t.String({ enum: [...SCOPES] })),
  })
  const exportList = async (q: { robot_id?: string; scope?: string }) => {
    if (q.scope !== undefined && !isScope(q.scope)) throw new HttpError(400, 'invalid_request', `scope must be one of ${SCOPES.join(', ')}`)
    return o.list({ robotId: q.robot_id, scope: q.scope, limit: EXPORT_MAX })
  }
  const download = (ext: 'csv' | 'json', body: string) =>
    new Response(body, {
      headers: {
        'content-type': ext === 'csv' ? 'text/csv; charset=utf-8' : 'application/json',
        'content-disposition': `attachment; filename="tonypi-${o.exportName}-reports-${new Date().toISOString().replace(/[:.]/g, '-')}.${ext}"`,
      },
    })

  return new Elysia()
    .use(o.auth)
    .post(
      '/reports/generate',
      async ({ principal, body, set }) => {
        if (!isReportType(body.report_type)) throw new HttpError(400, 'invalid_request', `report_type must be one of ${REPORT_TYPES.join(', ')}`)
        const subject = await o.subject(body.robot_id)
        try {
          const report = await o.generate({ report_type: body.report_type, time_range: body.time_range as TimeRange, subject }, principal.username)
          set.status = 201
          return report
        } catch (err) {
          refusal(err)
        }
      },
      {
        auth: 'operator',
        body: generateBody(o.docs.robotId),
        detail: {
          summary: o.docs.generate,
          description: 'Without a key, or when the model fails or times out, the report is complete without the narrative and `narrative_error` says why.',
        },
      },
    )
    .get(
      '/reports',
      async ({ query }) => {
        const scope = query.scope
        if (scope !== undefined && !isScope(scope)) throw new HttpError(400, 'invalid_request', `scope must be one of ${SCOPES.join(', ')}`)
        return o.list({ robotId: query.robot_id, scope, limit: query.limit, before: query.before })
      },
      {
        auth: 'viewer',
        query: t.Object({
          robot_id: t.Optional(t.String({ maxLength: 64, description: 'reports about this robot' })),
          // A plain string, checked below: Elysia fills an absent optional UnionEnum with its first value.
          scope: t.Optional(t.String({ enum: [...SCOPES], description: 'robot: about one robot; fleet: about the whole fleet (robot_id null)' })),
          limit: t.Optional(t.Numeric({ minimum: 1, maximum: 200 })),
          before: t.Optional(t.Numeric({ minimum: 1, description: 'reports with a smaller id (paging)' })),
        }),
        detail: { summary: 'Reports, newest first, without their figures; `scope` says whether each is about one robot or the fleet' },
      },
    )
    .get('/reports/export/csv', async ({ query }) => download('csv', reportsToCsv(await exportList(query))), {
      auth: 'viewer',
      query: ExportQuery,
      detail: { summary: `The report list as CSV (RFC 4180, formula-safe), up to ${EXPORT_MAX} newest` },
    })
    .get('/reports/export/json', async ({ query }) => download('json', JSON.stringify({ exported_at: Date.now(), reports: await exportList(query) })), {
      auth: 'viewer',
      query: ExportQuery,
      detail: { summary: `The report list as JSON, up to ${EXPORT_MAX} newest` },
    })
    .delete(
      '/reports/:id',
      async ({ principal, params }) => {
        const id = reportId(params.id)
        if (!(await o.remove(id, principal.username))) throw notFound(id)
        return { ok: true }
      },
      { auth: 'admin', params: IdParam, detail: { summary: 'Delete a report (noted in the log with who deleted it)' } },
    )
    .get(
      '/reports/:id',
      async ({ params }) => {
        const id = reportId(params.id)
        const r = await o.get(id)
        if (!r) throw notFound(id)
        return r
      },
      { auth: 'viewer', params: IdParam },
    )
    .get(
      '/reports/:id/pdf',
      async ({ params }) => {
        const id = reportId(params.id)
        const pdf = await o.pdf(id)
        if (!pdf) throw notFound(id)
        return new Response(new Uint8Array(pdf), {
          headers: {
            'content-type': 'application/pdf',
            'content-disposition': `attachment; filename="tonypi-report-${id}.pdf"`,
            'cache-control': 'no-store',
          },
        })
      },
      { auth: 'viewer', params: IdParam, detail: { summary: 'The report as a PDF (charts, tables, narrative)' } },
    )
}
