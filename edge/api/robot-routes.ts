// The edge's own robot under /api/v1: its summary (viewers) and what people write about it,
// name, description, location and notes (admins, as the hub's robots are admins' to edit).
import { Elysia, t } from 'elysia'
import { changedDetails, ROBOT_EDITED_EVENT, RobotDetailsPatch } from '../../core/robot-details.ts'
import type { EdgeContext } from '../context.ts'
import { editRobotDetails, robotDetails } from '../robot-details.ts'
import type { EdgeAuth } from './routes.ts'
import { HttpError } from './errors.ts'
import { knownFields, OpenBody } from '../../server/params.ts'

/** What these routes use of the edge. */
type Needs = Pick<EdgeContext, 'bus' | 'db' | 'robotId' | 'state'>

const IdParam = t.Object({ id: t.String({ maxLength: 64 }) })

export function robotRoutes(ctx: Needs, auth: EdgeAuth) {
  const own = (id: string) => {
    if (id !== ctx.robotId) throw new HttpError(404, 'not_found', `this edge is robot ${ctx.robotId}`)
  }
  return new Elysia()
    .use(auth)
    .get('/robots', () => [robotSummary(ctx)], { auth: 'viewer' })
    .get(
      '/robots/:id',
      ({ params }) => {
        own(params.id)
        return robotSummary(ctx)
      },
      { auth: 'viewer', params: IdParam },
    )
    .put(
      '/robots/:id',
      ({ principal, params, body }) => {
        own(params.id)
        const { before, after } = editRobotDetails(ctx.db, knownFields(body, RobotDetailsPatch.properties, 'a robot'))
        const fields = changedDetails(before, after)
        if (fields.length)
          ctx.bus.event(ROBOT_EDITED_EVENT, 'info', {
            by: principal.username,
            fields,
            // Whole, so the hub keeps the same details (the event's time is the edit's).
            details: after,
            message: `robot details (${fields.join(', ')}) edited by ${principal.username}`,
          })
        return robotSummary(ctx)
      },
      {
        auth: 'admin',
        params: IdParam,
        body: OpenBody(RobotDetailsPatch.properties, { minProperties: 1 }),
        detail: { summary: "Edit this robot's name, description, location and notes (partial; null or blank clears a field)" },
      },
    )
}

function robotSummary(ctx: Needs) {
  const st = ctx.state.status(Date.now())
  return {
    robot_id: ctx.robotId,
    ...robotDetails(ctx.db),
    profile: st.profile,
    online: true,
    estopped: st.estopped,
    last_seen: ctx.state.lastSampleTs,
    battery: st.battery,
    servos: { count: st.servos.length, stale: st.servos.filter((s) => s.stale).length },
  }
}
