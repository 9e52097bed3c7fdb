// The edge's REST API under /api/v1. Schemas are declared on each route: they validate
// input, type the handlers and generate the OpenAPI document. Every route declares what it
// admits (`auth`, server/auth-plugin.ts), checked before its body is read. One plugin per
// concern, in the order their paths appear in the OpenAPI document.
import { Elysia } from 'elysia'
import { apiErrorHandler } from '../../core/http-error.ts'
import { assertEveryRouteDeclaresAuth, authPlugin } from '../../server/auth-plugin.ts'
import { lazyOpenApi } from '../../server/openapi-document.ts'
import type { EdgeContext } from '../context.ts'
import { edgeAccountRoutes } from './account-routes.ts'
import { actionRoutes } from './action-routes.ts'
import { alertRoutes } from './alert-routes.ts'
import { commandRoutes } from './command-routes.ts'
import { docsRoutes } from './docs-routes.ts'
import { healthRoutes } from './health-routes.ts'
import { jobRoutes } from './job-routes.ts'
import { logRoutes } from './log-routes.ts'
import { metricsRoutes } from './metrics-routes.ts'
import { reportRoutes } from './report-routes.ts'
import { robotRoutes } from './robot-routes.ts'
import { simRoutes } from './sim-routes.ts'
import { statsRoutes } from './stats-routes.ts'
import { syncRoutes } from './sync-routes.ts'
import { telemetryRoutes } from './telemetry-routes.ts'

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
    .use(edgeAccountRoutes(ctx, auth))
    .use(reportRoutes(ctx, auth))
    .use(alertRoutes(ctx, auth))
    .use(simRoutes(ctx, auth))
    .use(jobRoutes(ctx, auth))
    .use(logRoutes(ctx, auth))
    .use(syncRoutes(ctx, auth))
    .use(metricsRoutes(ctx, auth))
    .use(docsRoutes(auth))
    .use(healthRoutes(ctx, auth))
    .use(robotRoutes(ctx, auth))
    .use(telemetryRoutes(ctx, auth))
    .use(commandRoutes(ctx, auth))
    .use(actionRoutes(ctx, auth))
    .use(statsRoutes(ctx, auth))
  assertEveryRouteDeclaresAuth(app)
  return app
}
