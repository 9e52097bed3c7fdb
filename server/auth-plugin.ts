// The one auth layer of the edge and the hub: an Elysia plugin whose `auth` macro each route
// declares, e.g. `{ auth: 'operator' }`, `{ auth: 'robot' }`, `{ auth: ['admin', 'robot'] }` or
// `{ auth: { allow: 'robot', robotParam: 'id', body: { maxBytes: 1 << 20 } } }`.
//
// Elysia runs a route's hooks as parse -> transform -> validation -> resolve -> beforeHandle.
// The check therefore runs in `parse` (routes with a body: the token is checked, then the body
// is read within its limits by this plugin, never by the framework) or in `transform` (routes
// without one): a caller without the right credential is refused before a byte of the body is
// read and before any schema is checked, and no body is larger or deeper than its route allows.
// The route's OpenAPI operation records what it admits (`x-tonypi-auth`), which the security
// suite reads, so a route cannot be added without being tested.
import { Elysia } from 'elysia'
import { HttpError, unauthorized } from '../core/http-error.ts'
import type { Role } from '../core/schemas.ts'
import { verifyToken } from '../core/token.ts'
import { DEFAULT_BODY_LIMITS, readCapped, readJsonBody, type BodyLimits } from './body.ts'
import { HashBusy, type HashGate } from './hash-gate.ts'
import { isLoopback, peerOf } from './peer.ts'
import { admits, NEEDS, refusal, type Need, type Principal, type UserPrincipal } from './principal.ts'
import { ROBOT_ACCOUNT_PREFIX } from '../core/robot-account.ts'

type MaybePromise<T> = T | Promise<T>

export interface AccessRule {
  allow: Need | readonly Need[]
  /** A robot is admitted only for the robot this path parameter names (its own id). */
  robotParam?: string
  /** Overrides of DEFAULT_BODY_LIMITS for this route. */
  body?: Partial<BodyLimits>
}
export type Access = Need | readonly Need[] | AccessRule

/** A person's account as stored now: a token is honoured only while these still match it. */
export interface StoredUser {
  id: number
  username: string
  role: Role
  tokenVersion: number
}

export interface AuthSources {
  /** The token signing secret. */
  secret: string
  user(uid: number): MaybePromise<StoredUser | null>
  /**
   * The robot a credential belongs to (`robot-<id>` and its token), or null; the hub only. Its
   * hash checks run under `hashGate` (a HashBusy from it is a 503).
   */
  robot?(username: string, token: string): Promise<string | null>
  /** The process's ceiling on password-hash work, shared with logins. */
  hashGate: HashGate
}

/** The OpenAPI extension naming what a route admits. */
export const AUTH_EXTENSION = 'x-tonypi-auth'
export const ROBOT_PARAM_EXTENSION = 'x-tonypi-robot-param'

const principals = new WeakMap<Request, Principal>()
const ANONYMOUS: Principal = { kind: 'anonymous', username: 'anonymous' }

function rule(access: Access): { needs: readonly Need[]; robotParam?: string; limits: BodyLimits } {
  const r: AccessRule = typeof access === 'string' || Array.isArray(access) ? { allow: access as Need | readonly Need[] } : (access as AccessRule)
  const needs = typeof r.allow === 'string' ? [r.allow] : r.allow
  for (const n of needs) if (!NEEDS.includes(n)) throw new Error(`auth: unknown need ${JSON.stringify(n)}`)
  if (needs.includes('public') && needs.length > 1) throw new Error('auth: public admits everyone; list nothing beside it')
  if (r.robotParam && !needs.includes('robot')) throw new Error('auth: robotParam without robot in allow')
  return { needs, robotParam: r.robotParam, limits: { ...DEFAULT_BODY_LIMITS, ...r.body } }
}

/** Who the request's credentials name: anonymous without any, 401 for anything invalid. */
export async function authenticate(request: Request, src: AuthSources): Promise<Principal> {
  const header = request.headers.get('authorization')
  if (header === null) return ANONYMOUS
  const m = /^(Bearer|Basic) +([A-Za-z0-9._~+/=-]+)$/i.exec(header)
  if (!m) throw unauthorized()
  if (m[1].toLowerCase() === 'bearer') {
    const claims = verifyToken(m[2], src.secret)
    if (!claims) throw unauthorized()
    const u = await src.user(claims.uid)
    // The role is the stored one: a demotion takes effect at once, whatever the token says.
    if (!u || u.username !== claims.sub || u.tokenVersion !== claims.ver) throw unauthorized()
    // A metrics token lives while the admin who issued it does (server/metrics-token.ts).
    if (claims.scope === 'metrics') {
      if (u.role !== 'admin') throw unauthorized()
      return { kind: 'metrics', via: 'token', username: 'metrics' }
    }
    return { kind: 'user', uid: u.id, username: u.username, role: u.role, ver: u.tokenVersion }
  }
  const decoded = Buffer.from(m[2], 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  const username = decoded.slice(0, i)
  if (i < 0 || !src.robot || !username.startsWith(ROBOT_ACCOUNT_PREFIX)) throw unauthorized()
  let robotId: string | null
  try {
    robotId = await src.robot(username, decoded.slice(i + 1))
  } catch (err) {
    if (err instanceof HashBusy) throw new HttpError(503, 'busy', err.message, { 'retry-after': '1' })
    throw err
  }
  if (!robotId) throw unauthorized()
  return { kind: 'robot', robotId, username }
}

async function authorize(request: Request, params: Record<string, string> | undefined, r: ReturnType<typeof rule>, src: AuthSources): Promise<void> {
  if (principals.has(request)) return
  // PostgreSQL cannot store a NUL and SQLite cuts text at one: refused here, not as a failed query.
  if (/%00/.test(request.url)) throw new HttpError(400, 'invalid_request', 'the address contains a NUL character')
  if (r.needs[0] === 'public') {
    principals.set(request, ANONYMOUS)
    return
  }
  let p = await authenticate(request, src)
  if (p.kind === 'anonymous' && r.needs.includes('metrics') && isLoopback(peerOf(request))) p = { kind: 'metrics', via: 'loopback', username: 'metrics' }
  if (p.kind === 'anonymous') throw unauthorized()
  if (!r.needs.some((n) => admits(n, p))) throw new HttpError(403, 'forbidden', refusal(r.needs, p))
  if (p.kind === 'robot' && r.robotParam && params?.[r.robotParam] !== p.robotId) {
    throw new HttpError(403, 'forbidden', `${p.username} may act only for robot ${p.robotId}`)
  }
  principals.set(request, p)
}

/** The principal the `auth` macro admitted for this request. */
export function principalOf(request: Request): Principal {
  const p = principals.get(request)
  if (!p) throw new Error('principalOf: the route declares no auth')
  return p
}

export function authPlugin(src: AuthSources) {
  return new Elysia().macro({
    auth(access: Access) {
      const r = rule(access)
      const security: Record<string, string[]>[] =
        r.needs[0] === 'public'
          ? []
          : [...(r.needs.some((n) => n !== 'robot') ? [{ bearer: [] }] : []), ...(r.needs.includes('robot') ? [{ robotCredential: [] }] : [])]
      return {
        detail: { security, [AUTH_EXTENSION]: [...r.needs], ...(r.robotParam ? { [ROBOT_PARAM_EXTENSION]: r.robotParam } : {}) } as Record<string, unknown>,
        parse: [
          async ({ request, params }: { request: Request; params?: Record<string, string> }) => {
            await authorize(request, params, r, src)
            return r.limits.raw ? readCapped(request, r.limits.maxBytes) : readJsonBody(request, r.limits)
          },
        ],
        transform: [({ request, params }: { request: Request; params?: Record<string, string> }) => authorize(request, params, r, src)],
        resolve: ({ request }: { request: Request }) => ({ principal: principalOf(request) }),
      }
    },
  })
}

/** Throws unless every route of `app` declares what it admits: a route cannot skip the auth layer. */
export function assertEveryRouteDeclaresAuth(app: { routes: unknown[] }) {
  const missing = (app.routes as { method: string; path: string; hooks?: { detail?: Record<string, unknown> } }[])
    .filter((r) => !r.hooks?.detail?.[AUTH_EXTENSION])
    .map((r) => `${r.method} ${r.path}`)
  if (missing.length) throw new Error(`routes without an auth declaration: ${missing.join(', ')}`)
}

/** The user a bearer token names now, or null (for the live WebSocket, which is no route). */
export async function userFromToken(token: string | null | undefined, src: AuthSources): Promise<UserPrincipal | null> {
  if (!token) return null
  try {
    const p = await authenticate(new Request('http://token.invalid/', { headers: { authorization: `Bearer ${token}` } }), src)
    return p.kind === 'user' ? p : null
  } catch {
    return null
  }
}
