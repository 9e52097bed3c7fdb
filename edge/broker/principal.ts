// Who is on the other end of a request or an MQTT connection, and how they proved it.
import type { Role } from '../../core/schemas.ts'
import { verifyToken } from '../../core/token.ts'
import type { UserStore } from '../auth/user-store.ts'

export type Principal =
  | { kind: 'user'; username: string; uid: number; role: Role }
  /** An unauthenticated client on the robot itself (the earlier system's Python client). */
  | { kind: 'local'; username: 'local'; role: null }

/** A bearer token's user, or null when it is malformed, expired, forged or outdated. */
export function principalFromToken(token: string, secret: string, users: UserStore): Principal | null {
  const claims = verifyToken(token, secret)
  if (!claims) return null
  // A changed password or role bumps the version: older tokens stop working at once.
  if (users.tokenVersion(claims.uid) !== claims.ver) return null
  const u = users.get(claims.uid)
  if (!u || u.username !== claims.sub) return null
  return { kind: 'user', username: u.username, uid: u.id, role: u.role }
}

export function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.')
}
