// Bearer tokens on the hub: the same HS256 tokens and role order as the edge, checked
// against the hub's own users (a changed password or role invalidates older tokens).
import type { Role } from '../../core/schemas.ts'
import { roleAtLeast, verifyToken } from '../../core/token.ts'
import { HttpError } from '../../core/http-error.ts'
import type { HubContext } from '../context.ts'

export interface HubUser {
  username: string
  uid: number
  role: Role
}

export async function hubUser(ctx: HubContext, authorization: string | undefined | null): Promise<HubUser | null> {
  const m = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null
  if (!m) return null
  const claims = verifyToken(m[1], ctx.jwtSecret)
  if (!claims) return null
  const u = await ctx.users.get(claims.uid)
  if (!u || u.username !== claims.sub || u.tokenVersion !== claims.ver) return null
  return { username: u.username, uid: u.id, role: u.role }
}

export async function requireHubRole(ctx: HubContext, authorization: string | undefined | null, role: Role): Promise<HubUser> {
  const u = await hubUser(ctx, authorization)
  if (!u) throw new HttpError(401, 'unauthorized', 'a valid bearer token is required')
  if (!roleAtLeast(u.role, role)) throw new HttpError(403, 'forbidden', `this needs the ${role} role`)
  return u
}
