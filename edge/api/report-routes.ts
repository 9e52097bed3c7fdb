// `reports/*` on the edge (server/report-routes.ts): reports about this robot only.
import { reportRoutes as sharedReportRoutes } from '../../server/report-routes.ts'
import type { EdgeContext } from '../context.ts'
import type { EdgeAuth } from './routes.ts'
import { HttpError } from './errors.ts'

/** What these routes use of the edge. */
type Needs = Pick<EdgeContext, 'bus' | 'reports' | 'robotId'>

export function reportRoutes(ctx: Needs, auth: EdgeAuth) {
  return sharedReportRoutes<void>({
    auth,
    subject(robotId) {
      if (robotId === null) throw new HttpError(400, 'invalid_request', `an edge writes reports about its own robot (${ctx.robotId}) only: omit robot_id`)
      if (robotId !== undefined && robotId !== ctx.robotId) throw new HttpError(404, 'not_found', `this edge is robot ${ctx.robotId}`)
    },
    generate: (req, user) => ctx.reports.generate({ report_type: req.report_type, time_range: req.time_range }, user),
    // This robot's reports are all there is: a filter naming another robot, or the fleet, finds none.
    list: (q) => ((q.robotId !== undefined && q.robotId !== ctx.robotId) || q.scope === 'fleet' ? [] : ctx.reports.list({ limit: q.limit, before: q.before })),
    get: (id) => ctx.reports.get(id),
    pdf: (id) => ctx.reports.pdf(id),
    remove(id, user) {
      const gone = ctx.reports.remove(id)
      if (gone) ctx.bus.event('report.deleted', 'info', { id, by: user, message: `report ${id} deleted by ${user}` })
      return gone
    },
    exportName: ctx.robotId,
    maxReportId: Number.MAX_SAFE_INTEGER,
    docs: {
      generate: "Figures from this robot's stored data, plus a narrative from Gemini when GEMINI_API_KEY is set",
      robotId: 'this robot, if given',
    },
  })
}
