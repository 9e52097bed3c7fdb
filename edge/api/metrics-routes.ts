// GET metrics: the edge's metrics in Prometheus' text format (edge/metrics.ts), for a scraper
// with a token of the metrics scope, a client on the robot itself, or an admin; and how an admin
// gets that token. Also served at /metrics, where Prometheus looks by default.
import { Elysia } from 'elysia'
import { EXPOSITION_CONTENT_TYPE } from '../../server/prometheus.ts'
import { metricsTokenRoutes } from '../../server/metrics-token.ts'
import type { EdgeContext } from '../context.ts'
import type { MetricsSource } from '../metrics.ts'
import type { EdgeAuth } from './routes.ts'

/** What these routes use of the edge. */
type Needs = Pick<EdgeContext, 'bus' | 'jwtSecret' | 'log' | 'metrics'> & MetricsSource

export function metricsRoutes(ctx: Needs, auth: EdgeAuth) {
  return new Elysia()
    .use(auth)
    .use(
      metricsTokenRoutes({
        auth,
        secret: ctx.jwtSecret,
        audit: ({ username, days }) => {
          ctx.log.info('metrics token issued', { username, days })
          ctx.bus.event('metrics.token', 'info', { username, days })
        },
      }),
    )
    .get('/metrics', () => new Response(ctx.metrics.render(ctx), { headers: { 'content-type': EXPOSITION_CONTENT_TYPE } }), {
      auth: ['metrics', 'admin'],
      detail: { summary: 'Prometheus text format: polling, buses, store, broker, sync, alerts, API latency, the process (also at /metrics)' },
    })
}
