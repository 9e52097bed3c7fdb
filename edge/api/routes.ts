// The edge's REST API under /api/v1. Schemas are declared on each route: they validate
// input, type the handlers and generate the OpenAPI document. Every route declares what it
// admits (`auth`, server/auth-plugin.ts), checked before its body is read.
import { Elysia, t } from 'elysia'
import { EpochMs } from '../../server/params.ts'
import { Command, CommandOutcome, RobotStatus } from '../../core/schemas.ts'
import { STREAM_NAMES, type StreamName } from '../../core/streams.ts'
import type { EdgeContext } from '../context.ts'
import { decodeThrottled } from '../../drivers/pi/parse.ts'
import { docsPage } from './docs-page.ts'
import { lazyOpenApi } from '../../server/openapi-document.ts'
import { apiErrorHandler, HttpError } from '../../core/http-error.ts'
import { accountRoutes } from '../../server/account-routes.ts'
import { assertEveryRouteDeclaresAuth, authPlugin } from '../../server/auth-plugin.ts'
import { alertRoutes } from './alert-routes.ts'
import { health } from './health.ts'
import { reportRoutes } from './report-routes.ts'
import { robotRoutes } from './robot-routes.ts'
import { jobRoutes } from './job-routes.ts'
import { logRoutes } from './log-routes.ts'
import { parseFieldsParam } from '../../core/history-query.ts'
import { sensorHistory } from './sensor-history.ts'
import { simRoutes } from './sim-routes.ts'
import { syncRoutes } from './sync-routes.ts'
import { metricsRoutes } from './metrics-routes.ts'
import { listActionGroups } from '../../drivers/action-groups/d6a.ts'

export type EdgeAuth = ReturnType<typeof edgeAuth>

export function edgeAuth(ctx: EdgeContext) {
  return authPlugin(ctx.authSources)
}

export function createApi(ctx: EdgeContext) {
  const auth = edgeAuth(ctx)

  const app = new Elysia({ prefix: '/api/v1' })
    .use(ctx.metrics.http.plugin())
    .use(lazyOpenApi({ title: 'TonyPi edge API', version: '1' }, { excludePaths: ['/api/v1/docs'], auth }))
    .onError(apiErrorHandler(ctx.log))
    .use(auth)
    .use(
      accountRoutes({
        auth,
        users: ctx.users,
        secret: ctx.jwtSecret,
        throttle: ctx.throttle,
        hashGate: ctx.hashGate,
        audit({ ok, username, addr, reason }) {
          if (ok) ctx.log.info('login', { username, addr })
          else ctx.log.warn('login failed', { username, addr, reason })
          ctx.bus.event('login', ok ? 'info' : 'warn', { ok, username, addr, ...(reason ? { reason } : {}) })
        },
        changed(uid, change) {
          ctx.broker.endSessionsOf(uid, change)
          ctx.live.endSessionsOf(uid)
        },
      }),
    )
    .use(reportRoutes(ctx, auth))
    .use(alertRoutes(ctx, auth))
    .use(simRoutes(ctx, auth))
    .use(jobRoutes(ctx, auth))
    .use(logRoutes(ctx, auth))
    .use(syncRoutes(ctx, auth))
    .use(metricsRoutes(ctx, auth))
    .get('/docs', () => new Response(docsPage('/api/v1/openapi.json'), { headers: { 'content-type': 'text/html; charset=utf-8' } }), {
      auth: 'public',
      detail: { hide: true },
    })

    .get(
      '/health',
      ({ set }) => {
        const h = health(ctx, Date.now())
        set.status = h.status === 'ok' ? 200 : 503
        return h
      },
      { auth: 'public', detail: { summary: 'Real checks: store writable, broker listening, last sample age' } },
    )

    .use(robotRoutes(ctx, auth))
    .get('/robot/status', () => ctx.state.status(Date.now()), { auth: 'viewer', response: RobotStatus })

    .get(
      '/robot/sensors',
      ({ query }) => {
        const source = query.servo_id !== undefined ? String(query.servo_id) : query.source
        const r = sensorHistory(ctx.store, { ...query, stream: query.stream as StreamName, source, fields: parseFieldsParam(query.fields) }, Date.now())
        return { robot_id: ctx.robotId, stream: query.stream, ...r }
      },
      {
        auth: 'viewer',
        query: t.Object({
          stream: t.Union(STREAM_NAMES.map((s) => t.Literal(s))),
          from: t.Optional(EpochMs()),
          to: t.Optional(EpochMs()),
          resolution: t.Optional(
            t.String({ maxLength: 8, description: 'auto (default), raw, 1s, 2s, 5s, 10s, 15s, 30s (windows up to 1 h), 1m, 5m, 15m, 1h, 1d' }),
          ),
          servo_id: t.Optional(t.Numeric({ minimum: 0, maximum: 253 })),
          source: t.Optional(t.String({ maxLength: 64 })),
          fields: t.Optional(t.String({ maxLength: 512, description: 'comma-separated: only these fields (default all)' })),
          limit: t.Optional(t.Numeric({ minimum: 1, maximum: 100000 })),
        }),
      },
    )

    .get(
      '/pi/performance',
      ({ query }) => {
        const p = ctx.state.performance
        const latest = p ? { ts: p.ts, ...p.values, ...(p.values.throttled !== undefined ? { throttled: decodeThrottled(p.values.throttled) } : {}) } : null
        const window =
          query.from !== undefined || query.to !== undefined
            ? sensorHistory(ctx.store, { stream: 'performance', from: query.from, to: query.to, resolution: query.resolution }, Date.now())
            : null
        return { robot_id: ctx.robotId, latest, ...(window ? { window } : {}) }
      },
      {
        auth: 'viewer',
        query: t.Object({ from: t.Optional(EpochMs()), to: t.Optional(EpochMs()), resolution: t.Optional(t.String({ maxLength: 8 })) }),
      },
    )

    .post(
      '/command',
      ({ principal, body, set }) => {
        const { id, ...rest } = body as Record<string, unknown>
        const out = ctx.commands.submit({ body: rest, username: principal.username, origin: 'api', id: typeof id === 'string' ? id : undefined })
        set.status = out.state === 'rejected' ? (out.reason?.startsWith('rate limit') ? 429 : 409) : 202
        if (out.reason?.startsWith('invalid command')) set.status = 400
        return out
      },
      {
        // Commands are small: the largest (a move of 32 servos) is about 1.2 KB.
        auth: { allow: 'operator', body: { maxBytes: 4096, maxDepth: 4 } },
        // The union is checked by the executor (so MQTT and HTTP share one validator and the
        // rejection is audited); here it documents the body.
        body: t.Object({ id: t.Optional(t.String({ maxLength: 64 })), type: t.String({ maxLength: 40 }) }, { additionalProperties: true }),
        response: { 202: CommandOutcome, 400: CommandOutcome, 409: CommandOutcome, 429: CommandOutcome },
        detail: { description: `One of: ${JSON.stringify(Command.anyOf.map((c) => c.properties.type.const))}` },
      },
    )
    .get(
      '/command/:id',
      ({ params }) => {
        const c = ctx.commands.get(params.id)
        if (!c) throw new HttpError(404, 'not_found', `no command ${params.id}`)
        return { id: c.id, type: c.type, state: c.state, reason: c.reason, ts: c.ts, updated_at: c.updatedAt, user: c.username, origin: c.origin, body: c.body }
      },
      { auth: 'viewer', params: t.Object({ id: t.String({ maxLength: 80 }) }) },
    )

    .get(
      '/actions',
      () => {
        let names: string[] = []
        let error: string | null = null
        try {
          names = listActionGroups(ctx.config.actionDir)
        } catch (err) {
          error = (err as Error).message
        }
        return { dir: ctx.config.actionDir, names, playing: ctx.commands.player.current, ...(error ? { error } : {}) }
      },
      { auth: 'viewer', detail: { summary: 'HiWonder action groups available to action.run, and the one playing' } },
    )

    .get(
      '/stats',
      () => ({
        store: ctx.store.stats(),
        mqtt: {
          clients: ctx.broker.aedes.connectedClients,
          ...ctx.broker.counters,
          dropped: Object.fromEntries(ctx.inbound.dropped),
          accepted: ctx.inbound.accepted,
        },
        live: { clients: ctx.live.count, sent: ctx.live.sent, skipped: ctx.live.skipped },
        auth: { hash_checks_refused: ctx.hashGate.refused },
        uptime_s: Math.round((Date.now() - ctx.startedAt) / 1000),
      }),
      { auth: 'viewer' },
    )
  assertEveryRouteDeclaresAuth(app)
  return app
}
