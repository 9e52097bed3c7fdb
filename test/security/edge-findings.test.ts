// The week's findings against the edge's HTTP side, each reproduced as an attacker on the
// loopback would, and each failing without its fix (issue 11).
import { liveProtocols } from '../../core/live/protocol.ts'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { ADMIN_PASSWORD, startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { requestFrom, statusBeforeBodyEnds } from './probes.ts'

let h: EdgeHarness
let operator: string
beforeAll(async () => {
  h = await startTestEdge()
  operator = await h.tokenFor('operator')
  await h.tokenFor('viewer')
})
afterAll(() => h.stop())

describe('a request body is read only after its credentials are checked, and only within limits', () => {
  test('no token: refused while the body is still arriving (the body is never read)', async () => {
    const status = await statusBeforeBodyEnds(
      h.edge.httpPort,
      { method: 'POST', path: '/api/v1/command', headers: { 'Content-Type': 'application/json' } },
      '[' + '1,'.repeat(1000),
    )
    expect(status).toBe(401)
  })

  test('a viewer: refused the same way (403), before the body', async () => {
    const viewer = await h.tokenFor('viewer')
    const status = await statusBeforeBodyEnds(
      h.edge.httpPort,
      { method: 'POST', path: '/api/v1/command', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${viewer}` } },
      '{"type":"stop"',
    )
    expect(status).toBe(403)
  })

  test('an operator whose body outgrows the route: 413 as soon as it passes the limit, the rest unread', async () => {
    const status = await statusBeforeBodyEnds(
      h.edge.httpPort,
      { method: 'POST', path: '/api/v1/command', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${operator}` } },
      '[' + '1,'.repeat(5000),
    )
    expect(status).toBe(413)
  })

  test('a declared length over the route limit: 413 at once; over the server limit: 413 from the server', async () => {
    const r = await h.api('/api/v1/command', { method: 'POST', token: operator, json: { type: 'stop', pad: 'x'.repeat(8000) } })
    expect(r.status).toBe(413)
    expect((await r.json()).error).toBe('payload_too_large')
    const big = await h.api('/api/v1/command', { method: 'POST', body: '[' + '0,'.repeat(1_500_000) + '0]', headers: { 'content-type': 'application/json' } })
    expect(big.status).toBe(413)
  })

  test('deep nesting is a 400 before JSON.parse (50,000 levels gave a 500 and /health 503)', async () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000)
    const anonymous = await h.api('/api/v1/command', { method: 'POST', body: deep, headers: { 'content-type': 'application/json' } })
    expect(anonymous.status).toBe(401)
    const tooBig = await h.api('/api/v1/command', { method: 'POST', token: operator, body: deep, headers: { 'content-type': 'application/json' } })
    expect(tooBig.status).toBe(413)
    const nested = await h.api('/api/v1/logs', {
      method: 'POST',
      token: operator,
      body: '{"message":' + '['.repeat(40) + ']'.repeat(40) + '}',
      headers: { 'content-type': 'application/json' },
    })
    expect(nested.status).toBe(400)
    expect((await nested.json()).message).toMatch(/nests deeper than 8/)
    expect((await h.api('/api/v1/health')).status).toBe(200)
  })

  test('a 2 MB array without a token is refused without being parsed, and the robot keeps polling', async () => {
    const before = h.edge.ctx.state.lastSampleTs!
    const r = await h.api('/api/v1/command', { method: 'POST', body: '[' + '{"a":1},'.repeat(100_000) + '1]', headers: { 'content-type': 'application/json' } })
    expect([401, 413]).toContain(r.status)
    await waitFor('a sample after the request', () => h.edge.ctx.state.lastSampleTs! > before)
  })
})

describe('input the stores cannot hold is a 400, never a 500', () => {
  test('NUL characters in a query or a body, and dates no Date can hold', async () => {
    const viewer = await h.tokenFor('viewer')
    const cases: [string, RequestInit & { token?: string; json?: unknown }][] = [
      ['/api/v1/logs?q=a%00b', { token: viewer }],
      ['/api/v1/logs?from=1e20', { token: viewer }],
      ['/api/v1/robot/sensors?stream=battery&from=-1e300', { token: viewer }],
      ['/api/v1/alerts?to=99999999999999999999', { token: viewer }],
      ['/api/v1/logs', { token: operator, method: 'POST', json: { message: 'a\u0000b' } }],
    ]
    for (const [path, init] of cases) {
      const r = await h.api(path, init)
      expect(`${path} ${r.status}`).toBe(`${path} 400`)
    }
    expect(h.logs.filter((l) => l.includes('request failed'))).toEqual([])
  })
})

describe('API answers', () => {
  test('carry nosniff and no-store, refusals and errors included', async () => {
    for (const [path, token] of [
      ['/api/v1/robot/status', await h.tokenFor('viewer')],
      ['/api/v1/robot/status', undefined],
      ['/api/v1/nothing-here', undefined],
    ] as const) {
      const r = await h.api(path, { token })
      expect(r.headers.get('x-content-type-options')).toBe('nosniff')
      expect(r.headers.get('cache-control')).toBe('no-store')
    }
  })

  test('the dashboard may open WebSockets to its own host only', async () => {
    const page = await fetch(`${h.base}/`)
    const csp = page.headers.get('content-security-policy')!
    const connect = csp
      .split(';')
      .map((s) => s.trim())
      .find((s) => s.startsWith('connect-src'))!
    expect(connect.split(' ')).not.toContain('ws:')
    expect(connect.split(' ')).not.toContain('wss:')
    expect(connect).toContain(`ws://127.0.0.1:${h.edge.httpPort}`)
    await page.arrayBuffer()
  })
})

describe('accounts', () => {
  test('the database and its WAL are readable by the edge only (0600)', () => {
    for (const f of ['edge.db', 'edge.db-wal']) expect((statSync(join(h.dataDir, f)).mode & 0o777).toString(8)).toBe('600')
  })

  test('two demotions at once leave an admin', async () => {
    const admin = await h.tokenFor('admin')
    const second = await h.api('/api/v1/users', {
      token: admin,
      method: 'POST',
      json: { username: 'admin-two', password: 'admin-two-password', role: 'admin' },
    })
    const id2 = (await second.json()).id
    const me = (await (await h.api('/api/v1/auth/me', { token: admin })).json()).id
    // A password in the same change makes each request wait on a hash between its check and its write.
    const [a, b] = await Promise.all(
      [me, id2].map((id) => h.api(`/api/v1/users/${id}`, { token: admin, method: 'PUT', json: { role: 'viewer', password: 'demoted-password' } })),
    )
    expect([a.status, b.status].sort()).toEqual([200, 409])
    expect(h.edge.ctx.users.list().filter((u) => u.role === 'admin').length).toBe(1)
  })

  test("a user's live socket closes when their tokens are revoked, their password changes or they are deleted", async () => {
    // The admin the previous test left: whichever of the two was not demoted kept its password.
    const left = h.edge.ctx.users.list().find((u) => u.role === 'admin')!.username
    const adminToken = await h.login(left, left === 'admin' ? ADMIN_PASSWORD : 'admin-two-password')
    for (const change of ['revoke', 'password', 'delete'] as const) {
      const name = `live-${change}`
      const u = await (
        await h.api('/api/v1/users', { token: adminToken, method: 'POST', json: { username: name, password: `${name}-password`, role: 'viewer' } })
      ).json()
      const token = await h.login(name, `${name}-password`)
      const ws = new WebSocket(`ws://127.0.0.1:${h.edge.httpPort}/api/v1/live`, liveProtocols(token))
      let closed: number | null = null
      ws.onclose = (e) => {
        closed = e.code
      }
      await new Promise((r) => {
        ws.onmessage = r
      })
      const r =
        change === 'revoke'
          ? await h.api(`/api/v1/users/${u.id}/tokens/revoke`, { token: adminToken, method: 'POST' })
          : change === 'password'
            ? await h.api(`/api/v1/users/${u.id}`, { token: adminToken, method: 'PUT', json: { password: 'a-new-password' } })
            : await h.api(`/api/v1/users/${u.id}`, { token: adminToken, method: 'DELETE' })
      expect(r.status).toBe(200)
      await waitFor(`live socket closed after ${change}`, () => closed !== null)
      expect(closed!).toBe(4001)
    }
  })
})

describe('login throttling', () => {
  let e: EdgeHarness
  beforeAll(async () => {
    e = await startTestEdge()
  })
  afterAll(() => e.stop())

  test('keyed on the real peer address: a guesser at one address does not lock out the account elsewhere', async () => {
    let last = 0
    for (let i = 0; i < 30; i++)
      last = (await requestFrom('127.0.0.2', e.edge.httpPort, '/api/v1/auth/login', { username: 'admin', password: `guess-${i}` })).status
    expect(last).toBe(429)
    const fromGuesser = await requestFrom('127.0.0.2', e.edge.httpPort, '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD })
    expect(fromGuesser.status).toBe(429)
    const elsewhere = await e.api('/api/v1/auth/login', { method: 'POST', json: { username: 'admin', password: ADMIN_PASSWORD } })
    expect(elsewhere.status).toBe(200)
    e.edge.ctx.store.flush(Date.now())
    const failed = e.edge.ctx.store.queryEvents({ limit: 1000 }).filter((x) => x.kind === 'login' && (x.data as { ok: boolean }).ok === false)
    expect(failed.length).toBeGreaterThanOrEqual(30)
    expect((failed[0].data as { addr: string }).addr).toBe('127.0.0.2')
  })

  test('hash work has a ceiling: a burst of logins with random names is partly refused at once (503), not queued', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        requestFrom(`127.0.1.${i + 1}`, e.edge.httpPort, '/api/v1/auth/login', { username: `nobody-${crypto.randomUUID()}`, password: 'x' }),
      ),
    )
    const statuses = results.map((r) => r.status)
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0)
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20)
    expect(statuses.every((s) => s === 401 || s === 503)).toBe(true)
  })
})
