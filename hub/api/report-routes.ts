// `reports/*` on the hub (server/report-routes.ts): a report about one registered robot,
// or, without a robot_id (or with null), about the whole fleet.
import { HttpError } from '../../core/http-error.ts'
import { reportRoutes } from '../../server/report-routes.ts'
import type { HubContext } from '../context.ts'
import type { HubAuth } from './routes.ts'

/** What these routes use of the hub. */
type Needs = Pick<HubContext, 'records' | 'reports' | 'robots'>

/** Reports live in a PostgreSQL `serial` column. */
const MAX_PG_INTEGER = 2_147_483_647

export function hubReportRoutes(ctx: Needs, auth: HubAuth) {
  return reportRoutes<string | null>({
    auth,
    async subject(robotId) {
      if (robotId === undefined || robotId === null) return null
      const robot = await ctx.robots.get(robotId)
      if (!robot) throw new HttpError(404, 'not_found', `no robot ${robotId}`)
      return robot.robotId
    },
    generate: (req, user) => ctx.reports.generate({ report_type: req.report_type, robot_id: req.subject, time_range: req.time_range }, user),
    list: (q) => ctx.reports.list(q),
    get: (id) => ctx.reports.get(id),
    pdf: (id) => ctx.reports.pdf(id),
    async remove(id, user) {
      const gone = await ctx.reports.remove(id)
      if (gone)
        await ctx.records.log({
          robotId: null,
          level: 'info',
          category: 'reports',
          message: `report ${id} deleted by ${user}`,
          details: { id, by: user },
          ts: Date.now(),
        })
      return gone
    },
    exportName: 'fleet',
    maxReportId: MAX_PG_INTEGER,
    docs: {
      generate:
        "Figures from a robot's (or, without robot_id, every robot's) data in InfluxDB and Postgres, plus a narrative from Gemini when GEMINI_API_KEY is set",
      robotId: 'the robot the report is about; absent or null: the whole fleet (one summary row per robot, fleet totals, the robots needing attention)',
    },
  })
}
