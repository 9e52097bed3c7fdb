// How an admin gets a token for a metrics scraper: `POST auth/metrics-token` answers a bearer
// token of the `metrics` scope, which reads the metrics endpoint and nothing else (the auth
// layer admits it only where a route admits `metrics`). It stays valid for its term while the
// admin who issued it is still an admin with the same token version: their "sign out
// everywhere", a new password, a demotion or their deletion ends it.
import { Elysia, t } from 'elysia'
import { signToken } from '../core/token.ts'
import type { authPlugin } from './auth-plugin.ts'
import type { UserPrincipal } from './principal.ts'

export const METRICS_TOKEN_DEFAULT_DAYS = 365

export function metricsTokenRoutes(o: {
  auth: ReturnType<typeof authPlugin>
  secret: string
  /** Where the issue is recorded (who, for how long). */
  audit(e: { username: string; days: number }): void | Promise<void>
}) {
  return new Elysia().use(o.auth).post(
    '/auth/metrics-token',
    async ({ principal, body }) => {
      const admin = principal as UserPrincipal
      const days = body?.ttl_days ?? METRICS_TOKEN_DEFAULT_DAYS
      const ttl = days * 86_400
      const token = signToken({ sub: admin.username, uid: admin.uid, role: admin.role, ver: admin.ver, scope: 'metrics' }, o.secret, ttl)
      await o.audit({ username: admin.username, days })
      return { access_token: token, token_type: 'bearer' as const, scope: 'metrics' as const, expires_in: ttl }
    },
    {
      auth: { allow: 'admin', body: { maxBytes: 256, maxDepth: 2 } },
      body: t.Optional(t.Nullable(t.Object({ ttl_days: t.Optional(t.Integer({ minimum: 1, maximum: 3650 })) }, { additionalProperties: false }))),
      detail: {
        summary: "A token for a metrics scraper (Prometheus): reads GET metrics only; ends with the issuing admin's tokens",
        description: `{ttl_days?} (default ${METRICS_TOKEN_DEFAULT_DAYS}). Scrape with \`Authorization: Bearer <token>\`; clients on the host itself need none.`,
      },
    },
  )
}
