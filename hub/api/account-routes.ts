// The hub's people (server/account-routes.ts), their logins in the fleet's log, and the
// secret a person uses on the fleet broker.
import { Elysia } from 'elysia'
import { accountRoutes } from '../../server/account-routes.ts'
import type { HubContext } from '../context.ts'
import type { HubAuth } from './routes.ts'

/** What these routes use of the hub. */
type Needs = Pick<HubContext, 'authSources' | 'jwtSecret' | 'live' | 'log' | 'records' | 'syncBrokerAuth' | 'throttle' | 'users'>

export function hubAccountRoutes(ctx: Needs, auth: HubAuth) {
  return new Elysia()
    .use(auth)
    .use(
      accountRoutes({
        auth,
        users: ctx.users,
        secret: ctx.jwtSecret,
        throttle: ctx.throttle,
        hashGate: ctx.authSources.hashGate,
        async audit({ ok, username, addr, reason }) {
          if (ok) ctx.log.info('login', { username, addr })
          else ctx.log.warn('login failed', { username, addr, reason })
          await ctx.records.log({
            robotId: null,
            level: ok ? 'info' : 'warn',
            category: 'auth',
            ts: Date.now(),
            message: ok ? `login ${username} from ${addr}` : `failed login for ${JSON.stringify(username)} from ${addr}: ${reason}`,
            details: { username, addr, ok, ...(reason ? { reason } : {}) },
          })
        },
        async changed(uid) {
          ctx.live.endSessionsOf(uid)
          await ctx.syncBrokerAuth()
        },
      }),
    )
    .post(
      '/auth/me/mqtt-credential',
      async ({ principal }) => {
        const credential = await ctx.users.issueBrokerSecret((principal as { uid: number }).uid)
        await ctx.syncBrokerAuth()
        return { credential }
      },
      {
        auth: 'viewer',
        detail: {
          summary:
            "A new secret for the fleet broker (shown once; it replaces the previous one). The broker never takes people's passwords: it cannot throttle guessing, and a generated secret cannot be guessed",
        },
      },
    )
}
