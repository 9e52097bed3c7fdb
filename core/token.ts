// Bearer tokens: compact HS256 JWTs. Small enough to own, so no dependency decides our
// algorithm list: only our exact header is accepted ("alg":"none" and key-confusion tricks
// fail), and every part must be in canonical base64url, so one token has one spelling.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { isRole, type Role } from './roles.ts'

export interface TokenClaims {
  sub: string
  uid: number
  role: Role
  iat: number
  exp: number
  /** Bumped when the password or role changes or tokens are revoked, so older tokens stop working. */
  ver: number
  /**
   * A token limited to one purpose. Absent: a person's full token. `metrics`: reads the
   * metrics endpoint only (server/metrics-token.ts); never accepted where a person is.
   */
  scope?: 'metrics'
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url')
const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
/** Canonical unpadded base64url: decoding and re-encoding gives the same text back. */
const B64URL = /^[A-Za-z0-9_-]+$/

function canonical(part: string): Buffer | null {
  if (!B64URL.test(part)) return null
  const bytes = Buffer.from(part, 'base64url')
  return bytes.toString('base64url') === part ? bytes : null
}

export function signToken(claims: Omit<TokenClaims, 'iat' | 'exp'>, secret: string, ttlSeconds: number, nowMs = Date.now()): string {
  const iat = Math.floor(nowMs / 1000)
  const body = b64url(JSON.stringify({ ...claims, iat, exp: iat + ttlSeconds }))
  const sig = createHmac('sha256', secret).update(`${HEADER}.${body}`).digest('base64url')
  return `${HEADER}.${body}.${sig}`
}

/** Returns the claims, or null for anything malformed, forged or expired. */
export function verifyToken(token: string, secret: string, nowMs = Date.now()): TokenClaims | null {
  if (token.length > 4096) return null
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] !== HEADER) return null
  const given = canonical(parts[2])
  const body = canonical(parts[1])
  if (!given || !body) return null
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest()
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  let claims: TokenClaims
  try {
    claims = JSON.parse(body.toString('utf8'))
  } catch {
    return null
  }
  if (typeof claims !== 'object' || claims === null) return null
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return null
  if (typeof claims.sub !== 'string' || typeof claims.uid !== 'number' || typeof claims.ver !== 'number') return null
  if (!isRole(claims.role)) return null
  if (claims.scope !== undefined && claims.scope !== 'metrics') return null
  return claims
}
