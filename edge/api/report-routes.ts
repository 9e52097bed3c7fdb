// `reports/*` on the edge: generate a report about this robot, list and read them, and
// download one as PDF. Viewers read; generating (which may spend model quota) needs an operator.
import { Elysia, t } from 'elysia'
import { isReportType, REPORT_TYPES } from '../../core/reports/figures.ts'
import { TIME_RANGE_PRESETS, TimeRangeError, type TimeRange } from '../../core/reports/time-range.ts'
import type { Role } from '../../core/schemas.ts'
import type { EdgeContext } from '../context.ts'
import { ReportBusy } from '../reports/edge-reports.ts'
import { requireRole } from './auth.ts'
import { HttpError } from './errors.ts'

const secured = { security: [{ bearer: [] }] }

// The enums are documented with `enum` on plain strings and checked in the handler: the schema
// validator's message for a literal union ("should be one of: 'string', 'string'") names no value.
const GenerateBody = t.Object({
  report_type: t.String({ enum: [...REPORT_TYPES], description: REPORT_TYPES.join(' | ') }),
  time_range: t.Union([
    t.String({ enum: Object.keys(TIME_RANGE_PRESETS), description: 'counted back from now' }),
    t.Object({ from: t.Number({ description: 'epoch ms' }), to: t.Number({ description: 'epoch ms' }) }, { additionalProperties: false }),
  ]),
  robot_id: t.Optional(t.String({ maxLength: 64, description: 'this robot, if given' })),
}, { additionalProperties: false })

/** Ids are parsed after the role check, so an anonymous caller learns nothing from a 400. */
function reportId(raw: string): number {
  const id = /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : NaN
  if (!Number.isSafeInteger(id)) throw new HttpError(404, 'not_found', `no report ${JSON.stringify(raw.slice(0, 32))}`)
  return id
}

export function reportRoutes(ctx: EdgeContext) {
  const auth = (role: Role, headers: Record<string, string | undefined>) => requireRole(ctx, headers.authorization, role)
  const notFound = (id: number) => new HttpError(404, 'not_found', `no report ${id}`)

  return new Elysia()
    .post('/reports/generate', async ({ headers, body, set }) => {
      const u = auth('operator', headers)
      if (!isReportType(body.report_type)) throw new HttpError(400, 'invalid_request', `report_type must be one of ${REPORT_TYPES.join(', ')}`)
      if (body.robot_id !== undefined && body.robot_id !== ctx.robotId) throw new HttpError(404, 'not_found', `this edge is robot ${ctx.robotId}`)
      try {
        const report = await ctx.reports.generate({ report_type: body.report_type, time_range: body.time_range as TimeRange }, u.username)
        set.status = 201
        return report
      } catch (err) {
        if (err instanceof TimeRangeError) throw new HttpError(400, 'invalid_request', err.message)
        if (err instanceof ReportBusy) throw new HttpError(429, 'busy', err.message, { 'retry-after': '5' })
        throw err
      }
    }, {
      body: GenerateBody,
      detail: {
        ...secured,
        summary: 'Figures from this robot\'s stored data, plus a narrative from Gemini when GEMINI_API_KEY is set',
        description: 'Without a key, or when the model fails or times out, the report is complete without the narrative and `narrative_error` says why.',
      },
    })
    .get('/reports', ({ headers, query }) => {
      auth('viewer', headers)
      return ctx.reports.list({ limit: query.limit, before: query.before })
    }, {
      query: t.Object({
        limit: t.Optional(t.Numeric({ minimum: 1, maximum: 200 })),
        before: t.Optional(t.Numeric({ minimum: 1, description: 'reports with a smaller id (paging)' })),
      }),
      detail: { ...secured, summary: 'Reports, newest first, without their figures' },
    })
    .get('/reports/:id', ({ headers, params }) => {
      auth('viewer', headers)
      const id = reportId(params.id)
      return ctx.reports.get(id) ?? (() => { throw notFound(id) })()
    }, { params: t.Object({ id: t.String({ maxLength: 40 }) }), detail: secured })
    .get('/reports/:id/pdf', async ({ headers, params }) => {
      auth('viewer', headers)
      const id = reportId(params.id)
      const pdf = await ctx.reports.pdf(id)
      if (!pdf) throw notFound(id)
      return new Response(new Uint8Array(pdf), {
        headers: {
          'content-type': 'application/pdf',
          'content-disposition': `attachment; filename="tonypi-report-${id}.pdf"`,
          'cache-control': 'no-store',
        },
      })
    }, { params: t.Object({ id: t.String({ maxLength: 40 }) }), detail: { ...secured, summary: 'The report as a PDF (charts, tables, narrative)' } })
}
