// Login and roles on every route: a table of every route with the least role it needs,
// checked against the OpenAPI document so a new route cannot skip the table.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Role } from '../../core/schemas.ts'
import { startTestEdge, type EdgeHarness } from '../support/edge-harness.ts'

type Need = Role | 'public'
interface Route {
  method: string
  path: string
  need: Need
  body?: unknown
  ok: number[]
}

// `ok`: the statuses a caller with enough rights may get (the request may still be refused
// for its content, e.g. a 404 for an unknown id), never 401/403.
const ROUTES: Route[] = [
  { method: 'GET', path: '/api/v1/health', need: 'public', ok: [200] },
  { method: 'POST', path: '/api/v1/auth/login', need: 'public', body: { username: 'nobody', password: 'wrong-password' }, ok: [401, 429] },
  { method: 'GET', path: '/api/v1/auth/me', need: 'viewer', ok: [200] },
  { method: 'POST', path: '/api/v1/auth/metrics-token', need: 'admin', body: { ttl_days: 1 }, ok: [200] },
  { method: 'POST', path: '/api/v1/auth/me/password', need: 'viewer', body: { current_password: 'wrong', new_password: 'whatever-long' }, ok: [403] },
  { method: 'GET', path: '/api/v1/users', need: 'admin', ok: [200] },
  { method: 'POST', path: '/api/v1/users/999/tokens/revoke', need: 'admin', ok: [404] },
  { method: 'POST', path: '/api/v1/users', need: 'admin', body: { username: 'new-user', password: 'new-user-pass', role: 'viewer' }, ok: [201, 409] },
  { method: 'GET', path: '/api/v1/users/1', need: 'admin', ok: [200] },
  { method: 'PUT', path: '/api/v1/users/999', need: 'admin', body: { email: null }, ok: [404] },
  { method: 'DELETE', path: '/api/v1/users/999', need: 'admin', ok: [404] },
  { method: 'GET', path: '/api/v1/robots', need: 'viewer', ok: [200] },
  { method: 'GET', path: '/api/v1/robots/testbot', need: 'viewer', ok: [200] },
  { method: 'PUT', path: '/api/v1/robots/testbot', need: 'admin', body: { notes: 'roles' }, ok: [200] },
  { method: 'GET', path: '/api/v1/robot/status', need: 'viewer', ok: [200] },
  { method: 'GET', path: '/api/v1/robot/sensors?stream=battery', need: 'viewer', ok: [200] },
  { method: 'GET', path: '/api/v1/pi/performance', need: 'viewer', ok: [200] },
  { method: 'POST', path: '/api/v1/command', need: 'operator', body: { type: 'stop' }, ok: [202] },
  { method: 'GET', path: '/api/v1/command/none', need: 'viewer', ok: [404] },
  { method: 'GET', path: '/api/v1/stats', need: 'viewer', ok: [200] },
  { method: 'GET', path: '/api/v1/actions', need: 'viewer', ok: [200] },
  { method: 'GET', path: '/api/v1/alerts?resolved=false', need: 'viewer', ok: [200] },
  { method: 'GET', path: '/api/v1/alerts/stats', need: 'viewer', ok: [200] },
  { method: 'POST', path: '/api/v1/alerts', need: 'operator', body: { severity: 'info', title: 'roles' }, ok: [201] },
  { method: 'POST', path: '/api/v1/alerts/acknowledge-all', need: 'operator', body: { type: 'no_such_type' }, ok: [200] },
  { method: 'GET', path: '/api/v1/alerts/rules', need: 'viewer', ok: [200] },
  { method: 'PUT', path: '/api/v1/alerts/rules/none', need: 'admin', body: { enabled: true }, ok: [404] },
  { method: 'POST', path: '/api/v1/alerts/999/acknowledge', need: 'operator', ok: [404] },
  { method: 'POST', path: '/api/v1/alerts/999/resolve', need: 'operator', ok: [404] },
  { method: 'GET', path: '/api/v1/sim/fault', need: 'viewer', ok: [200] },
  // A servo the robot does not have: checked after the role, and nothing is injected.
  { method: 'POST', path: '/api/v1/sim/fault', need: 'admin', body: { kind: 'silent', servo_id: 99 }, ok: [404] },
  { method: 'DELETE', path: '/api/v1/sim/fault', need: 'admin', ok: [200] },
  // No GEMINI_API_KEY here: the report comes back at once, without a narrative.
  { method: 'POST', path: '/api/v1/reports/generate', need: 'operator', body: { report_type: 'job', time_range: '1h' }, ok: [201] },
  { method: 'GET', path: '/api/v1/reports', need: 'viewer', ok: [200] },
  { method: 'GET', path: '/api/v1/reports/999', need: 'viewer', ok: [404] },
  { method: 'GET', path: '/api/v1/reports/999/pdf', need: 'viewer', ok: [404] },
  { method: 'DELETE', path: '/api/v1/reports/999', need: 'admin', ok: [404] },
  { method: 'GET', path: '/api/v1/reports/export/csv', need: 'viewer', ok: [200] },
  { method: 'GET', path: '/api/v1/reports/export/json', need: 'viewer', ok: [200] },
  { method: 'POST', path: '/api/v1/jobs', need: 'operator', body: { task_name: 'roles' }, ok: [201] },
  { method: 'PATCH', path: '/api/v1/jobs/999', need: 'operator', body: { percent: 0 }, ok: [404] },
  { method: 'GET', path: '/api/v1/jobs', need: 'viewer', ok: [200] },
  { method: 'GET', path: '/api/v1/jobs/stats', need: 'viewer', ok: [200] },
  { method: 'GET', path: '/api/v1/jobs/999', need: 'viewer', ok: [404] },
  { method: 'GET', path: '/api/v1/logs?level=warn', need: 'viewer', ok: [200] },
  { method: 'GET', path: '/api/v1/logs/stats?level=warn', need: 'viewer', ok: [200] },
  { method: 'POST', path: '/api/v1/logs', need: 'operator', body: { message: 'roles note' }, ok: [201] },
  { method: 'GET', path: '/api/v1/logs/export/csv', need: 'viewer', ok: [200] },
  { method: 'GET', path: '/api/v1/logs/export/json', need: 'viewer', ok: [200] },
  { method: 'GET', path: '/api/v1/sync/status', need: 'viewer', ok: [200] },
]

const RANK: Record<Need, number> = { public: 0, viewer: 1, operator: 2, admin: 3 }

let h: EdgeHarness
const tokens: Partial<Record<Role, string>> = {}
beforeAll(async () => {
  h = await startTestEdge()
  for (const r of ['admin', 'operator', 'viewer'] as Role[]) tokens[r] = await h.tokenFor(r)
})
afterAll(() => h.stop())

describe('every route x role', () => {
  test('the table covers every route in the OpenAPI document', async () => {
    const spec = await (await h.api('/api/v1/openapi.json')).json()
    const documented = Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{[^}]+\}/g, ':x')}`),
    )
    const inTable = new Set(ROUTES.map((r) => `${r.method} ${r.path.split('?')[0].replace(/\/(1|999|testbot|none)(?=\/|$)/g, '/:x')}`))
    // The metrics are not a role's: a metrics-scope token, an admin, or loopback (test/ops/metrics.test.ts).
    const elsewhere = new Set(['POST /api/v1/auth/me/tokens/revoke', 'GET /api/v1/metrics'])
    for (const d of documented) if (!elsewhere.has(d)) expect(inTable.has(d) ? d : `missing from the table: ${d}`).toBe(d)
  })

  for (const r of ROUTES) {
    for (const who of ['anonymous', 'bad-token', 'viewer', 'operator', 'admin'] as const) {
      test(`${r.method} ${r.path} as ${who}`, async () => {
        const token = who === 'anonymous' ? undefined : who === 'bad-token' ? 'not.a.token' : tokens[who]
        const res = await h.api(r.path, { method: r.method, token, json: r.body })
        const rank = who === 'anonymous' || who === 'bad-token' ? 0 : RANK[who]
        if (rank >= RANK[r.need]) {
          expect(r.ok).toContain(res.status)
        } else {
          expect(res.status).toBe(rank === 0 ? 401 : 403)
          const body = await res.json()
          expect(body.error).toBe(rank === 0 ? 'unauthorized' : 'forbidden')
        }
      })
    }
  }
})

describe('login', () => {
  test('one message for an unknown user and a wrong password', async () => {
    const a = await h.api('/api/v1/auth/login', { method: 'POST', json: { username: 'ghost', password: 'x' } })
    const b = await h.api('/api/v1/auth/login', { method: 'POST', json: { username: 'admin', password: 'x' } })
    expect(a.status).toBe(401)
    expect(b.status).toBe(401)
    expect(await a.json()).toEqual(await b.json())
  })

  test('repeated failures are slowed down with 429 and Retry-After', async () => {
    let last: Response | undefined
    for (let i = 0; i < 7; i++) last = await h.api('/api/v1/auth/login', { method: 'POST', json: { username: 'operator-user', password: 'bad' } })
    expect(last!.status).toBe(429)
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  test('a password change invalidates older tokens', async () => {
    const create = await h.api('/api/v1/users', {
      token: tokens.admin,
      method: 'POST',
      json: { username: 'changer', password: 'first-password', role: 'viewer' },
    })
    expect(create.status).toBe(201)
    const t1 = await h.login('changer', 'first-password')
    const ch = await h.api('/api/v1/auth/me/password', {
      token: t1,
      method: 'POST',
      json: { current_password: 'first-password', new_password: 'second-password' },
    })
    expect(ch.status).toBe(200)
    expect((await h.api('/api/v1/auth/me', { token: t1 })).status).toBe(401)
    const t2 = await h.login('changer', 'second-password')
    expect((await h.api('/api/v1/auth/me', { token: t2 })).status).toBe(200)
  })

  test('the last admin cannot be deleted or demoted', async () => {
    const del = await h.api('/api/v1/users/1', { token: tokens.admin, method: 'DELETE' })
    expect(del.status).toBe(409)
    const users = await (await h.api('/api/v1/users', { token: tokens.admin })).json()
    expect(users.find((u: { username: string }) => u.username === 'admin').role).toBe('admin')
  })
})
