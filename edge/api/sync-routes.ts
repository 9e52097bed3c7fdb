// The robot's sync with its hub, as the dashboards show it: connected or not, what is waiting,
// how far the hub has it, the lag and rate, and anything dropped (with the reason).
import { Elysia } from 'elysia'
import type { EdgeContext } from '../context.ts'
import type { EdgeAuth } from './routes.ts'

/** What these routes use of the edge. */
type Needs = Pick<EdgeContext, 'sync'>

export function syncRoutes(ctx: Needs, auth: EdgeAuth) {
  return new Elysia().use(auth).get('/sync/status', () => ctx.sync.status(), {
    auth: 'viewer',
    detail: { summary: '{connected, backlog, cursor, last_ack_ts, lag_ms, rate_per_s, dropped, catching_up}, and the live uplink' },
  })
}
