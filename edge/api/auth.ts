// Bearer-token authentication and role checks for routes. Every route but `health` and
// `auth/login` declares the least role it needs; the check runs before the handler.
import type { Role } from '../../core/schemas.ts'
import { roleAtLeast } from '../../core/token.ts'
import { principalFromToken } from '../broker/principal.ts'
import type { EdgeContext } from '../context.ts'
import { forbidden, unauthorized } from './errors.ts'

export interface AuthedUser {
  username: string
  uid: number
  role: Role
}

export function bearer(header: string | undefined | null): string | null {
  if (!header) return null
  const m = /^Bearer\s+(\S+)$/i.exec(header)
  return m ? m[1] : null
}

export function userFromRequest(ctx: EdgeContext, authorization: string | undefined | null): AuthedUser | null {
  const token = bearer(authorization)
  if (!token) return null
  const p = principalFromToken(token, ctx.jwtSecret, ctx.users)
  return p && p.kind === 'user' ? { username: p.username, uid: p.uid, role: p.role } : null
}

/** Throws 401/403; returns the user for the handler. */
export function requireRole(ctx: EdgeContext, authorization: string | undefined | null, role: Role): AuthedUser {
  const u = userFromRequest(ctx, authorization)
  if (!u) throw unauthorized()
  if (!roleAtLeast(u.role, role)) throw forbidden(role)
  return u
}
