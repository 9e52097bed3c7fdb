// GET metrics: the hub's metrics in Prometheus' text format (hub/metrics.ts), for a scraper with
// a token of the metrics scope, a client on the hub's host, or an admin; and how an admin gets
// that token. Also served at /metrics, where Prometheus looks by default.
import { Elysia } from 'elysia'
import { EXPOSITION_CONTENT_TYPE } from '../../server/prometheus.ts'
import { metricsTokenRoutes } from '../../server/metrics-token.ts'
import type { HubContext } from '../context.ts'
import type { MetricsSource } from '../metrics.ts'
import type { HubMetrics } from '../metrics.ts'
import type { HubAuth } from './routes.ts'

/** What these routes use of the hub. */
type Needs = Pick<HubContext, 'jwtSecret' | 'log' | 'records'> & MetricsSource

export function hubMetricsRoutes(ctx: Needs, auth: HubAuth, metrics: HubMetrics) {
  return new Elysia()
    .use(auth)
    .use(
      metricsTokenRoutes({
        auth,
        secret: ctx.jwtSecret,
        audit: async ({ username, days }) => {
          ctx.log.info('metrics token issued', { username, days })
          await ctx.records.log({
            robotId: null,
            level: 'info',
            category: 'auth',
            ts: Date.now(),
            message: `metrics token issued by ${username} for ${days} days`,
            details: { username, days },
          })
        },
      }),
    )
    .get('/metrics', async () => new Response(await metrics.render(ctx), { headers: { 'content-type': EXPOSITION_CONTENT_TYPE } }), {
      auth: ['metrics', 'admin'],
      detail: {
        summary: 'Prometheus text format: robots and their sync, MQTT ingest, InfluxDB writes, alerts and webhook, API latency, the process (also at /metrics)',
      },
    })
}
