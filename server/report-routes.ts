// `reports/*`, for the edge and the hub alike: generate a report, list and read them, download
// one as PDF. Viewers read; generating (which may spend model quota) needs an operator. Each
// side supplies its service, its auth plugin, and what a body's `robot_id` means to it (the
// edge: only itself; the hub: a registered robot, or the fleet when it is absent or null).
import { Elysia, t } from 'elysia'
import { HttpError } from '../core/http-error.ts'
import { EPOCH_MS_BOUNDS } from '../core/schemas.ts'
import { isReportType, REPORT_TYPES, type ReportType } from '../core/reports/figures.ts'
import type { AnyReport, ReportScope } from '../core/reports/report.ts'
import { NothingToReport, ReportBusy, type ReportSummary } from './reports/service.ts'
import { TIME_RANGE_PRESETS, TimeRangeError, type TimeRange } from '../core/reports/time-range.ts'
import type { authPlugin } from './auth-plugin.ts'

type MaybePromise<T> = T | Promise<T>

export interface ReportListQuery { robotId?: string; scope?: ReportScope; limit?: number; before?: number }

export interface ReportRoutesOptions<Subject> {
  auth: ReturnType<typeof authPlugin>
  /** What the body's robot_id names; throws HttpError (404 for a robot this API does not know). */
  subject(robotId: string | null | undefined): MaybePromise<Subject>
  generate(req: { report_type: ReportType; time_range: TimeRange; subject: Subject }, user: string): Promise<AnyReport>
  list(q: ReportListQuery): MaybePromise<ReportSummary[]>
  get(id: number): MaybePromise<AnyReport | null>
  pdf(id: number): Promise<Buffer | null>
  /** The largest report id the store can hold (the hub's is a PostgreSQL integer). */
  maxReportId: number
  docs: { generate: string; robotId: string }
}

const SCOPES: readonly ReportScope[] = ['robot', 'fleet']
const isScope = (s: string): s is ReportScope => (SCOPES as readonly string[]).includes(s)

// The enums are documented with `enum` on plain strings and checked in the handler: the schema
// validator's message for a literal union ("should be one of: 'string', 'string'") names no value.
const generateBody = (robotIdDoc: string) => t.Object({
  report_type: t.String({ enum: [...REPORT_TYPES], description: REPORT_TYPES.join(' | ') }),
  time_range: t.Union([
    t.String({ enum: Object.keys(TIME_RANGE_PRESETS), description: 'counted back from now' }),
    t.Object({ from: t.Number({ ...EPOCH_MS_BOUNDS, description: 'epoch ms' }), to: t.Number({ ...EPOCH_MS_BOUNDS, description: 'epoch ms' }) }, { additionalProperties: false }),
  ]),
  robot_id: t.Optional(t.Union([t.String({ maxLength: 64 }), t.Null()], { description: robotIdDoc })),
}, { additionalProperties: false })

/** A service's refusals as HTTP answers; anything else is the API's 500. */
function refusal(err: unknown): never {
  if (err instanceof TimeRangeError) throw new HttpError(400, 'invalid_request', err.message)
  if (err instanceof NothingToReport) throw new HttpError(409, 'nothing_to_report', err.message)
  if (err instanceof ReportBusy) throw new HttpError(429, 'busy', err.message, { 'retry-after': '5' })
  throw err
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

  return new Elysia().use(o.auth)
    .post('/reports/generate', async ({ principal, body, set }) => {
      if (!isReportType(body.report_type)) throw new HttpError(400, 'invalid_request', `report_type must be one of ${REPORT_TYPES.join(', ')}`)
      const subject = await o.subject(body.robot_id)
      try {
        const report = await o.generate({ report_type: body.report_type, time_range: body.time_range as TimeRange, subject }, principal.username)
        set.status = 201
        return report
      } catch (err) {
        refusal(err)
      }
    }, {
      auth: 'operator',
      body: generateBody(o.docs.robotId),
      detail: {
        summary: o.docs.generate,
        description: 'Without a key, or when the model fails or times out, the report is complete without the narrative and `narrative_error` says why.',
      },
    })
    .get('/reports', async ({ query }) => {
      const scope = query.scope
      if (scope !== undefined && !isScope(scope)) throw new HttpError(400, 'invalid_request', `scope must be one of ${SCOPES.join(', ')}`)
      return o.list({ robotId: query.robot_id, scope, limit: query.limit, before: query.before })
    }, {
      auth: 'viewer',
      query: t.Object({
        robot_id: t.Optional(t.String({ maxLength: 64, description: 'reports about this robot' })),
        // A plain string, checked below: Elysia fills an absent optional UnionEnum with its first value.
        scope: t.Optional(t.String({ enum: [...SCOPES], description: 'robot: about one robot; fleet: about the whole fleet (robot_id null)' })),
        limit: t.Optional(t.Numeric({ minimum: 1, maximum: 200 })),
        before: t.Optional(t.Numeric({ minimum: 1, description: 'reports with a smaller id (paging)' })),
      }),
      detail: { summary: 'Reports, newest first, without their figures; `scope` says whether each is about one robot or the fleet' },
    })
    .get('/reports/:id', async ({ params }) => {
      const id = reportId(params.id)
      const r = await o.get(id)
      if (!r) throw notFound(id)
      return r
    }, { auth: 'viewer', params: IdParam })
    .get('/reports/:id/pdf', async ({ params }) => {
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
    }, { auth: 'viewer', params: IdParam, detail: { summary: 'The report as a PDF (charts, tables, narrative)' } })
}
