// Every route of the edge's OpenAPI document x every kind of caller (test/security/route-matrix.ts).
import { afterAll, describe, expect, test } from 'bun:test'
import type { Role } from '../../core/schemas.ts'
import { startTestEdge } from '../support/edge-harness.ts'
import { checkOperation, operations } from './route-matrix.ts'

const h = await startTestEdge()
afterAll(() => h.stop())
const admin = await h.tokenFor('admin')
for (const role of ['operator', 'viewer'] as Role[]) await h.tokenFor(role)
const doc = await (await h.api('/api/v1/openapi.json', { token: admin })).json()
const ops = operations(doc)

const target = {
  base: h.base,
  secret: h.edge.ctx.jwtSecret,
  user(role: Role) {
    const u = h.edge.ctx.users.list().find((x) => x.username === (role === 'admin' ? 'admin' : `${role}-user`))!
    return { id: u.id, username: u.username, tokenVersion: h.edge.ctx.users.current(u.id)!.tokenVersion }
  },
}
const fill = (param: string) => (param === 'metric' ? 'no_such_metric' : '999999')
/** The only routes anyone may call: a new public route must be added here on purpose. */
const PUBLIC = ['GET /api/v1/health', 'POST /api/v1/auth/login']

describe('the edge: every route x every caller', () => {
  test('the document lists the routes, each with what it admits', () => {
    expect(ops.length).toBeGreaterThan(30)
    expect(ops.filter((o) => !o.needs).map((o) => `${o.method} ${o.path}`)).toEqual([])
    expect(
      ops
        .filter((o) => o.needs?.includes('public'))
        .map((o) => `${o.method} ${o.path}`)
        .sort(),
    ).toEqual(PUBLIC)
  })

  for (const op of ops) {
    test(`${op.method} ${op.path} (${op.needs?.join(', ')})`, async () => {
      const { got, want } = await checkOperation(op, target, fill, { acceptsRobots: false })
      expect(got).toEqual(want)
    })
  }
})
