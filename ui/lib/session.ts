// Who is logged in. The token lives in localStorage so a phone that reloads the page (or
// wakes from sleep) stays logged in until the token expires.
import { roleAtLeast } from '../../core/roles.ts'
import { apiRequest, type ApiOptions } from './api.ts'
import { Observable } from './observable.ts'
import type { LoginResponse, PublicUser, Role } from './types.ts'

export interface Session {
  token: string
  user: PublicUser
  expiresAt: number
}

const KEY = 'tonypi.session'

function load(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Session | null
    return s && typeof s.token === 'string' && s.expiresAt > Date.now() ? s : null
  } catch {
    return null
  }
}

function store(s: Session | null) {
  try {
    if (s) localStorage.setItem(KEY, JSON.stringify(s))
    else localStorage.removeItem(KEY)
  } catch {
    // Private mode without storage: the session lasts as long as the page.
  }
}

export const session = new Observable<Session | null>(load())
/** Why the user was sent back to the login page, shown there once. */
export const logoutReason = new Observable<string | null>(null)

export async function login(username: string, password: string): Promise<Session> {
  const r = await apiRequest<LoginResponse>('/auth/login', { method: 'POST', json: { username, password } })
  const s: Session = { token: r.access_token, user: r.user, expiresAt: Date.now() + r.expires_in * 1000 }
  store(s)
  logoutReason.set(null)
  session.set(s)
  return s
}

export function logout(reason: string | null = null) {
  store(null)
  logoutReason.set(reason)
  session.set(null)
}

export function updateSessionUser(user: PublicUser) {
  const s = session.value
  if (!s) return
  const next = { ...s, user }
  store(next)
  session.set(next)
}

/** An API call as the logged-in user; a 401 ends the session with a reason. */
export function api<T>(path: string, opts: Omit<ApiOptions, 'token' | 'onUnauthorized'> = {}): Promise<T> {
  return apiRequest<T>(path, {
    ...opts,
    token: session.value?.token ?? null,
    onUnauthorized: () => logout('Your session has expired. Please log in again.'),
  })
}

export function canCommand(role: Role | undefined): boolean {
  return role !== undefined && roleAtLeast(role, 'operator')
}
