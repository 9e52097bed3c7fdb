// The edge's people (server/account-routes.ts): logins go to the robot's log, and a changed
// account ends its sessions on the broker and the live stream.
import { accountRoutes } from '../../server/account-routes.ts'
import type { EdgeContext } from '../context.ts'
import type { EdgeAuth } from './routes.ts'

/** What these routes use of the edge. */
type Needs = Pick<EdgeContext, 'broker' | 'bus' | 'hashGate' | 'jwtSecret' | 'live' | 'log' | 'throttle' | 'users'>

export function edgeAccountRoutes(ctx: Needs, auth: EdgeAuth) {
  return accountRoutes({
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
  })
}
