// Bearer tokens: compact HS256 JWTs. Small enough to own, so no dependency decides our
// algorithm list (only HS256 is accepted: "alg":"none" and key-confusion tricks fail).
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Role } from './schemas.ts'

export interface TokenClaims {
  sub: string
  uid: number
  role: Role
  iat: number
  exp: number
  /** Bumped when the password changes, so older tokens stop working. */
  ver: number
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url')
const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))

export function signToken(claims: Omit<TokenClaims, 'iat' | 'exp'>, secret: string, ttlSeconds: number, nowMs = Date.now()): string {
  const iat = Math.floor(nowMs / 1000)
  const body = b64url(JSON.stringify({ ...claims, iat, exp: iat + ttlSeconds }))
  const sig = createHmac('sha256', secret).update(`${HEADER}.${body}`).digest('base64url')
  return `${HEADER}.${body}.${sig}`
}

/** Returns the claims, or null for anything malformed, forged or expired. */
export function verifyToken(token: string, secret: string, nowMs = Date.now()): TokenClaims | null {
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] !== HEADER) return null
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest()
  let given: Buffer
  try {
    given = Buffer.from(parts[2], 'base64url')
  } catch {
    return null
  }
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  let claims: TokenClaims
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return null
  if (typeof claims.sub !== 'string' || typeof claims.uid !== 'number') return null
  if (claims.role !== 'admin' && claims.role !== 'operator' && claims.role !== 'viewer') return null
  return claims
}

export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 }

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[needed]
}
