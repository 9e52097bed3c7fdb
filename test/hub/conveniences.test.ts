// The earlier system's everyday conveniences on a running hub with real PostgreSQL, InfluxDB and
// Mosquitto (issue 15, item 4): robots' details, alert counts, acknowledge-all and manual alerts,
// log counts, report delete and list export, users deactivated and reactivated, job statistics
// per robot and fleet-wide; and an existing database upgraded by the new migration.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { SQL } from 'bun'
import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/bun-sql'
import { migrate } from 'drizzle-orm/bun-sql/migrator'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HUB_MIGRATIONS_DIR, openHubDatabase } from '../../hub/db/database.ts'
import { jobs, reports, users } from '../../hub/db/schema.ts'
import { downStateFor } from '../../hub/sync/down-state.ts'
import { connectMqtt } from '../security/probes.ts'
import { waitFor } from '../support/edge-harness.ts'
import { startTestHub, type HubHarness } from '../support/hub-harness.ts'

let h: HubHarness
let admin: string, operator: string, viewer: string

beforeAll(async () => {
  h = await startTestHub()
  admin = await h.tokenFor('admin')
  operator = await h.tokenFor('operator')
  viewer = await h.tokenFor('viewer')
  for (const robot_id of ['c1', 'c2']) expect((await h.api('/api/v1/robots', { token: admin, method: 'POST', json: { robot_id } })).status).toBe(201)
}, 120_000)
afterAll(() => h?.stop(), 60_000)

const call = async (path: string, init: { method?: string; token?: string; json?: unknown } = {}) => {
  const r = await h.api(path, init)
  const text = await r.text()
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer of any route, read by path in the assertions
  let body: any = text
  try {
    body = JSON.parse(text)
  } catch {
    /* CSV or empty */
  }
  return { status: r.status, body, headers: r.headers }
}
const expect400 = async (path: string, method: string, token: string, json: unknown) => {
  const r = await call(path, { method, token, json })
  expect(`${method} ${path} ${JSON.stringify(json).slice(0, 50)}: ${r.status}`).toBe(`${method} ${path} ${JSON.stringify(json).slice(0, 50)}: 400`)
  expect(typeof r.body.message).toBe('string')
  return r.body.message as string
}
const logsOf = async (q: string) =>
  (await call(`/api/v1/logs?${q}`, { token: viewer })).body.logs as { message: string; robot_id: string | null; details: Record<string, unknown> }[]

describe('PUT robots/{id}', () => {
  test('an admin edits name, description, location and notes; the list shows them; the fleet log says who', async () => {
    const r = await call('/api/v1/robots/c1', {
      method: 'PUT',
      token: admin,
      json: { name: 'Tony', description: 'demo unit', location: 'Lab 2', notes: 'left knee squeaks' },
    })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ robot_id: 'c1', name: 'Tony', description: 'demo unit', location: 'Lab 2', notes: 'left knee squeaks' })
    const cleared = await call('/api/v1/robots/c1', { method: 'PUT', token: admin, json: { notes: null, location: ' ' } })
    expect(cleared.body).toMatchObject({ name: 'Tony', location: null, notes: null })
    const list = (await call('/api/v1/robots', { token: viewer })).body as { robot_id: string; name: string | null; description: string | null }[]
    expect(list.find((x) => x.robot_id === 'c1')).toMatchObject({ name: 'Tony', description: 'demo unit' })
    const logged = (await logsOf('robot_id=c1&category=robots')).map((l) => l.message)
    expect(logged).toContain('robot c1 details (location, notes) edited by admin')
  })

  test('bad input is a 400 and changes nothing; an unknown robot is 404; operators and viewers are refused', async () => {
    const before = (await call('/api/v1/robots/c1', { token: viewer })).body
    for (const json of [{}, { name: 5 }, { name: 'x'.repeat(101) }, { location: 'l'.repeat(201) }]) await expect400('/api/v1/robots/c1', 'PUT', admin, json)
    expect(await expect400('/api/v1/robots/c1', 'PUT', admin, { name: 'Typo', notse: 'x' })).toMatch(/unknown field "notse"/)
    expect((await call('/api/v1/robots/nobot', { method: 'PUT', token: admin, json: { name: 'x' } })).status).toBe(404)
    expect((await call('/api/v1/robots/c1', { method: 'PUT', token: operator, json: { name: 'op' } })).status).toBe(403)
    expect((await call('/api/v1/robots/c1', { method: 'PUT', token: viewer, json: { name: 'v' } })).status).toBe(403)
    const after = (await call('/api/v1/robots/c1', { token: viewer })).body
    for (const k of ['name', 'description', 'location', 'notes']) expect(after[k]).toBe(before[k])
  })
})

describe('alerts: manual, counted, acknowledged all at once', () => {
  const raise = (json: unknown, token = operator) => call('/api/v1/alerts', { method: 'POST', token, json })
  const stats = async (q = '') => (await call(`/api/v1/alerts/stats${q}`, { token: viewer })).body

  test("an operator's manual alert about a robot is stored, logged and counted for that robot and the fleet", async () => {
    const fleet0 = await stats()
    const r = await raise({ robot_id: 'c1', severity: 'critical', title: 'smoke near servo 3', message: 'seen from the door' })
    expect(r.status).toBe(201)
    expect(r.body).toMatchObject({ robot_id: 'c1', type: 'manual', severity: 'critical', title: 'smoke near servo 3', acknowledged: false, resolved: false })
    expect(r.body.source).toStartWith('operator-user@')
    await raise({ robot_id: 'c2', severity: 'info', title: 'moved to bench 4' })
    const c1 = await stats('?robot_id=c1')
    expect(c1).toMatchObject({ total: 1, by_severity: { info: 0, warning: 0, critical: 1 }, by_type: { manual: 1 }, unacknowledged: 1, unresolved: 1 })
    const fleet = await stats()
    expect(fleet.total).toBe(fleet0.total + 2)
    expect(fleet.by_type.manual).toBe((fleet0.by_type.manual ?? 0) + 2)
    expect((await stats(`?from=${Date.now() + 60_000}`)).total).toBe(0)
    const logged = await waitFor('the manual alert in the log', async () => (await logsOf('robot_id=c1')).find((l) => l.message.includes('smoke near servo 3')))
    expect(logged.message).toContain('operator-user')
  })

  test('bad manual alerts and stats queries are refused clearly and store nothing; viewers may not raise', async () => {
    const before = (await stats()).total
    for (const json of [
      { robot_id: 'c1', severity: 'dire', title: 'x' },
      { robot_id: 'c1', severity: 'info', title: '' },
      { severity: 'info', title: 'no robot' },
      { robot_id: 'c1', severity: 'info', title: 'x', source: 'me' },
    ]) {
      await expect400('/api/v1/alerts', 'POST', operator, json)
    }
    expect((await raise({ robot_id: 'nobot', severity: 'info', title: 'x' })).status).toBe(404)
    expect((await raise({ robot_id: 'c1', severity: 'info', title: 'x' }, viewer)).status).toBe(403)
    expect((await stats()).total).toBe(before)
    expect((await call('/api/v1/alerts/stats?robot_id=nobot', { token: viewer })).status).toBe(404)
    expect((await call('/api/v1/alerts/stats?from=soon', { token: viewer })).status).toBe(400)
  })

  test("acknowledge-all for one robot acknowledges that robot's open alerts only, with who did it", async () => {
    const a = (await raise({ robot_id: 'c1', severity: 'warning', title: 'ack-all c1' })).body
    const b = (await raise({ robot_id: 'c2', severity: 'warning', title: 'ack-all c2' })).body
    const r = await call('/api/v1/alerts/acknowledge-all', { method: 'POST', token: operator, json: { robot_id: 'c1' } })
    expect(r.status).toBe(200)
    expect(r.body.ids).toContain(a.id)
    expect(r.body.ids).not.toContain(b.id)
    expect((await stats('?robot_id=c1')).unacknowledged).toBe(0)
    expect((await stats('?robot_id=c2')).unacknowledged).toBeGreaterThan(0)
    const list = (await call('/api/v1/alerts?robot_id=c1&type=manual', { token: viewer })).body as { id: number; acknowledged_by: string | null }[]
    expect(list.find((x) => x.id === a.id)!.acknowledged_by).toBe('operator-user')
  })

  test('acknowledge-all: a bad or misspelt filter is a 400 and acknowledges nothing; viewers are refused', async () => {
    const before = (await stats()).unacknowledged
    expect(before).toBeGreaterThan(0)
    for (const json of [{ severity: 'loud' }, { to: 'later' }]) await expect400('/api/v1/alerts/acknowledge-all', 'POST', operator, json)
    expect(await expect400('/api/v1/alerts/acknowledge-all', 'POST', operator, { robot: 'c2' })).toMatch(/unknown field "robot": a filter has robot_id/)
    expect((await call('/api/v1/alerts/acknowledge-all', { method: 'POST', token: operator, json: { robot_id: 'nobot' } })).status).toBe(404)
    expect((await call('/api/v1/alerts/acknowledge-all', { method: 'POST', token: viewer, json: { robot_id: 'c2' } })).status).toBe(403)
    expect((await stats()).unacknowledged).toBe(before)
  })
})

describe('GET logs/stats', () => {
  test("counts by level and category agree with the log, for one robot's and the fleet's", async () => {
    for (const m of ['one', 'two'])
      expect((await call('/api/v1/logs', { method: 'POST', token: operator, json: { robot_id: 'c2', message: `stats ${m}` } })).status).toBe(201)
    const s = (await call('/api/v1/logs/stats?robot_id=c2&category=note', { token: viewer })).body
    const listed = (await call('/api/v1/logs?robot_id=c2&category=note', { token: viewer })).body
    expect(s.total).toBe(listed.total)
    expect(s.total).toBe(2)
    expect(s.by_category).toEqual({ note: 2 })
    const fleet = (await call('/api/v1/logs/stats', { token: viewer })).body
    expect(fleet.total).toBe((await call('/api/v1/logs?limit=1', { token: viewer })).body.total)
    expect(Object.values(fleet.by_level as Record<string, number>).reduce((x, y) => x + y, 0)).toBe(fleet.total)
  })

  test('bad filters are 400; anonymous 401', async () => {
    expect((await call('/api/v1/logs/stats?from=noon', { token: viewer })).status).toBe(400)
    expect((await call('/api/v1/logs/stats')).status).toBe(401)
  })
})

describe('reports: delete and list export', () => {
  const insert = async (robotId: string | null, createdBy: string) => {
    const now = new Date()
    const [row] = await h.hub.ctx.db
      .insert(reports)
      .values({
        robotId,
        reportType: 'job',
        fromTs: new Date(now.getTime() - 3_600_000),
        toTs: now,
        createdBy,
        figures: {},
        narrativeError: robotId ? null : '=1+1',
      })
      .returning({ id: reports.id })
    return row.id
  }

  test('the list exports as CSV (every cell formula-safe) and JSON, filtered by robot', async () => {
    const mine = await insert('c1', '=HYPERLINK("http://evil","x")')
    const fleet = await insert(null, 'admin')
    const csv = await call('/api/v1/reports/export/csv', { token: viewer })
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="tonypi-fleet-reports-.*\.csv"/)
    const lines = (csv.body as string).trimEnd().split('\r\n')
    expect(lines[0]).toBe('id,created_at,scope,robot_id,report_type,from,to,created_by,has_narrative,narrative_error')
    expect(lines.find((l) => l.startsWith(`${mine},`))).toContain(`,robot,c1,job,`)
    expect(lines.find((l) => l.startsWith(`${mine},`))).toContain(`"'=HYPERLINK(""http://evil"",""x"")"`)
    expect(lines.find((l) => l.startsWith(`${fleet},`))).toEndWith(`,'=1+1`)
    const json = (await call('/api/v1/reports/export/json?robot_id=c1', { token: viewer })).body
    expect(json.reports.map((r: { id: number }) => r.id)).toContain(mine)
    expect(json.reports.map((r: { id: number }) => r.id)).not.toContain(fleet)
    expect((await call('/api/v1/reports/export/json?scope=galaxy', { token: viewer })).status).toBe(400)
  })

  test('an admin deletes a report; operators and viewers cannot; the fleet log says who', async () => {
    const id = await insert('c2', 'operator-user')
    expect((await call(`/api/v1/reports/${id}`, { method: 'DELETE', token: operator })).status).toBe(403)
    expect((await call(`/api/v1/reports/${id}`, { method: 'DELETE', token: viewer })).status).toBe(403)
    expect((await call('/api/v1/reports/abc', { method: 'DELETE', token: admin })).status).toBe(404)
    expect((await call(`/api/v1/reports/${id}`, { token: viewer })).status).toBe(200)
    expect((await call(`/api/v1/reports/${id}`, { method: 'DELETE', token: admin })).body).toEqual({ ok: true })
    expect((await call(`/api/v1/reports/${id}`, { token: viewer })).status).toBe(404)
    expect((await call(`/api/v1/reports/${id}`, { method: 'DELETE', token: admin })).status).toBe(404)
    expect((await logsOf('category=reports')).map((l) => l.message)).toContain(`report ${id} deleted by admin`)
  })
})

describe('users: deactivate and reactivate', () => {
  const login = (username: string) => call('/api/v1/auth/login', { method: 'POST', json: { username, password: `${username}-password` } })

  test("a hash made at Bun's 64 MiB default (an earlier release) is made again at today's parameters on the next login", async () => {
    await call('/api/v1/users', { method: 'POST', token: admin, json: { username: 'old-hash', password: 'old-hash-password', role: 'viewer' } })
    const hashOf = async () => (await h.hub.ctx.db.select().from(users).where(eq(users.username, 'old-hash')))[0].passwordHash
    expect(await hashOf()).toStartWith('$argon2id$v=19$m=19456,t=2,p=1$')
    await h.hub.ctx.db
      .update(users)
      .set({ passwordHash: await Bun.password.hash('old-hash-password') })
      .where(eq(users.username, 'old-hash'))
    expect(await hashOf()).toStartWith('$argon2id$v=19$m=65536,')
    expect((await login('old-hash')).status).toBe(200)
    expect(await hashOf()).toStartWith('$argon2id$v=19$m=19456,t=2,p=1$')
    expect((await login('old-hash')).status).toBe(200)
  })

  test('a deactivated user cannot log in, their tokens and broker secret stop, robots are told; reactivated, old tokens stay dead', async () => {
    const u = (await call('/api/v1/users', { method: 'POST', token: admin, json: { username: 'dana', password: 'dana-password', role: 'operator' } })).body
    expect(u.is_active).toBe(true)
    const token = (await login('dana')).body.access_token as string
    const cred = (await call('/api/v1/auth/me/mqtt-credential', { method: 'POST', token })).body.credential
    ;(await connectMqtt(h.services.mqtt_url, cred)).end(true)

    const off = await call(`/api/v1/users/${u.id}`, { method: 'PUT', token: admin, json: { is_active: false } })
    expect(off.body).toMatchObject({ username: 'dana', is_active: false })
    expect((await call('/api/v1/auth/me', { token })).status).toBe(401)
    const refused = await login('dana')
    expect(refused.status).toBe(403)
    expect(refused.body.message).toMatch(/deactivated/)
    expect((await call('/api/v1/auth/login', { method: 'POST', json: { username: 'dana', password: 'not-her-password' } })).status).toBe(401)
    await waitFor('the broker secret refused', () =>
      connectMqtt(h.services.mqtt_url, cred).then(
        (c) => {
          c.end(true)
          return false
        },
        () => true,
      ),
    )
    const down = await downStateFor(h.hub.ctx.db, h.hub.ctx.robotRules, 'c1', [])
    expect(down.users.find((x) => x.username === 'dana')).toMatchObject({ is_active: false })

    expect((await call(`/api/v1/users/${u.id}`, { method: 'PUT', token: admin, json: { is_active: true } })).body.is_active).toBe(true)
    const again = await login('dana')
    expect(again.status).toBe(200)
    expect((await call('/api/v1/auth/me', { token: again.body.access_token })).status).toBe(200)
    expect((await call('/api/v1/auth/me', { token })).status).toBe(401)
    // The broker secret ended with the deactivation: a new one must be taken.
    expect(
      await connectMqtt(h.services.mqtt_url, cred).then(
        (c) => {
          c.end(true)
          return 'connected'
        },
        () => 'refused',
      ),
    ).toBe('refused')
  })

  test('bad input is a 400 and changes nothing; yourself is 409; only admins may', async () => {
    const u = (await call('/api/v1/users', { method: 'POST', token: admin, json: { username: 'eli', password: 'eli-password', role: 'viewer' } })).body
    for (const json of [{ is_active: 'no' }, { active: false }, { email: null, active: false }]) await expect400(`/api/v1/users/${u.id}`, 'PUT', admin, json)
    expect((await call(`/api/v1/users/${u.id}`, { method: 'PUT', token: operator, json: { is_active: false } })).status).toBe(403)
    const self = (await call('/api/v1/auth/me', { token: admin })).body.id
    expect((await call(`/api/v1/users/${self}`, { method: 'PUT', token: admin, json: { is_active: false } })).status).toBe(409)
    expect((await login('eli')).status).toBe(200)
    expect((await call('/api/v1/auth/me', { token: admin })).status).toBe(200)
  })
})

describe('GET jobs/stats', () => {
  test('per robot and fleet-wide: counts by status, success rate over finished jobs, mean duration', async () => {
    const t0 = Date.now() - 3_600_000
    const at = (s: number) => new Date(t0 + s * 1000)
    await h.hub.ctx.db.insert(jobs).values([
      { robotId: 'c1', taskName: 'a', status: 'completed', startedAt: at(0), updatedAt: at(10), finishedAt: at(10) },
      { robotId: 'c1', taskName: 'b', status: 'completed', startedAt: at(0), updatedAt: at(30), finishedAt: at(30) },
      { robotId: 'c1', taskName: 'c', status: 'failed', startedAt: at(0), updatedAt: at(20), finishedAt: at(20), reason: 'fell' },
      { robotId: 'c2', taskName: 'd', status: 'in_progress', startedAt: at(0), updatedAt: at(5) },
      { robotId: 'c2', taskName: 'e', status: 'cancelled', startedAt: at(0), updatedAt: at(40), finishedAt: at(40) },
    ])
    const fleet = (await call('/api/v1/jobs/stats', { token: viewer })).body
    expect(fleet).toMatchObject({ total: 5, success_rate: 0.5, mean_duration_ms: 25_000 })
    expect(fleet.by_status).toMatchObject({ completed: 2, failed: 1, cancelled: 1, in_progress: 1 })
    expect(fleet.robots.map((r: { robot_id: string }) => r.robot_id)).toEqual(['c1', 'c2'])
    expect(fleet.robots[0]).toMatchObject({ robot_id: 'c1', total: 3, success_rate: 2 / 3, mean_duration_ms: 20_000 })
    expect(fleet.robots[1]).toMatchObject({ robot_id: 'c2', total: 2, success_rate: 0, mean_duration_ms: 40_000 })
    const c2 = (await call('/api/v1/jobs/stats?robot_id=c2', { token: viewer })).body
    expect(c2).toMatchObject({ total: 2, by_status: { in_progress: 1, cancelled: 1 } })
    expect(c2.robots).toHaveLength(1)
    expect((await call(`/api/v1/jobs/stats?from=${Date.now()}`, { token: viewer })).body).toMatchObject({
      total: 0,
      success_rate: null,
      mean_duration_ms: null,
      robots: [],
    })
  })

  test('an unknown robot is 404, a bad window 400, anonymous 401', async () => {
    expect((await call('/api/v1/jobs/stats?robot_id=nobot', { token: viewer })).status).toBe(404)
    expect((await call('/api/v1/jobs/stats?from=dawn', { token: viewer })).status).toBe(400)
    expect((await call('/api/v1/jobs/stats')).status).toBe(401)
  })
})

describe("the hub's existing database", () => {
  test('made by the migrations before 0007, it upgrades: robots keep their rows with empty details, users are active', async () => {
    const name = `upgrade_${process.pid}`
    const main = h.hub.ctx.db.$client
    await main.unsafe(`CREATE DATABASE ${name}`)
    const url = h.services.postgres_url.replace(/\/[^/]+$/, `/${name}`)
    const dir = mkdtempSync(join(tmpdir(), 'tonypi-hub-upgrade-'))
    try {
      const before = join(dir, 'migrations')
      cpSync(HUB_MIGRATIONS_DIR, before, { recursive: true })
      const journalPath = join(before, 'meta', '_journal.json')
      const journal = JSON.parse(readFileSync(journalPath, 'utf8'))
      journal.entries = journal.entries.filter((e: { tag: string }) => e.tag < '0007')
      writeFileSync(journalPath, JSON.stringify(journal))
      const old = new SQL(url, { max: 1 })
      await migrate(drizzle({ client: old }), { migrationsFolder: before })
      await old`insert into robots (robot_id, name, credential_username) values ('veteran', 'Old Tony', 'robot-veteran')`
      await old`insert into users (username, password_hash, role) values ('old-admin', 'x', 'admin')`
      await old.close()

      const db = await openHubDatabase(url)
      const [robot] = await db.$client`select name, description, location, notes from robots where robot_id = 'veteran'`
      expect(robot).toEqual({ name: 'Old Tony', description: null, location: null, notes: null })
      expect((await db.$client`select is_active from users where username = 'old-admin'`)[0].is_active).toBe(true)
      await db.$client.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
      await main.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  })
})
