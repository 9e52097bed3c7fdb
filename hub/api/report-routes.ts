// `reports/*` on the hub: generate a report about one of the fleet's robots, list and read
// them, and download one as PDF. Viewers read; generating (which may spend model quota) needs
// an operator. A fleet-wide report (no robot_id) is not offered yet: core/reports' input and
// figures describe one robot (see ReportInput.robotId, ServoSeries ids, the prompt's wording).
import { Elysia, t } from 'elysia'
import { HttpError } from '../../core/http-error.ts'
import { isReportType, REPORT_TYPES } from '../../core/reports/figures.ts'
import { TIME_RANGE_PRESETS, TimeRangeError, type TimeRange } from '../../core/reports/time-range.ts'
import type { Role } from '../../core/schemas.ts'
import type { HubContext } from '../context.ts'
import { ReportBusy } from '../reports/hub-reports.ts'
import { requireHubRole } from './auth.ts'

const secured = { security: [{ bearer: [] }] }

// The enums are documented with `enum` on plain strings and checked in the handler: the schema
// validator's message for a literal union names no value.
const GenerateBody = t.Object({
  report_type: t.String({ enum: [...REPORT_TYPES], description: REPORT_TYPES.join(' | ') }),
  time_range: t.Union([
    t.String({ enum: Object.keys(TIME_RANGE_PRESETS), description: 'counted back from now' }),
    t.Object({ from: t.Number({ description: 'epoch ms' }), to: t.Number({ description: 'epoch ms' }) }, { additionalProperties: false }),
  ]),
  robot_id: t.Optional(t.String({ maxLength: 64, description: 'the robot the report is about (required for now: fleet reports are not available yet)' })),
}, { additionalProperties: false })

/** Ids are parsed after the role check, so an anonymous caller learns nothing from a 400. */
function reportId(raw: string): number {
  const id = /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : NaN
  if (!Number.isSafeInteger(id) || id > 2_147_483_647) throw new HttpError(404, 'not_found', `no report ${JSON.stringify(raw.slice(0, 32))}`)
  return id
}

export function hubReportRoutes(ctx: HubContext) {
  const auth = (role: Role, headers: Record<string, string | undefined>) => requireHubRole(ctx, headers.authorization, role)
  const notFound = (id: number) => new HttpError(404, 'not_found', `no report ${id}`)

  return new Elysia()
    .post('/reports/generate', async ({ headers, body, set }) => {
      const u = await auth('operator', headers)
      if (!isReportType(body.report_type)) throw new HttpError(400, 'invalid_request', `report_type must be one of ${REPORT_TYPES.join(', ')}`)
      if (body.robot_id === undefined) {
        throw new HttpError(400, 'invalid_request', 'robot_id is required: the hub writes reports about one robot at a time (fleet reports are not available yet)')
      }
      const robot = await ctx.robots.get(body.robot_id)
      if (!robot) throw new HttpError(404, 'not_found', `no robot ${body.robot_id}`)
      try {
        const report = await ctx.reports.generate({ report_type: body.report_type, robot_id: robot.robotId, time_range: body.time_range as TimeRange }, u.username)
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
        summary: "Figures from a robot's data in InfluxDB and Postgres, plus a narrative from Gemini when GEMINI_API_KEY is set",
        description: 'Without a key, or when the model fails or times out, the report is complete without the narrative and `narrative_error` says why.',
      },
    })
    .get('/reports', async ({ headers, query }) => {
      await auth('viewer', headers)
      return ctx.reports.list({ robotId: query.robot_id, limit: query.limit, before: query.before })
    }, {
      query: t.Object({
        robot_id: t.Optional(t.String({ maxLength: 64 })),
        limit: t.Optional(t.Numeric({ minimum: 1, maximum: 200 })),
        before: t.Optional(t.Numeric({ minimum: 1, description: 'reports with a smaller id (paging)' })),
      }),
      detail: { ...secured, summary: 'Reports, newest first, without their figures' },
    })
    .get('/reports/:id', async ({ headers, params }) => {
      await auth('viewer', headers)
      const id = reportId(params.id)
      const r = await ctx.reports.get(id)
      if (!r) throw notFound(id)
      return r
    }, { params: t.Object({ id: t.String({ maxLength: 40 }) }), detail: secured })
    .get('/reports/:id/pdf', async ({ headers, params }) => {
      await auth('viewer', headers)
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
