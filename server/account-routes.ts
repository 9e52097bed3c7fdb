// The people's side of the auth layer, the same on the edge and the hub: one login route
// (throttled per peer address and per account, under the process's ceiling on hash work,
// every failure audited with the address), who-am-I, password change, token revocation, and
// user management. Each side brings its store, its audit trail and what it must do when an
// account changes (drop the account's MQTT sessions and live sockets, rewrite broker files).
import { Elysia, t } from 'elysia'
import { HttpError } from '../core/http-error.ts'
import { Password, PublicUser, Role, Username, type PublicUser as PublicUserT, type Role as RoleT } from '../core/schemas.ts'
import { signToken } from '../core/token.ts'
import type { authPlugin, StoredUser } from './auth-plugin.ts'
import { HashBusy, type HashGate } from './hash-gate.ts'
import { knownFields, OpenBody } from './params.ts'
import { peerOf } from './peer.ts'
import type { AuthThrottle } from './throttle.ts'

type MaybePromise<T> = T | Promise<T>

export const TOKEN_TTL_S = 12 * 3600

/** A refusal by a user store (unknown user, a name taken, the last admin): becomes that HTTP status. */
export class AccountError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message)
  }
}

export interface AccountStore {
  current(id: number): MaybePromise<StoredUser | null>
  get(id: number): MaybePromise<PublicUserT | null>
  list(): MaybePromise<PublicUserT[]>
  create(input: { username: string; password: string; role: RoleT; email?: string | null }): Promise<PublicUserT>
  /** `is_active: false` also ends every token of the user's (and refuses the last active admin). */
  update(id: number, patch: UserPatch): Promise<PublicUserT>
  delete(id: number): MaybePromise<void>
  /** Bumps the token version: every token issued so far stops working. */
  revokeTokens(id: number): MaybePromise<void>
  /**
   * The user for these credentials, or null; about as long either way (server/password-check.ts).
   * A deactivated user is returned as such (`is_active: false`): the caller refuses it, saying why.
   */
  verify(username: string, password: string): Promise<(PublicUserT & { tokenVersion: number }) | null>
}

export interface UserPatch {
  password?: string
  role?: RoleT
  email?: string | null
  is_active?: boolean
}

/** What changed about an account, for whoever holds sessions of it. */
export type AccountChange = 'created' | 'password' | 'role' | 'tokens' | 'deleted' | 'deactivated' | 'reactivated'

/** Why a change to the last active admin is refused, or null: the fleet always keeps one. */
export function lastAdminRefusal(isLastActiveAdmin: boolean, patch: UserPatch): string | null {
  if (!isLastActiveAdmin) return null
  if (patch.role !== undefined && patch.role !== 'admin') return 'the last admin cannot be demoted'
  if (patch.is_active === false) return 'the last admin cannot be deactivated'
  return null
}

/** Said to a deactivated user who gave the right password (after the check, so it tells a guesser nothing). */
export const DEACTIVATED = 'this account is deactivated; an admin can reactivate it'

export interface AccountRoutesOptions {
  auth: ReturnType<typeof authPlugin>
  users: AccountStore
  secret: string
  throttle: AuthThrottle
  hashGate: HashGate
  audit(event: { ok: boolean; username: string; addr: string; reason?: string }): MaybePromise<void>
  /** After an account was created, its password, role or tokens changed, or it was deleted. */
  changed(uid: number, change: AccountChange): MaybePromise<void>
}

const ErrorBody = t.Object({ error: t.String(), message: t.String() })
const UserId = t.Object({ id: t.Integer({ minimum: 1, maximum: 2_147_483_647 }) })
const Email = t.Optional(t.Union([t.String({ format: 'email', maxLength: 254 }), t.Null()]))
const UserPatchBody = { password: t.Optional(Password), role: t.Optional(Role), email: Email, is_active: t.Optional(t.Boolean()) }
const LOGIN_LIMITS = { maxBytes: 2048, maxDepth: 2 }

function storeError(err: unknown): never {
  if (err instanceof AccountError)
    throw new HttpError(err.status, err.status === 404 ? 'not_found' : err.status === 409 ? 'conflict' : 'invalid_request', err.message)
  throw err
}

export function accountRoutes(o: AccountRoutesOptions) {
  const { users } = o
  /** A password check under the process's ceiling on hash work. */
  const check = async (username: string, password: string) => {
    try {
      return await o.hashGate.run(() => users.verify(username, password))
    } catch (err) {
      if (err instanceof HashBusy) throw new HttpError(503, 'busy', err.message, { 'retry-after': '1' })
      throw err
    }
  }
  const userOr404 = async (id: number) =>
    (await users.get(id)) ??
    (() => {
      throw new HttpError(404, 'not_found', `no user ${id}`)
    })()
  const me = (p: { kind: string; uid?: number }) => p.uid as number

  return new Elysia()
    .use(o.auth)
    .post(
      '/auth/login',
      async ({ body, request }) => {
        const addr = peerOf(request)
        const name = body.username.slice(0, 64)
        const wait = o.throttle.retryAfter(addr, name)
        if (wait > 0) {
          await o.audit({ ok: false, username: name, addr, reason: 'throttled' })
          throw new HttpError(429, 'too_many_attempts', 'too many failed logins; try again later', { 'retry-after': String(Math.ceil(wait / 1000)) })
        }
        const u = await check(body.username, body.password)
        if (!u) {
          o.throttle.fail(addr, name)
          await o.audit({ ok: false, username: name, addr, reason: 'wrong username or password' })
          throw new HttpError(401, 'unauthorized', 'wrong username or password')
        }
        o.throttle.succeed(addr, name)
        if (!u.is_active) {
          await o.audit({ ok: false, username: u.username, addr, reason: 'account deactivated' })
          throw new HttpError(403, 'account_deactivated', DEACTIVATED)
        }
        await o.audit({ ok: true, username: u.username, addr })
        const { tokenVersion, ...user } = u
        return {
          access_token: signToken({ sub: u.username, uid: u.id, role: u.role, ver: tokenVersion }, o.secret, TOKEN_TTL_S),
          token_type: 'bearer' as const,
          expires_in: TOKEN_TTL_S,
          user,
        }
      },
      {
        auth: { allow: 'public', body: LOGIN_LIMITS },
        body: t.Object({ username: t.String({ minLength: 1, maxLength: 64 }), password: t.String({ minLength: 1, maxLength: 256 }) }),
        response: {
          200: t.Object({ access_token: t.String(), token_type: t.Literal('bearer'), expires_in: t.Integer(), user: PublicUser }),
          401: ErrorBody,
          403: ErrorBody,
          429: ErrorBody,
          503: ErrorBody,
        },
        detail: {
          summary:
            'A bearer token for a user; repeated failures from an address or for an account are answered 429 with Retry-After; a deactivated account 403',
        },
      },
    )

    .get('/auth/me', async ({ principal }) => userOr404(me(principal)), { auth: 'viewer', response: PublicUser })
    .post(
      '/auth/me/password',
      async ({ principal, body, request }) => {
        // The current password is guessed here too, by whoever holds a stolen token: throttled alike.
        const addr = peerOf(request)
        const wait = o.throttle.retryAfter(addr, principal.username)
        if (wait > 0)
          throw new HttpError(429, 'too_many_attempts', 'too many wrong passwords; try again later', { 'retry-after': String(Math.ceil(wait / 1000)) })
        if (!(await check(principal.username, body.current_password))) {
          o.throttle.fail(addr, principal.username)
          await o.audit({ ok: false, username: principal.username, addr, reason: 'wrong current password' })
          throw new HttpError(403, 'forbidden', 'the current password is wrong')
        }
        await users.update(me(principal), { password: body.new_password }).catch(storeError)
        await o.changed(me(principal), 'password')
        return { ok: true }
      },
      {
        auth: 'viewer',
        body: t.Object({ current_password: t.String({ maxLength: 256 }), new_password: Password }),
        detail: { summary: 'Change my password: every token issued before stops working, and my live sockets and MQTT sessions are closed' },
      },
    )
    .post(
      '/auth/me/tokens/revoke',
      async ({ principal }) => {
        await users.revokeTokens(me(principal))
        await o.changed(me(principal), 'tokens')
        return { ok: true }
      },
      { auth: 'viewer', detail: { summary: 'Sign out everywhere: every token of mine stops working (this one too)' } },
    )

    .get('/users', () => users.list(), { auth: 'admin', response: t.Array(PublicUser) })
    .post(
      '/users',
      async ({ body, set }) => {
        const u = await users.create(body).catch(storeError)
        await o.changed(u.id, 'created')
        set.status = 201
        return u
      },
      { auth: 'admin', body: t.Object({ username: Username, password: Password, role: Role, email: Email }, { additionalProperties: false }) },
    )
    .get('/users/:id', ({ params }) => userOr404(params.id), { auth: 'admin', params: UserId, response: { 200: PublicUser, 404: ErrorBody } })
    .put(
      '/users/:id',
      async ({ principal, params, body }) => {
        knownFields(body, UserPatchBody, 'a user change')
        const before = await userOr404(params.id)
        if (body.is_active === false && me(principal) === params.id) throw new HttpError(409, 'conflict', 'you cannot deactivate yourself')
        const u = await users.update(params.id, body).catch(storeError)
        if (body.is_active !== undefined && body.is_active !== before.is_active) await o.changed(params.id, body.is_active ? 'reactivated' : 'deactivated')
        if (body.password !== undefined) await o.changed(params.id, 'password')
        else if (body.role !== undefined && body.role !== before.role) await o.changed(params.id, 'role')
        return u
      },
      {
        auth: 'admin',
        params: UserId,
        body: OpenBody(UserPatchBody, { minProperties: 1 }),
        detail: {
          summary:
            "Change a user; a new password or role, or `is_active: false` (the account stays, unable to log in), ends the user's tokens, live sockets and MQTT sessions. The last active admin cannot be demoted or deactivated, nor you yourself deactivated",
        },
      },
    )
    .delete(
      '/users/:id',
      async ({ principal, params }) => {
        if (me(principal) === params.id) throw new HttpError(409, 'conflict', 'you cannot delete yourself')
        await (async () => users.delete(params.id))().catch(storeError)
        await o.changed(params.id, 'deleted')
        return { ok: true }
      },
      { auth: 'admin', params: UserId, detail: { summary: 'Delete a user (not the last admin); their sessions end at once' } },
    )
    .post(
      '/users/:id/tokens/revoke',
      async ({ params }) => {
        await userOr404(params.id)
        await users.revokeTokens(params.id)
        await o.changed(params.id, 'tokens')
        return { ok: true }
      },
      { auth: 'admin', params: UserId, detail: { summary: 'End every token, live socket and MQTT session of a user (e.g. a lost phone)' } },
    )
}
