// The edge's REST API under /api/v1. Schemas are declared on each route: they validate
// input, type the handlers and generate the OpenAPI document.
import { Elysia, t } from 'elysia'
import { Command, CommandOutcome, Password, PublicUser, Role, RobotStatus, Username } from '../../core/schemas.ts'
import { STREAM_NAMES, type StreamName } from '../../core/streams.ts'
import { signToken } from '../../core/token.ts'
import { UserError } from '../auth/user-store.ts'
import type { EdgeContext } from '../context.ts'
import { decodeThrottled } from '../performance/parse.ts'
import { requireRole } from './auth.ts'
import { docsPage } from './docs-page.ts'
import { lazyOpenApi } from '../../core/openapi-document.ts'
import { apiErrorHandler, HttpError } from '../../core/http-error.ts'
import { alertRoutes } from './alert-routes.ts'
import { health } from './health.ts'
import { reportRoutes } from './report-routes.ts'
import { jobRoutes } from './job-routes.ts'
import { logRoutes } from './log-routes.ts'
import { parseFieldsParam } from '../../core/history-query.ts'
import { sensorHistory } from './sensor-history.ts'
import { simRoutes } from './sim-routes.ts'
import { listActionGroups } from '../../drivers/action-groups/d6a.ts'

const TOKEN_TTL_S = 12 * 3600
const ErrorBody = t.Object({ error: t.String(), message: t.String() })
const secured = { security: [{ bearer: [] }] }

function userError(err: unknown): never {
  if (err instanceof UserError) throw new HttpError(err.status, err.status === 404 ? 'not_found' : err.status === 409 ? 'conflict' : 'invalid_request', err.message)
  throw err
}


export function createApi(ctx: EdgeContext) {
  const auth = (role: Role) => (c: { headers: Record<string, string | undefined> }) => requireRole(ctx, c.headers.authorization, role)

  return new Elysia({ prefix: '/api/v1' })
    .use(lazyOpenApi({ title: 'TonyPi edge API', version: '1' }, { excludePaths: ['/api/v1/docs'] }))
    .onError(apiErrorHandler(ctx.log))
    .use(reportRoutes(ctx))
    .use(alertRoutes(ctx))
    .use(simRoutes(ctx))
    .use(jobRoutes(ctx))
    .use(logRoutes(ctx))
    .get('/docs', () => new Response(docsPage('/api/v1/openapi.json'), { headers: { 'content-type': 'text/html; charset=utf-8' } }),
      { detail: { hide: true } })

    .get('/health', ({ set }) => {
      const h = health(ctx, Date.now())
      set.status = h.status === 'ok' ? 200 : 503
      return h
    }, { detail: { summary: 'Real checks: store writable, broker listening, last sample age' } })

    .post('/auth/login', async ({ body, request, server }) => {
      const addr = server?.requestIP(request)?.address ?? 'unknown'
      const key = `${body.username}|${addr}`
      const wait = ctx.throttle.retryAfter(key)
      if (wait > 0) throw new HttpError(429, 'too_many_attempts', 'too many failed logins; try again later', { 'retry-after': String(Math.ceil(wait / 1000)) })
      const u = await ctx.users.verify(body.username, body.password)
      if (!u) {
        ctx.throttle.fail(key)
        ctx.log.warn('login failed', { username: body.username.slice(0, 64), addr })
        ctx.bus.event('login', 'warn', { ok: false, username: body.username.slice(0, 64), addr })
        throw new HttpError(401, 'unauthorized', 'wrong username or password')
      }
      ctx.throttle.succeed(key)
      ctx.log.info('login', { username: u.username, addr })
      ctx.bus.event('login', 'info', { ok: true, username: u.username, addr })
      const { tokenVersion, ...user } = u
      return {
        access_token: signToken({ sub: u.username, uid: u.id, role: u.role, ver: tokenVersion }, ctx.jwtSecret, TOKEN_TTL_S),
        token_type: 'bearer' as const, expires_in: TOKEN_TTL_S, user,
      }
    }, {
      body: t.Object({ username: t.String({ minLength: 1, maxLength: 64 }), password: t.String({ minLength: 1, maxLength: 256 }) }),
      response: { 200: t.Object({ access_token: t.String(), token_type: t.Literal('bearer'), expires_in: t.Integer(), user: PublicUser }), 401: ErrorBody, 429: ErrorBody },
    })

    .get('/auth/me', ({ headers }) => ctx.users.get(auth('viewer')({ headers }).uid)!, { response: PublicUser, detail: secured })
    .post('/auth/me/password', async ({ headers, body }) => {
      const me = auth('viewer')({ headers })
      if (!(await ctx.users.verify(me.username, body.current_password))) throw new HttpError(403, 'forbidden', 'the current password is wrong')
      await ctx.users.update(me.uid, { password: body.new_password })
      return { ok: true }
    }, { body: t.Object({ current_password: t.String({ maxLength: 256 }), new_password: Password }), detail: secured })

    .get('/users', ({ headers }) => { auth('admin')({ headers }); return ctx.users.list() }, { response: t.Array(PublicUser), detail: secured })
    .post('/users', async ({ headers, body, set }) => {
      auth('admin')({ headers })
      const u = await ctx.users.create(body).catch(userError)
      set.status = 201
      return u
    }, { body: t.Object({ username: Username, password: Password, role: Role, email: t.Optional(t.Union([t.String({ format: 'email', maxLength: 254 }), t.Null()])) }), detail: secured })
    .get('/users/:id', ({ headers, params }) => {
      auth('admin')({ headers })
      return ctx.users.get(params.id) ?? (() => { throw new HttpError(404, 'not_found', `no user ${params.id}`) })()
    }, { params: t.Object({ id: t.Integer({ minimum: 1 }) }), response: { 200: PublicUser, 404: ErrorBody }, detail: secured })
    .put('/users/:id', async ({ headers, params, body }) => {
      auth('admin')({ headers })
      return ctx.users.update(params.id, body).catch(userError)
    }, {
      params: t.Object({ id: t.Integer({ minimum: 1 }) }),
      body: t.Object({ password: t.Optional(Password), role: t.Optional(Role), email: t.Optional(t.Union([t.String({ format: 'email', maxLength: 254 }), t.Null()])) }, { minProperties: 1 }),
      detail: secured,
    })
    .delete('/users/:id', ({ headers, params }) => {
      const me = auth('admin')({ headers })
      if (me.uid === params.id) throw new HttpError(409, 'conflict', 'you cannot delete yourself')
      try { ctx.users.delete(params.id) } catch (e) { userError(e) }
      return { ok: true }
    }, { params: t.Object({ id: t.Integer({ minimum: 1 }) }), detail: secured })

    .get('/robots', ({ headers }) => {
      auth('viewer')({ headers })
      return [robotSummary(ctx)]
    }, { detail: secured })
    .get('/robots/:id', ({ headers, params }) => {
      auth('viewer')({ headers })
      if (params.id !== ctx.robotId) throw new HttpError(404, 'not_found', `this edge is robot ${ctx.robotId}`)
      return robotSummary(ctx)
    }, { params: t.Object({ id: t.String({ maxLength: 64 }) }), detail: secured })

    .get('/robot/status', ({ headers }) => {
      auth('viewer')({ headers })
      return ctx.state.status(Date.now())
    }, { response: RobotStatus, detail: secured })

    .get('/robot/sensors', ({ headers, query }) => {
      auth('viewer')({ headers })
      const source = query.servo_id !== undefined ? String(query.servo_id) : query.source
      const r = sensorHistory(ctx.store, { ...query, stream: query.stream as StreamName, source, fields: parseFieldsParam(query.fields) }, Date.now())
      return { robot_id: ctx.robotId, stream: query.stream, ...r }
    }, {
      query: t.Object({
        stream: t.Union(STREAM_NAMES.map((s) => t.Literal(s))),
        from: t.Optional(t.Numeric({ description: 'epoch ms' })),
        to: t.Optional(t.Numeric({ description: 'epoch ms' })),
        resolution: t.Optional(t.String({ description: 'auto (default), raw, 1s, 2s, 5s, 10s, 15s, 30s (windows up to 1 h), 1m, 5m, 15m, 1h, 1d' })),
        servo_id: t.Optional(t.Numeric({ minimum: 0, maximum: 253 })),
        source: t.Optional(t.String({ maxLength: 64 })),
        fields: t.Optional(t.String({ maxLength: 512, description: 'comma-separated: only these fields (default all)' })),
        limit: t.Optional(t.Numeric({ minimum: 1, maximum: 100000 })),
      }),
      detail: secured,
    })

    .get('/pi/performance', ({ headers, query }) => {
      auth('viewer')({ headers })
      const p = ctx.state.performance
      const latest = p ? { ts: p.ts, ...p.values, ...(p.values.throttled !== undefined ? { throttled: decodeThrottled(p.values.throttled) } : {}) } : null
      const window = query.from !== undefined || query.to !== undefined
        ? sensorHistory(ctx.store, { stream: 'performance', from: query.from, to: query.to, resolution: query.resolution }, Date.now())
        : null
      return { robot_id: ctx.robotId, latest, ...(window ? { window } : {}) }
    }, {
      query: t.Object({ from: t.Optional(t.Numeric()), to: t.Optional(t.Numeric()), resolution: t.Optional(t.String()) }),
      detail: secured,
    })

    .post('/command', ({ headers, body, set }) => {
      const u = auth('operator')({ headers })
      const { id, ...rest } = body as Record<string, unknown>
      const out = ctx.commands.submit({ body: rest, username: u.username, origin: 'api', id: typeof id === 'string' ? id : undefined })
      set.status = out.state === 'rejected' ? (out.reason?.startsWith('rate limit') ? 429 : 409) : 202
      if (out.reason?.startsWith('invalid command')) set.status = 400
      return out
    }, {
      // The union is checked by the executor (so MQTT and HTTP share one validator and the
      // rejection is audited); here it documents the body.
      body: t.Intersect([t.Object({ id: t.Optional(t.String({ maxLength: 64 })) }), t.Object({ type: t.String() }, { additionalProperties: true })]),
      response: { 202: CommandOutcome, 400: CommandOutcome, 409: CommandOutcome, 429: CommandOutcome },
      detail: { ...secured, description: `One of: ${JSON.stringify(Command.anyOf.map((c) => c.properties.type.const))}` },
    })
    .get('/command/:id', ({ headers, params }) => {
      auth('viewer')({ headers })
      const c = ctx.commands.get(params.id)
      if (!c) throw new HttpError(404, 'not_found', `no command ${params.id}`)
      return { id: c.id, type: c.type, state: c.state, reason: c.reason, ts: c.ts, updated_at: c.updatedAt, user: c.username, origin: c.origin, body: c.body }
    }, { params: t.Object({ id: t.String({ maxLength: 80 }) }), detail: secured })

    .get('/actions', ({ headers }) => {
      auth('viewer')({ headers })
      let names: string[] = []
      let error: string | null = null
      try { names = listActionGroups(ctx.config.actionDir) } catch (err) { error = (err as Error).message }
      return { dir: ctx.config.actionDir, names, playing: ctx.commands.player.current, ...(error ? { error } : {}) }
    }, { detail: { ...secured, summary: 'HiWonder action groups available to action.run, and the one playing' } })

    .get('/stats', ({ headers }) => {
      auth('viewer')({ headers })
      return {
        store: ctx.store.stats(),
        mqtt: {
          clients: ctx.broker.aedes.connectedClients, ...ctx.broker.counters,
          dropped: Object.fromEntries(ctx.inbound.dropped), accepted: ctx.inbound.accepted,
        },
        live: { clients: ctx.live.count, sent: ctx.live.sent, skipped: ctx.live.skipped },
        uptime_s: Math.round((Date.now() - ctx.startedAt) / 1000),
      }
    }, { detail: secured })
}

function robotSummary(ctx: EdgeContext) {
  const st = ctx.state.status(Date.now())
  return {
    robot_id: ctx.robotId, profile: st.profile, online: true, estopped: st.estopped,
    last_seen: ctx.state.lastSampleTs, battery: st.battery,
    servos: { count: st.servos.length, stale: st.servos.filter((s) => s.stale).length },
  }
}
