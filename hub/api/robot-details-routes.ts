// PUT robots/{id} on the hub: what people write about a robot (name, description, location,
// notes), admins only, as the registry of robots is theirs; each edit is in the fleet's log.
import { Elysia, t } from 'elysia'
import { HttpError } from '../../core/http-error.ts'
import { changedDetails, RobotDetailsPatch } from '../../core/robot-details.ts'
import type { HubContext } from '../context.ts'
import { RobotError, robotView } from '../robots/robot-repo.ts'
import type { HubAuth } from './routes.ts'
import { knownFields, OpenBody } from '../../server/params.ts'

/** What these routes use of the hub. */
type Needs = Pick<HubContext, 'bridge' | 'legacyListener' | 'records' | 'robots'>

export function hubRobotDetailsRoutes(ctx: Needs, auth: HubAuth) {
  return new Elysia().use(auth).put(
    '/robots/:id',
    async ({ principal, params, body }) => {
      let r
      try {
        r = await ctx.robots.editDetails(params.id, knownFields(body, RobotDetailsPatch.properties, 'a robot'))
      } catch (err) {
        if (err instanceof RobotError) throw new HttpError(err.status, 'not_found', err.message)
        throw err
      }
      const fields = changedDetails(r.before, r.after)
      if (fields.length) {
        await ctx.records.log({
          robotId: params.id,
          level: 'info',
          category: 'robots',
          ts: Date.now(),
          message: `robot ${params.id} details (${fields.join(', ')}) edited by ${principal.username}`,
          details: { fields, by: principal.username },
        })
        // The robot keeps them too (its own dashboard shows them).
        await ctx.bridge.askToPull(params.id)
      }
      return robotView(r.after, ctx.legacyListener?.admitted)
    },
    {
      auth: 'admin',
      params: t.Object({ id: t.String({ maxLength: 64 }) }),
      body: OpenBody(RobotDetailsPatch.properties, { minProperties: 1 }),
      detail: { summary: "Edit a robot's name, description, location and notes (partial; null or blank clears a field)" },
    },
  )
}
