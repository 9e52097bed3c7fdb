// The robot's sync with its hub, as the dashboards show it: connected or not, what is waiting,
// how far the hub has it, the lag and rate, and anything dropped (with the reason).
import { Elysia } from 'elysia'
import type { EdgeContext } from '../context.ts'
import { requireRole } from './auth.ts'

const secured = { security: [{ bearer: [] }] }

export function syncRoutes(ctx: EdgeContext) {
  return new Elysia()
    .get('/sync/status', ({ headers }) => {
      requireRole(ctx, headers.authorization, 'viewer')
      return ctx.sync.status()
    }, {
      detail: {
        ...secured,
        summary: '{connected, backlog, cursor, last_ack_ts, lag_ms, rate_per_s, dropped, catching_up}, and the live uplink',
      },
    })
}
