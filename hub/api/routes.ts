// The hub's REST API under /api/v1: the fleet's users and robots, their status, telemetry
// from InfluxDB, jobs, alerts and logs from Postgres, and commands routed over MQTT.
import { lazyOpenApi } from '../../server/openapi-document.ts'
import { Value } from '@sinclair/typebox/value'
import { and, desc, eq, gte, isNull, lte, type SQL } from 'drizzle-orm'
import { Elysia, t } from 'elysia'
import { EpochMs } from '../../server/params.ts'
import { apiErrorHandler, HttpError } from '../../core/http-error.ts'
import { Command, RobotId } from '../../core/schemas.ts'
import { parseFieldsParam } from '../../core/history-query.ts'
import { STREAM_NAMES } from '../../core/streams.ts'
import { isValidRobotId } from '../../core/topics.ts'
import type { HubContext } from '../context.ts'
import { commands, jobs } from '../db/schema.ts'
import { jobRecord } from '../records.ts'
import { hubLogRoutes } from './log-routes.ts'
import { hubJobRoutes } from './job-routes.ts'
import { hubRobotDetailsRoutes } from './robot-details-routes.ts'
import { RobotError, robotView } from '../robots/robot-repo.ts'
import { accountRoutes } from '../../server/account-routes.ts'
import { assertEveryRouteDeclaresAuth, authPlugin } from '../../server/auth-plugin.ts'
import { hubAlertRoutes } from './alert-routes.ts'
import { hubHealth } from './health.ts'
import { hubReportRoutes } from './report-routes.ts'
import { hubSyncRoutes } from '../sync/sync-routes.ts'
import { fleetRoutes } from './fleet-routes.ts'
import { certificateFingerprint } from '../../sync/ca-fingerprint.ts'
import { hubMetricsRoutes } from './metrics-routes.ts'
import { HubMetrics } from '../metrics.ts'

function repoError(err: unknown): never {
  if (err instanceof RobotError) throw new HttpError(err.status, err.status === 404 ? 'not_found' : 'conflict', err.message)
  throw err
}

const Window = {
  from: t.Optional(EpochMs('epoch ms')),
  to: t.Optional(EpochMs('epoch ms')),
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000 })),
  offset: t.Optional(t.Numeric({ minimum: 0, maximum: 1_000_000 })),
}
const RobotParam = t.Object({ id: t.String({ maxLength: 64 }) })

export type HubAuth = ReturnType<typeof authPlugin>

export function createHubApi(ctx: HubContext) {
  const auth = authPlugin(ctx.authSources)
  const robotOr404 = async (id: string) => {
    const r = await ctx.robots.get(id)
    if (!r) throw new HttpError(404, 'not_found', `no robot ${id}`)
    return r
  }
  const unauthenticated = ctx.legacyListener?.admitted
  const view = (r: Parameters<typeof robotView>[0]) => robotView(r, unauthenticated)
  /** After robots or their credentials change: the broker's files, and the bridge's list. */
  const robotsChanged = async () => {
    await ctx.syncBrokerAuth()
    await ctx.bridge.refreshRobots()
  }

  const metrics = ctx.metrics ?? (ctx.metrics = new HubMetrics())
  const app = new Elysia({ prefix: '/api/v1' })
    .use(metrics.http.plugin())
    .use(lazyOpenApi({ title: 'TonyPi hub API', version: '1' }, { auth }))
    .onError(apiErrorHandler(ctx.log))
    .use(auth)

    .get(
      '/health',
      async ({ set }) => {
        const h = await hubHealth(ctx)
        set.status = h.status === 'ok' ? 200 : 503
        return h
      },
      { auth: 'public', detail: { summary: 'Real checks of Postgres, InfluxDB and the broker; 503 names the failing one' } },
    )
    .get(
      '/tls/ca',
      () => {
        if (!ctx.tlsCa)
          throw new HttpError(404, 'not_found', "this hub has no CA of its own (TONYPI_HUB_TLS_CA): robots trust its certificate through their system's CAs")
        return { ca: ctx.tlsCa, fingerprint: certificateFingerprint(ctx.tlsCa) }
      },
      {
        auth: 'public',
        detail: {
          summary:
            "The CA that signed the hub's certificate (PEM), for a robot to pin once a person has compared its fingerprint with the one the hub printed (npm run edge:register does)",
        },
      },
    )

    .use(
      accountRoutes({
        auth,
        users: ctx.users,
        secret: ctx.jwtSecret,
        throttle: ctx.throttle,
        hashGate: ctx.authSources.hashGate,
        async audit({ ok, username, addr, reason }) {
          if (ok) ctx.log.info('login', { username, addr })
          else ctx.log.warn('login failed', { username, addr, reason })
          await ctx.records.log({
            robotId: null,
            level: ok ? 'info' : 'warn',
            category: 'auth',
            ts: Date.now(),
            message: ok ? `login ${username} from ${addr}` : `failed login for ${JSON.stringify(username)} from ${addr}: ${reason}`,
            details: { username, addr, ok, ...(reason ? { reason } : {}) },
          })
        },
        async changed(uid) {
          ctx.live.endSessionsOf(uid)
          await ctx.syncBrokerAuth()
        },
      }),
    )
    .post(
      '/auth/me/mqtt-credential',
      async ({ principal }) => {
        const credential = await ctx.users.issueBrokerSecret((principal as { uid: number }).uid)
        await ctx.syncBrokerAuth()
        return { credential }
      },
      {
        auth: 'viewer',
        detail: {
          summary:
            "A new secret for the fleet broker (shown once; it replaces the previous one). The broker never takes people's passwords: it cannot throttle guessing, and a generated secret cannot be guessed",
        },
      },
    )

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
    .get('/robots/:id', async ({ params }) => view(await robotOr404(params.id)), { auth: 'viewer', params: RobotParam })
    .get(
      '/robots/:id/credential',
      async ({ params }) => {
        const r = await robotOr404(params.id)
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
        const r = await robotOr404(params.id)
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

    .get(
      '/robot/status',
      async ({ query }) => {
        const list = query.robot_id ? [await robotOr404(query.robot_id)] : await ctx.robots.list()
        return list.map((r) => ({ ...view(r), online: ctx.bridge.isOnline(r.robotId) }))
      },
      { auth: 'viewer', query: t.Object({ robot_id: t.Optional(t.String({ maxLength: 64 })) }) },
    )
    .get(
      '/robot/sensors',
      async ({ query }) => {
        await robotOr404(query.robot_id)
        return ctx.telemetry.sensors(
          {
            robotId: query.robot_id,
            stream: query.stream,
            from: query.from,
            to: query.to,
            resolution: query.resolution,
            servoId: query.servo_id,
            sensor: query.source,
            fields: parseFieldsParam(query.fields),
            limit: query.limit,
          },
          Date.now(),
        )
      },
      {
        auth: 'viewer',
        query: t.Object({
          robot_id: t.String({ maxLength: 64 }),
          stream: t.Union(STREAM_NAMES.map((s) => t.Literal(s))),
          from: t.Optional(EpochMs()),
          to: t.Optional(EpochMs()),
          resolution: t.Optional(t.String({ maxLength: 8 })),
          servo_id: t.Optional(t.Numeric({ minimum: 0, maximum: 253 })),
          source: t.Optional(t.String({ maxLength: 64 })),
          fields: t.Optional(t.String({ maxLength: 512, description: 'comma-separated: only these fields (default all)' })),
          limit: t.Optional(t.Numeric({ minimum: 1, maximum: 100000 })),
        }),
      },
    )
    .get(
      '/pi/performance',
      async ({ query }) => {
        await robotOr404(query.robot_id)
        return ctx.telemetry.performance({ robotId: query.robot_id, from: query.from, to: query.to, resolution: query.resolution }, Date.now())
      },
      {
        auth: 'viewer',
        query: t.Object({
          robot_id: t.String({ maxLength: 64 }),
          from: t.Optional(EpochMs()),
          to: t.Optional(EpochMs()),
          resolution: t.Optional(t.String({ maxLength: 8 })),
        }),
      },
    )

    .get(
      '/commands',
      async ({ query }) => {
        const where: SQL[] = []
        if (query.robot_id) where.push(eq(commands.robotId, query.robot_id))
        if (query.from !== undefined) where.push(gte(commands.createdAt, new Date(query.from)))
        if (query.to !== undefined) where.push(lte(commands.createdAt, new Date(query.to)))
        const rows = await ctx.db
          .select()
          .from(commands)
          .where(and(...where))
          .orderBy(desc(commands.createdAt))
          .limit(query.limit ?? 100)
          .offset(query.offset ?? 0)
        return rows.map((c) => ({
          id: c.id,
          robot_id: c.robotId,
          type: c.type,
          state: c.state,
          reason: c.reason,
          user: c.username,
          origin: c.origin,
          ts: c.createdAt.getTime(),
          updated_at: c.updatedAt.getTime(),
          body: c.body,
          synced: c.edgeSeq !== null,
        }))
      },
      {
        auth: 'viewer',
        query: t.Object({ robot_id: t.Optional(t.String({ maxLength: 64 })), ...Window }),
        detail: {
          summary:
            "The command audit, newest first: commands sent from the hub and, synced, those given on each robot (the robot's outcome where it has reported it)",
        },
      },
    )
    .get(
      '/jobs',
      async ({ query }) => {
        const where: SQL[] = []
        if (query.robot_id) where.push(eq(jobs.robotId, query.robot_id))
        if (query.status) where.push(eq(jobs.status, query.status))
        if (query.from !== undefined) where.push(gte(jobs.startedAt, new Date(query.from)))
        if (query.to !== undefined) where.push(lte(jobs.startedAt, new Date(query.to)))
        const rows = await ctx.db
          .select()
          .from(jobs)
          .where(and(...where))
          .orderBy(desc(jobs.startedAt))
          .limit(query.limit ?? 100)
          .offset(query.offset ?? 0)
        return rows.map(jobRecord)
      },
      {
        auth: 'viewer',
        query: t.Object({
          robot_id: t.Optional(t.String({ maxLength: 64 })),
          status: t.Optional(t.Union(['queued', 'started', 'in_progress', 'completed', 'cancelled', 'failed'].map((s) => t.Literal(s)))),
          ...Window,
        }),
      },
    )
    .use(hubJobRoutes(ctx, auth))
    .use(hubRobotDetailsRoutes(ctx, auth))
    .use(hubLogRoutes(ctx, auth))
    .use(hubAlertRoutes(ctx, auth))
    .use(hubReportRoutes(ctx, auth))

    .use(hubSyncRoutes(ctx, auth))
    .use(fleetRoutes(ctx, auth))
    .use(hubMetricsRoutes(ctx, auth, metrics))

    .post(
      '/command',
      async ({ principal, body, set }) => {
        const { robot_id, id: given, ...command } = body as Record<string, unknown> & { robot_id: string; id?: string }
        const robot = await robotOr404(robot_id)
        if (robot.revokedAt) throw new HttpError(409, 'conflict', `robot ${robot_id} is revoked`)
        if (!Value.Check(Command, command)) {
          const e = Value.Errors(Command, command).First()
          throw new HttpError(400, 'invalid_request', `invalid command${e ? `: ${e.path || '/'} ${e.message}` : ''}`)
        }
        // Never queued for a robot that is away: a motion replayed when it comes back is a hazard.
        if (!ctx.bridge.isOnline(robot_id)) {
          const seen = robot.lastSeenAt ? `last heard ${new Date(robot.lastSeenAt).toISOString()}` : 'never heard from'
          throw new HttpError(409, 'not_connected', `robot ${robot_id} is not connected (${seen}): commands are sent only to a connected robot, never queued`)
        }
        const id = typeof given === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(given) ? given : crypto.randomUUID()
        const inserted = await ctx.db
          .insert(commands)
          .values({ id, robotId: robot_id, username: principal.username, type: String(command.type), body: command, state: 'sent' })
          .onConflictDoNothing()
          .returning({ id: commands.id })
        if (!inserted.length) throw new HttpError(409, 'conflict', `robot ${robot_id} already has a command ${id}`)
        const reply = await ctx.bridge.command(robot_id, id, command, robot.legacy, ctx.config.commandTimeoutMs, principal.username)
        const state = reply ? (['accepted', 'done', 'rejected', 'failed', 'sent'].includes(reply.state) ? reply.state : 'failed') : 'timeout'
        await ctx.db
          .update(commands)
          .set({ state: state as 'accepted', reason: reply?.reason ?? (reply ? null : 'no reply in time'), updatedAt: new Date() })
          .where(and(eq(commands.robotId, robot_id), eq(commands.id, id), isNull(commands.edgeSeq)))
        set.status = state === 'timeout' ? 504 : state === 'rejected' ? 409 : state === 'failed' ? 502 : state === 'sent' ? 202 : 200
        return {
          id,
          robot_id,
          type: command.type,
          state,
          reason: reply?.reason ?? (reply ? undefined : `no reply from ${robot_id} within ${ctx.config.commandTimeoutMs} ms`),
        }
      },
      {
        auth: { allow: 'operator', body: { maxBytes: 4096, maxDepth: 4 } },
        body: t.Object(
          { robot_id: t.String({ maxLength: 64 }), id: t.Optional(t.String({ maxLength: 64 })), type: t.String({ maxLength: 40 }) },
          { additionalProperties: true },
        ),
        detail: { description: 'Routed to the robot over MQTT; answers with its reply or a timeout.' },
      },
    )
  assertEveryRouteDeclaresAuth(app)
  return app
}
