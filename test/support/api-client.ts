// What a test does against an edge's or a hub's API (they share the auth and users routes):
// log in, get a token for a role (creating `<role>-user` with password `<role>-password` on first
// use, as the admin), and call a route with a token and a JSON body.
import type { Role } from '../../core/schemas.ts'

export type ApiInit = RequestInit & { token?: string; json?: unknown }

export interface ApiClient {
  login(username: string, password: string): Promise<string>
  /** Creates a user with this role (password `${role}-password`) and returns a token. */
  tokenFor(role: Role): Promise<string>
  api(path: string, init?: ApiInit): Promise<Response>
}

/** `ca`: the CA an https:// base's certificate must chain to. */
export function apiClient(base: string, adminPassword: string, ca?: string): ApiClient {
  const fetch = (url: string, init: RequestInit = {}) => globalThis.fetch(url, ca ? ({ ...init, tls: { ca } } as RequestInit) : init)
  const tokens = new Map<Role, string>()
  const c: ApiClient = {
    async login(username, password) {
      const r = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      })
      if (r.status !== 200) throw new Error(`login ${username} failed: ${r.status} ${await r.text()}`)
      return (await r.json()).access_token
    },
    async tokenFor(role) {
      const cached = tokens.get(role)
      if (cached) return cached
      const admin = tokens.get('admin') ?? (await c.login('admin', adminPassword))
      tokens.set('admin', admin)
      if (role === 'admin') return admin
      const username = `${role}-user`
      const r = await c.api('/api/v1/users', { token: admin, method: 'POST', json: { username, password: `${role}-password`, role } })
      if (r.status !== 201 && r.status !== 409) throw new Error(`create ${role}: ${r.status} ${await r.text()}`)
      const t = await c.login(username, `${role}-password`)
      tokens.set(role, t)
      return t
    },
    api(path, init = {}) {
      const headers = new Headers(init.headers)
      if (init.token) headers.set('authorization', `Bearer ${init.token}`)
      let body = init.body
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json')
        body = JSON.stringify(init.json)
      }
      return fetch(`${base}${path}`, { ...init, headers, body })
    },
  }
  return c
}
