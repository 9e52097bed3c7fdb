// GET health on the hub: public, for load balancers and people alike (hub/api/health.ts).
import { Elysia } from 'elysia'
import { type HubHealthSource, hubHealth } from './health.ts'
import type { HubAuth } from './routes.ts'

export function hubHealthRoutes(ctx: HubHealthSource, auth: HubAuth) {
  return new Elysia().use(auth).get(
    '/health',
    async ({ set }) => {
      const h = await hubHealth(ctx)
      set.status = h.status === 'ok' ? 200 : 503
      return h
    },
    { auth: 'public', detail: { summary: 'Real checks of Postgres, InfluxDB and the broker; 503 names the failing one' } },
  )
}
