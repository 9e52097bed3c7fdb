// The hub's REST API under /api/v1: the fleet's users and robots, their status, telemetry
// from InfluxDB, jobs, alerts and logs from Postgres, and commands routed over MQTT. One
// plugin per concern, in the order their paths appear in the OpenAPI document.
import { Elysia } from 'elysia'
import { apiErrorHandler } from '../../core/http-error.ts'
import { assertEveryRouteDeclaresAuth, authPlugin } from '../../server/auth-plugin.ts'
import { lazyOpenApi } from '../../server/openapi-document.ts'
import type { HubContext } from '../context.ts'
import { HubMetrics } from '../metrics.ts'
import { hubSyncRoutes } from '../sync/sync-routes.ts'
import { hubAccountRoutes } from './account-routes.ts'
import { hubAlertRoutes } from './alert-routes.ts'
import { hubCommandAuditRoutes, hubCommandRoutes } from './command-routes.ts'
import { fleetRoutes } from './fleet-routes.ts'
import { hubHealthRoutes } from './health-routes.ts'
import { hubJobRoutes } from './job-routes.ts'
import { hubLogRoutes } from './log-routes.ts'
import { hubMetricsRoutes } from './metrics-routes.ts'
import { hubReportRoutes } from './report-routes.ts'
import { hubRobotRoutes } from './robot-routes.ts'
import { hubTelemetryRoutes } from './telemetry-routes.ts'
import { hubTlsRoutes } from './tls-routes.ts'

export type HubAuth = ReturnType<typeof authPlugin>

export function createHubApi(ctx: HubContext) {
  const auth = authPlugin(ctx.authSources)
  const metrics = ctx.metrics ?? (ctx.metrics = new HubMetrics())
  const app = new Elysia({ prefix: '/api/v1' })
    .use(metrics.http.plugin())
    .use(lazyOpenApi({ title: 'TonyPi hub API', version: '1' }, { auth }))
    .onError(apiErrorHandler(ctx.log))
    .use(auth)
    .use(hubHealthRoutes(ctx, auth))
    .use(hubTlsRoutes(ctx, auth))
    .use(hubAccountRoutes(ctx, auth))
    .use(hubRobotRoutes(ctx, auth))
    .use(hubTelemetryRoutes(ctx, auth))
    .use(hubCommandAuditRoutes(ctx, auth))
    .use(hubJobRoutes(ctx, auth))
    .use(hubLogRoutes(ctx, auth))
    .use(hubAlertRoutes(ctx, auth))
    .use(hubReportRoutes(ctx, auth))
    .use(hubSyncRoutes(ctx, auth))
    .use(fleetRoutes(ctx, auth))
    .use(hubMetricsRoutes(ctx, auth, metrics))
    .use(hubCommandRoutes(ctx, auth))
  assertEveryRouteDeclaresAuth(app)
  return app
}
