// GET stats: the edge's own counters (store, broker, live stream, refused hash checks, uptime).
import { Elysia } from 'elysia'
import type { EdgeContext } from '../context.ts'
import type { EdgeAuth } from './routes.ts'

/** What these routes use of the edge. */
type Needs = Pick<EdgeContext, 'broker' | 'hashGate' | 'inbound' | 'live' | 'startedAt' | 'store'>

export function statsRoutes(ctx: Needs, auth: EdgeAuth) {
  return new Elysia().use(auth).get(
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
}
