// Every route of the hub's OpenAPI document x every kind of caller, robots' credentials
// included (test/security/route-matrix.ts).
import { afterAll, describe, expect, test } from 'bun:test'
import type { Role } from '../../core/schemas.ts'
import { HUB_ADMIN_PASSWORD, startTestHub } from '../support/hub-harness.ts'
import { checkOperation, operations } from './route-matrix.ts'

const h = await startTestHub()
afterAll(() => h.stop(), 60_000)
const admin = await h.tokenFor('admin')
for (const role of ['operator', 'viewer'] as Role[]) await h.tokenFor(role)
const robots: Record<string, { username: string; token: string }> = {}
for (const id of ['sec-a', 'sec-b']) {
  const r = await h.api('/api/v1/robots', { token: admin, method: 'POST', json: { robot_id: id } })
  robots[id] = (await r.json()).credential
}
const doc = await (await h.api('/api/v1/openapi.json', { token: admin })).json()
const ops = operations(doc)
const ids = new Map((await h.hub.ctx.users.list()).map((u) => [u.username, u.id]))

const target = {
  base: h.base,
  secret: h.hub.ctx.jwtSecret,
  async user(role: Role) {
    const u = (await h.hub.ctx.users.current(ids.get(role === 'admin' ? 'admin' : `${role}-user`)!))!
    return { id: u.id, username: u.username, tokenVersion: u.tokenVersion }
  },
  robot: { id: 'sec-a', ...robots['sec-a'] },
  otherRobotId: 'sec-b',
}
const fill = (param: string, path: string) => (param === 'metric' ? 'no_such_metric' : path.includes('/robots/') ? 'no-such-robot' : '999999')
const PUBLIC = ['GET /api/v1/health', 'GET /api/v1/tls/ca', 'POST /api/v1/auth/login']

describe('the hub: every route x every caller, robots included', () => {
  test('the document lists the routes, each with what it admits', () => {
    expect(ops.length).toBeGreaterThan(30)
    expect(ops.filter((o) => !o.needs).map((o) => `${o.method} ${o.path}`)).toEqual([])
    expect(
      ops
        .filter((o) => o.needs?.includes('public'))
        .map((o) => `${o.method} ${o.path}`)
        .sort(),
    ).toEqual(PUBLIC)
    expect(ops.some((o) => o.needs?.includes('robot') && o.robotParam)).toBe(true)
  })

  for (const op of ops) {
    test(`${op.method} ${op.path} (${op.needs?.join(', ')})`, async () => {
      const { got, want } = await checkOperation(op, target, fill, { acceptsRobots: true })
      expect(got).toEqual(want)
    })
  }

  test('a robot reads its own credential record, never the token; a revoked credential is refused at once', async () => {
    const basic = `Basic ${Buffer.from(`${robots['sec-b'].username}:${robots['sec-b'].token}`).toString('base64')}`
    const own = await h.api('/api/v1/robots/sec-b/credential', { headers: { authorization: basic } })
    expect(own.status).toBe(200)
    const body = await own.json()
    expect(body).toMatchObject({ robot_id: 'sec-b', username: 'robot-sec-b', revoked: false })
    expect(JSON.stringify(body)).not.toContain(robots['sec-b'].token)
    // The matrix revoked every token of the admin's on the way: a fresh one.
    const fresh = await h.login('admin', HUB_ADMIN_PASSWORD)
    expect((await h.api('/api/v1/robots/sec-b/credential/revoke', { token: fresh, method: 'POST' })).status).toBe(200)
    expect((await h.api('/api/v1/robots/sec-b/credential', { headers: { authorization: basic } })).status).toBe(401)
  })
})
