// The hub's REST API under /api/v1: the fleet's users and robots, their status, telemetry
// from InfluxDB, jobs, alerts and logs from Postgres, and commands routed over MQTT.
import { lazyOpenApi } from '../../core/openapi-document.ts'
import { Value } from '@sinclair/typebox/value'
import { and, desc, eq, gte, lte, type SQL } from 'drizzle-orm'
import { Elysia, t } from 'elysia'
import { apiErrorHandler, HttpError } from '../../core/http-error.ts'
import { Command, Password, PublicUser, Role, RobotId, Username } from '../../core/schemas.ts'
import { parseFieldsParam } from '../../core/history-query.ts'
import { STREAM_NAMES } from '../../core/streams.ts'
import { signToken } from '../../core/token.ts'
import { isValidRobotId } from '../../core/topics.ts'
import { HubUserError } from '../auth/user-repo.ts'
import type { HubContext } from '../context.ts'
import { commands, jobs } from '../db/schema.ts'
import { jobRecord } from '../records.ts'
import { hubLogRoutes } from './log-routes.ts'
import { RobotError, robotView } from '../robots/robot-repo.ts'
import { requireHubRole } from './auth.ts'
import { hubAlertRoutes } from './alert-routes.ts'
import { hubHealth } from './health.ts'
import { hubReportRoutes } from './report-routes.ts'

const TOKEN_TTL_S = 12 * 3600
const secured = { security: [{ bearer: [] }] }

function repoError(err: unknown): never {
  if (err instanceof HubUserError || err instanceof RobotError) throw new HttpError(err.status, err.status === 404 ? 'not_found' : 'conflict', err.message)
  throw err
}

const Window = {
  from: t.Optional(t.Numeric({ description: 'epoch ms' })),
  to: t.Optional(t.Numeric({ description: 'epoch ms' })),
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000 })),
  offset: t.Optional(t.Numeric({ minimum: 0, maximum: 1_000_000 })),
}

export function createHubApi(ctx: HubContext) {
  const need = (role: Role) => (headers: Record<string, string | undefined>) => requireHubRole(ctx, headers.authorization, role)
  const robotOr404 = async (id: string) => {
    const r = await ctx.robots.get(id)
    if (!r) throw new HttpError(404, 'not_found', `no robot ${id}`)
    return r
  }

  return new Elysia({ prefix: '/api/v1' })
    .use(lazyOpenApi({ title: 'TonyPi hub API', version: '1' }))
    .onError(apiErrorHandler(ctx.log))

    .get('/health', async ({ set }) => {
      const h = await hubHealth(ctx)
      set.status = h.status === 'ok' ? 200 : 503
      return h
    }, { detail: { summary: 'Real checks of Postgres, InfluxDB and the broker; 503 names the failing one' } })

    .post('/auth/login', async ({ body }) => {
      const u = await ctx.users.verify(body.username, body.password)
      if (!u) throw new HttpError(401, 'unauthorized', 'wrong username or password')
      const { tokenVersion, ...user } = u
      await ctx.records.log({ robotId: null, level: 'info', category: 'auth', message: `login ${u.username}`, ts: Date.now() })
      return { access_token: signToken({ sub: u.username, uid: u.id, role: u.role, ver: tokenVersion }, ctx.jwtSecret, TOKEN_TTL_S), token_type: 'bearer' as const, expires_in: TOKEN_TTL_S, user }
    }, { body: t.Object({ username: t.String({ minLength: 1, maxLength: 64 }), password: t.String({ minLength: 1, maxLength: 256 }) }) })
    .get('/auth/me', async ({ headers }) => {
      const me = await need('viewer')(headers)
      const { tokenVersion: _v, ...u } = (await ctx.users.get(me.uid))!
      return u
    }, { response: PublicUser, detail: secured })
    .post('/auth/me/password', async ({ headers, body }) => {
      const me = await need('viewer')(headers)
      if (!(await ctx.users.verify(me.username, body.current_password))) throw new HttpError(403, 'forbidden', 'the current password is wrong')
      await ctx.users.update(me.uid, { password: body.new_password })
      await ctx.syncBrokerAuth()
      return { ok: true }
    }, { body: t.Object({ current_password: t.String({ maxLength: 256 }), new_password: Password }), detail: secured })

    .get('/users', async ({ headers }) => { await need('admin')(headers); return ctx.users.list() }, { detail: secured })
    .post('/users', async ({ headers, body, set }) => {
      await need('admin')(headers)
      const u = await ctx.users.create(body).catch(repoError)
      await ctx.syncBrokerAuth()
      set.status = 201
      return u
    }, { body: t.Object({ username: Username, password: Password, role: Role, email: t.Optional(t.Union([t.String({ format: 'email', maxLength: 254 }), t.Null()])) }), detail: secured })
    .get('/users/:id', async ({ headers, params }) => {
      await need('admin')(headers)
      const u = await ctx.users.get(params.id)
      if (!u) throw new HttpError(404, 'not_found', `no user ${params.id}`)
      const { tokenVersion: _v, ...pub } = u
      return pub
    }, { params: t.Object({ id: t.Integer({ minimum: 1 }) }), detail: secured })
    .put('/users/:id', async ({ headers, params, body }) => {
      await need('admin')(headers)
      const u = await ctx.users.update(params.id, body).catch(repoError)
      await ctx.syncBrokerAuth()
      return u
    }, {
      params: t.Object({ id: t.Integer({ minimum: 1 }) }),
      body: t.Object({ password: t.Optional(Password), role: t.Optional(Role), email: t.Optional(t.Union([t.String({ format: 'email', maxLength: 254 }), t.Null()])) }, { minProperties: 1 }),
      detail: secured,
    })
    .delete('/users/:id', async ({ headers, params }) => {
      const me = await need('admin')(headers)
      if (me.uid === params.id) throw new HttpError(409, 'conflict', 'you cannot delete yourself')
      await ctx.users.delete(params.id).catch(repoError)
      await ctx.syncBrokerAuth()
      return { ok: true }
    }, { params: t.Object({ id: t.Integer({ minimum: 1 }) }), detail: secured })

    .get('/robots', async ({ headers }) => {
      await need('viewer')(headers)
      return (await ctx.robots.list()).map(robotView)
    }, { detail: secured })
    .post('/robots', async ({ headers, body, set }) => {
      const me = await need('admin')(headers)
      if (!isValidRobotId(body.robot_id)) throw new HttpError(400, 'invalid_request', `robot_id ${JSON.stringify(body.robot_id)} is reserved or invalid`)
      const { robot, credential } = await ctx.robots.create({ robotId: body.robot_id, name: body.name }).catch(repoError)
      await ctx.syncBrokerAuth()
      await ctx.bridge.refreshRobots()
      await ctx.records.log({ robotId: robot.robotId, level: 'info', category: 'robots', message: `robot ${robot.robotId} registered by ${me.username}`, ts: Date.now() })
      set.status = 201
      return { ...robotView(robot), credential }
    }, { body: t.Object({ robot_id: RobotId, name: t.Optional(t.String({ maxLength: 100 })) }), detail: { ...secured, description: 'The credential token is shown once.' } })
    .get('/robots/:id', async ({ headers, params }) => {
      await need('viewer')(headers)
      return robotView(await robotOr404(params.id))
    }, { params: t.Object({ id: t.String({ maxLength: 64 }) }), detail: secured })
    .get('/robots/:id/status', async ({ headers, params }) => {
      await need('viewer')(headers)
      const r = await robotOr404(params.id)
      return ctx.live.status(r.robotId, r.profile, Date.now())
    }, { params: t.Object({ id: t.String({ maxLength: 64 }) }), detail: { ...secured, summary: "A robot's latest servos, IMU and battery, in the edge's robot/status shape; for one not heard from yet, its servos with nothing measured" } })
    .delete('/robots/:id', async ({ headers, params }) => {
      await need('admin')(headers)
      await ctx.robots.delete(params.id).catch(repoError)
      await ctx.syncBrokerAuth()
      await ctx.bridge.refreshRobots()
      return { ok: true }
    }, { params: t.Object({ id: t.String({ maxLength: 64 }) }), detail: secured })
    .post('/robots/:id/credential/rotate', async ({ headers, params }) => {
      await need('admin')(headers)
      const credential = await ctx.robots.rotate(params.id).catch(repoError)
      await ctx.syncBrokerAuth()
      await ctx.bridge.refreshRobots()
      return { robot_id: params.id, credential }
    }, { params: t.Object({ id: t.String({ maxLength: 64 }) }), detail: secured })
    .post('/robots/:id/credential/revoke', async ({ headers, params }) => {
      await need('admin')(headers)
      await ctx.robots.revoke(params.id).catch(repoError)
      await ctx.syncBrokerAuth()
      await ctx.bridge.refreshRobots()
      return { ok: true }
    }, { params: t.Object({ id: t.String({ maxLength: 64 }) }), detail: secured })

    .get('/robot/status', async ({ headers, query }) => {
      await need('viewer')(headers)
      const list = query.robot_id ? [await robotOr404(query.robot_id)] : await ctx.robots.list()
      return list.map((r) => ({ ...robotView(r), online: ctx.bridge.isOnline(r.robotId) }))
    }, { query: t.Object({ robot_id: t.Optional(t.String({ maxLength: 64 })) }), detail: secured })
    .get('/robot/sensors', async ({ headers, query }) => {
      await need('viewer')(headers)
      await robotOr404(query.robot_id)
      return ctx.telemetry.sensors({
        robotId: query.robot_id, stream: query.stream, from: query.from, to: query.to, resolution: query.resolution,
        servoId: query.servo_id, sensor: query.source, fields: parseFieldsParam(query.fields), limit: query.limit,
      }, Date.now())
    }, {
      query: t.Object({
        robot_id: t.String({ maxLength: 64 }),
        stream: t.Union(STREAM_NAMES.map((s) => t.Literal(s))),
        from: t.Optional(t.Numeric()), to: t.Optional(t.Numeric()),
        resolution: t.Optional(t.String({ maxLength: 8 })),
        servo_id: t.Optional(t.Numeric({ minimum: 0, maximum: 253 })),
        source: t.Optional(t.String({ maxLength: 64 })),
        fields: t.Optional(t.String({ maxLength: 512, description: 'comma-separated: only these fields (default all)' })),
        limit: t.Optional(t.Numeric({ minimum: 1, maximum: 100000 })),
      }),
      detail: secured,
    })
    .get('/pi/performance', async ({ headers, query }) => {
      await need('viewer')(headers)
      await robotOr404(query.robot_id)
      return ctx.telemetry.performance({ robotId: query.robot_id, from: query.from, to: query.to, resolution: query.resolution }, Date.now())
    }, { query: t.Object({ robot_id: t.String({ maxLength: 64 }), from: t.Optional(t.Numeric()), to: t.Optional(t.Numeric()), resolution: t.Optional(t.String({ maxLength: 8 })) }), detail: secured })

    .get('/jobs', async ({ headers, query }) => {
      await need('viewer')(headers)
      const where: SQL[] = []
      if (query.robot_id) where.push(eq(jobs.robotId, query.robot_id))
      if (query.status) where.push(eq(jobs.status, query.status))
      if (query.from !== undefined) where.push(gte(jobs.startedAt, new Date(query.from)))
      if (query.to !== undefined) where.push(lte(jobs.startedAt, new Date(query.to)))
      const rows = await ctx.db.select().from(jobs).where(and(...where)).orderBy(desc(jobs.startedAt)).limit(query.limit ?? 100).offset(query.offset ?? 0)
      return rows.map(jobRecord)
    }, { query: t.Object({ robot_id: t.Optional(t.String({ maxLength: 64 })), status: t.Optional(t.Union(['started', 'in_progress', 'completed', 'cancelled', 'failed'].map((s) => t.Literal(s)))), ...Window }), detail: secured })
    .use(hubLogRoutes(ctx))

    .use(hubAlertRoutes(ctx))
    .use(hubReportRoutes(ctx))

    .post('/command', async ({ headers, body, set }) => {
      const me = await need('operator')(headers)
      const { robot_id, id: given, ...command } = body as Record<string, unknown> & { robot_id: string; id?: string }
      const robot = await robotOr404(robot_id)
      if (robot.revokedAt) throw new HttpError(409, 'conflict', `robot ${robot_id} is revoked`)
      if (!Value.Check(Command, command)) {
        const e = Value.Errors(Command, command).First()
        throw new HttpError(400, 'invalid_request', `invalid command${e ? `: ${e.path || '/'} ${e.message}` : ''}`)
      }
      const id = typeof given === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(given) ? given : crypto.randomUUID()
      await ctx.db.insert(commands).values({ id, robotId: robot_id, username: me.username, type: String(command.type), body: command, state: 'sent' })
      const reply = await ctx.bridge.command(robot_id, id, command, robot.legacy, ctx.config.commandTimeoutMs)
      const state = reply ? (['accepted', 'done', 'rejected', 'failed'].includes(reply.state) ? reply.state : 'failed') : 'timeout'
      await ctx.db.update(commands).set({ state: state as 'accepted', reason: reply?.reason ?? (reply ? null : 'no reply in time'), updatedAt: new Date() }).where(eq(commands.id, id))
      set.status = state === 'timeout' ? 504 : state === 'rejected' ? 409 : state === 'failed' ? 502 : 200
      return { id, robot_id, type: command.type, state, reason: reply?.reason ?? (reply ? undefined : `no reply from ${robot_id} within ${ctx.config.commandTimeoutMs} ms`) }
    }, {
      body: t.Object({ robot_id: t.String({ maxLength: 64 }), id: t.Optional(t.String({ maxLength: 64 })), type: t.String() }, { additionalProperties: true }),
      detail: { ...secured, description: 'Routed to the robot over MQTT; answers with its reply or a timeout.' },
    })
}
