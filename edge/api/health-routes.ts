// GET health on the edge: public, for systemd's watchdog and people alike (edge/api/health.ts).
import { Elysia } from 'elysia'
import { type HealthSource, health } from './health.ts'
import type { EdgeAuth } from './routes.ts'

export function healthRoutes(ctx: HealthSource, auth: EdgeAuth) {
  return new Elysia().use(auth).get(
    '/health',
    ({ set }) => {
      const h = health(ctx, Date.now())
      set.status = h.status === 'ok' ? 200 : 503
      return h
    },
    { auth: 'public', detail: { summary: 'Real checks: store writable, broker listening, last sample age' } },
  )
}
