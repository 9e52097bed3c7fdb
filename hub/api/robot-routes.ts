// The hub's registry of robots: admins register, delete, rotate and revoke them; viewers see
// them and their latest status. Each change reaches the broker's files and the bridge.
import { Elysia, t } from 'elysia'
import { HttpError } from '../../core/http-error.ts'
import { RobotId } from '../../core/schemas.ts'
import { isValidRobotId } from '../../core/topics.ts'
import type { HubContext } from '../context.ts'
import { repoError, robotOr404, robotViewer, type RobotLookupSource } from './robot-lookup.ts'
import { hubRobotDetailsRoutes } from './robot-details-routes.ts'
import type { HubAuth } from './routes.ts'

/** What these routes use of the hub. */
type Needs = Pick<HubContext, 'bridge' | 'live' | 'records' | 'robots' | 'syncBrokerAuth'> & RobotLookupSource

const RobotParam = t.Object({ id: t.String({ maxLength: 64 }) })

export function hubRobotRoutes(ctx: Needs, auth: HubAuth) {
  const view = robotViewer(ctx)
  /** After robots or their credentials change: the broker's files, and the bridge's list. */
  const robotsChanged = async () => {
    await ctx.syncBrokerAuth()
    await ctx.bridge.refreshRobots()
  }
  return new Elysia()
    .use(auth)
    .get('/robots', async () => (await ctx.robots.list()).map(view), { auth: 'viewer' })
    .post(
      '/robots',
      async ({ principal, body, set }) => {
        if (!isValidRobotId(body.robot_id)) throw new HttpError(400, 'invalid_request', `robot_id ${JSON.stringify(body.robot_id)} is reserved or invalid`)
        const { robot, credential } = await ctx.robots.create({ robotId: body.robot_id, name: body.name }).catch(repoError)
        await robotsChanged()
        await ctx.records.log({
          robotId: robot.robotId,
          level: 'info',
          category: 'robots',
          message: `robot ${robot.robotId} registered by ${principal.username}`,
          ts: Date.now(),
        })
        set.status = 201
        return { ...view(robot), credential }
      },
      {
        auth: 'admin',
        body: t.Object({ robot_id: RobotId, name: t.Optional(t.String({ maxLength: 100 })) }),
        detail: { description: 'The credential token is shown once.' },
      },
    )
    .get('/robots/:id', async ({ params }) => view(await robotOr404(ctx, params.id)), { auth: 'viewer', params: RobotParam })
    .get(
      '/robots/:id/credential',
      async ({ params }) => {
        const r = await robotOr404(ctx, params.id)
        return {
          robot_id: r.robotId,
          username: r.credentialUsername,
          revoked: r.revokedAt !== null,
          rotated_at: r.credentialRotatedAt?.getTime() ?? null,
          revoked_at: r.revokedAt?.getTime() ?? null,
        }
      },
      {
        auth: { allow: ['admin', 'robot'], robotParam: 'id' },
        params: RobotParam,
        detail: {
          summary:
            "A robot's credential: its account, when it was issued, whether it is revoked (never the token). A robot may ask about itself, to check its credential",
        },
      },
    )
    .get(
      '/robots/:id/status',
      async ({ params }) => {
        const r = await robotOr404(ctx, params.id)
        return ctx.live.status(r.robotId, r.profile, Date.now())
      },
      {
        auth: 'viewer',
        params: RobotParam,
        detail: {
          summary: "A robot's latest servos, IMU and battery, in the edge's robot/status shape; for one not heard from yet, its servos with nothing measured",
        },
      },
    )
    .delete(
      '/robots/:id',
      async ({ params }) => {
        await ctx.robots.delete(params.id).catch(repoError)
        await robotsChanged()
        return { ok: true }
      },
      { auth: 'admin', params: RobotParam },
    )
    .post(
      '/robots/:id/credential/rotate',
      async ({ params }) => {
        const credential = await ctx.robots.rotate(params.id).catch(repoError)
        await robotsChanged()
        return { robot_id: params.id, credential }
      },
      { auth: 'admin', params: RobotParam },
    )
    .post(
      '/robots/:id/credential/revoke',
      async ({ params }) => {
        await ctx.robots.revoke(params.id).catch(repoError)
        await robotsChanged()
        return { ok: true }
      },
      { auth: 'admin', params: RobotParam },
    )
    .use(hubRobotDetailsRoutes(ctx, auth))
}
