// The earlier system's everyday conveniences on a running edge (issue 15, item 4): its own
// robot's details, alert counts, acknowledge-all and manual alerts, log counts, report delete
// and list export, users deactivated and reactivated. Each: the right role only, bad input a
// clear 400 that changes nothing.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/bun-sqlite'
import { migrate } from 'drizzle-orm/bun-sqlite/migrator'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MIGRATIONS_DIR } from '../../edge/store/database.ts'
import { applyHubUsers } from '../../edge/sync/down-state.ts'
import { reports } from '../../edge/store/schema.ts'
import { connectMqtt } from '../security/probes.ts'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'

let h: EdgeHarness
let admin: string, operator: string, viewer: string

beforeAll(async () => {
  h = await startTestEdge()
  admin = await h.tokenFor('admin')
  operator = await h.tokenFor('operator')
  viewer = await h.tokenFor('viewer')
})
afterAll(() => h?.stop())

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
const logsOf = async (category: string) =>
  (await call(`/api/v1/logs?category=${category}`, { token: viewer })).body.logs as { message: string; details: Record<string, unknown> }[]

describe("PUT robots/{id}: the edge's own robot", () => {
  test('an admin edits name, description, location and notes; a blank clears; the edit is logged', async () => {
    const r = await call('/api/v1/robots/testbot', {
      method: 'PUT',
      token: admin,
      json: { name: 'Tony', description: 'demo unit', location: 'Lab 2', notes: 'left knee squeaks' },
    })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ robot_id: 'testbot', name: 'Tony', description: 'demo unit', location: 'Lab 2', notes: 'left knee squeaks' })
    const cleared = await call('/api/v1/robots/testbot', { method: 'PUT', token: admin, json: { notes: '  ', location: null } })
    expect(cleared.body).toMatchObject({ name: 'Tony', description: 'demo unit', location: null, notes: null })
    expect((await call('/api/v1/robots/testbot', { token: viewer })).body).toMatchObject({ name: 'Tony', location: null })
    const edits = await waitFor('the edits in the log', async () => {
      const l = await logsOf('robot.edited')
      return l.length >= 2 ? l : null
    })
    expect(edits[0].message).toContain('admin')
    expect(edits[0].details.fields).toEqual(['location', 'notes'])
  })

  test('bad input is a 400 and changes nothing; another robot is 404; operators and viewers are refused', async () => {
    const before = (await call('/api/v1/robots/testbot', { token: viewer })).body
    for (const json of [{}, { colour: 'red' }, { name: 5 }, { name: 'x'.repeat(101) }, { notes: 'n'.repeat(4001) }]) {
      const r = await call('/api/v1/robots/testbot', { method: 'PUT', token: admin, json })
      expect(`${JSON.stringify(json).slice(0, 40)} ${r.status}`).toBe(`${JSON.stringify(json).slice(0, 40)} 400`)
      expect(typeof r.body.message).toBe('string')
    }
    // A misspelt field next to a good one is named, and the good one is not applied either.
    const typo = await call('/api/v1/robots/testbot', { method: 'PUT', token: admin, json: { name: 'Typo', locaton: 'Lab 9' } })
    expect(typo.status).toBe(400)
    expect(typo.body.message).toMatch(/unknown field "locaton": a robot has name, description, location, notes/)
    expect((await call('/api/v1/robots/otherbot', { method: 'PUT', token: admin, json: { name: 'x' } })).status).toBe(404)
    expect((await call('/api/v1/robots/testbot', { method: 'PUT', token: operator, json: { name: 'op' } })).status).toBe(403)
    expect((await call('/api/v1/robots/testbot', { method: 'PUT', token: viewer, json: { name: 'viewer' } })).status).toBe(403)
    expect((await call('/api/v1/robots/testbot', { token: viewer })).body).toMatchObject({
      name: before.name,
      description: before.description,
      location: before.location,
      notes: before.notes,
    })
  })
})

describe('alerts: manual, counted, acknowledged all at once', () => {
  const raise = (json: unknown, token = operator) => call('/api/v1/alerts', { method: 'POST', token, json })
  const manualCount = async () => (await call('/api/v1/alerts?type=manual&limit=1000', { token: viewer })).body.length as number

  test("an operator's manual alert is stored with who raised it, announced in the log, and counted", async () => {
    const before = (await call('/api/v1/alerts/stats', { token: viewer })).body
    const r = await raise({ severity: 'warning', title: 'smoke near servo 3', message: 'seen by the window' })
    expect(r.status).toBe(201)
    expect(r.body).toMatchObject({
      type: 'manual',
      severity: 'warning',
      title: 'smoke near servo 3',
      message: 'seen by the window',
      resolved: false,
      acknowledged: false,
      robot_id: 'testbot',
    })
    expect(r.body.source).toStartWith('operator-user@')
    // A second one with the same title is its own alert, not an update of the first.
    const again = await raise({ severity: 'critical', title: 'smoke near servo 3' })
    expect(again.body.id).not.toBe(r.body.id)
    const after = (await call('/api/v1/alerts/stats', { token: viewer })).body
    expect(after.total).toBe(before.total + 2)
    expect(after.by_type.manual).toBe((before.by_type.manual ?? 0) + 2)
    expect(after.by_severity.warning).toBe(before.by_severity.warning + 1)
    expect(after.by_severity.critical).toBe(before.by_severity.critical + 1)
    expect(after.unacknowledged).toBe(before.unacknowledged + 2)
    expect(after.unresolved).toBe(before.unresolved + 2)
    const windowed = (await call(`/api/v1/alerts/stats?from=${Date.now() + 60_000}`, { token: viewer })).body
    expect(windowed.total).toBe(0)
  })

  test('bad manual alerts and bad stats windows are 400 and store nothing; viewers may not raise', async () => {
    const n = await manualCount()
    for (const json of [
      { severity: 'dire', title: 'x' },
      { severity: 'info', title: '' },
      { severity: 'info' },
      { severity: 'info', title: 't'.repeat(201) },
      { severity: 'info', title: 'x', type: 'battery' },
    ]) {
      const r = await raise(json)
      expect(`${JSON.stringify(json).slice(0, 50)} ${r.status}`).toBe(`${JSON.stringify(json).slice(0, 50)} 400`)
    }
    expect((await raise({ severity: 'info', title: 'from a viewer' }, viewer)).status).toBe(403)
    expect((await call('/api/v1/alerts', { method: 'POST', json: { severity: 'info', title: 'anonymous' } })).status).toBe(401)
    expect(await manualCount()).toBe(n)
    expect((await call('/api/v1/alerts/stats?from=yesterday', { token: viewer })).status).toBe(400)
    expect((await call('/api/v1/alerts/stats?to=-5', { token: viewer })).status).toBe(400)
  })

  test('acknowledge-all acknowledges exactly the open ones matching the filter, with who did it', async () => {
    const a = (await raise({ severity: 'info', title: 'ack-all one' })).body
    const b = (await raise({ severity: 'info', title: 'ack-all two' })).body
    const c = (await raise({ severity: 'critical', title: 'ack-all stays' })).body
    const r = await call('/api/v1/alerts/acknowledge-all', { method: 'POST', token: operator, json: { type: 'manual', severity: 'info' } })
    expect(r.status).toBe(200)
    expect(r.body.ids).toEqual(expect.arrayContaining([a.id, b.id]))
    expect(r.body.ids).not.toContain(c.id)
    expect(r.body.acknowledged).toBe(r.body.ids.length)
    const list = (await call('/api/v1/alerts?type=manual&limit=1000', { token: viewer })).body as {
      id: number
      acknowledged: boolean
      acknowledged_by: string | null
    }[]
    expect(list.find((x) => x.id === a.id)).toMatchObject({ acknowledged: true, acknowledged_by: 'operator-user' })
    expect(list.find((x) => x.id === c.id)).toMatchObject({ acknowledged: false })
    // Nothing left to do: a second call acknowledges none.
    expect((await call('/api/v1/alerts/acknowledge-all', { method: 'POST', token: operator, json: { type: 'manual', severity: 'info' } })).body).toEqual({
      acknowledged: 0,
      ids: [],
    })
  })

  test('acknowledge-all: a bad filter is 400 and acknowledges nothing; viewers are refused', async () => {
    const open = async () => (await call('/api/v1/alerts/stats', { token: viewer })).body.unacknowledged
    const before = await open()
    expect(before).toBeGreaterThan(0)
    // A misspelt filter must not become "everything".
    for (const json of [{ severity: 'loud' }, { sevrity: 'info' }, { from: -1 }, { type: 'x'.repeat(65) }, { type: 'manual', robot: 'x' }]) {
      const r = await call('/api/v1/alerts/acknowledge-all', { method: 'POST', token: operator, json })
      expect(`${JSON.stringify(json).slice(0, 50)} ${r.status}`).toBe(`${JSON.stringify(json).slice(0, 50)} 400`)
    }
    expect((await call('/api/v1/alerts/acknowledge-all', { method: 'POST', token: operator, json: { sevrity: 'info' } })).body.message).toMatch(
      /unknown field "sevrity": a filter has severity/,
    )
    expect((await call('/api/v1/alerts/acknowledge-all', { method: 'POST', token: viewer, json: {} })).status).toBe(403)
    expect(await open()).toBe(before)
  })
})

describe('GET logs/stats', () => {
  test('counts by level and category agree with the log itself, under the same filters', async () => {
    for (const m of ['one', 'two', 'three'])
      expect((await call('/api/v1/logs', { method: 'POST', token: operator, json: { message: `stats ${m}` } })).status).toBe(201)
    const s = (await call('/api/v1/logs/stats?category=note', { token: viewer })).body
    const listed = (await call('/api/v1/logs?category=note&limit=1000', { token: viewer })).body
    expect(s.total).toBe(listed.total)
    expect(s.total).toBeGreaterThanOrEqual(3)
    expect(s.by_category).toEqual({ note: s.total })
    expect(Object.values(s.by_level as Record<string, number>).reduce((x, y) => x + y, 0)).toBe(s.total)
    const all = (await call('/api/v1/logs/stats', { token: viewer })).body
    expect(all.total).toBeGreaterThan(s.total)
    expect(all.by_category.note).toBe(s.total)
  })

  test('bad filters are 400; anonymous 401', async () => {
    expect((await call('/api/v1/logs/stats?from=noon', { token: viewer })).status).toBe(400)
    expect((await call(`/api/v1/logs/stats?level=${'x'.repeat(65)}`, { token: viewer })).status).toBe(400)
    expect((await call('/api/v1/logs/stats')).status).toBe(401)
  })
})

describe('reports: delete and list export', () => {
  const generate = async () => {
    const r = await call('/api/v1/reports/generate', { method: 'POST', token: operator, json: { report_type: 'job', time_range: '1h' } })
    expect(r.status).toBe(201)
    return r.body.id as number
  }

  test('the list exports as CSV, every cell formula-safe, and as JSON', async () => {
    const id = await generate()
    // A name a spreadsheet would run, as a stored value could carry it.
    h.edge.ctx.db.update(reports).set({ createdBy: '=HYPERLINK("http://evil","x")', narrativeError: '@SUM(A1)' }).where(eq(reports.id, id)).run()
    const csv = await call('/api/v1/reports/export/csv', { token: viewer })
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toContain('text/csv')
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="tonypi-testbot-reports-.*\.csv"/)
    const lines = (csv.body as string).trimEnd().split('\r\n')
    expect(lines[0]).toBe('id,created_at,scope,robot_id,report_type,from,to,created_by,has_narrative,narrative_error')
    const row = lines.find((l) => l.startsWith(`${id},`))!
    expect(row).toContain(`"'=HYPERLINK(""http://evil"",""x"")"`)
    expect(row).toContain(`'@SUM(A1)`)
    expect(row).not.toMatch(/,=|,"=|,@/)
    const json = await call('/api/v1/reports/export/json', { token: viewer })
    expect(json.headers.get('content-disposition')).toMatch(/\.json"$/)
    expect(json.body.reports.find((r: { id: number }) => r.id === id)).toMatchObject({ id, created_by: '=HYPERLINK("http://evil","x")', report_type: 'job' })
    expect((await call('/api/v1/reports/export/csv?scope=galaxy', { token: viewer })).status).toBe(400)
    expect((await call('/api/v1/reports/export/json')).status).toBe(401)
  })

  test('an admin deletes a report: gone from the list and the exports, and the log says who', async () => {
    const id = await generate()
    const keep = await generate()
    expect((await call(`/api/v1/reports/${id}`, { method: 'DELETE', token: operator })).status).toBe(403)
    expect((await call(`/api/v1/reports/${id}`, { method: 'DELETE', token: viewer })).status).toBe(403)
    expect((await call(`/api/v1/reports/${id}`, { token: viewer })).status).toBe(200)
    // Not an id: as the other report routes, a 404 that names it (parsed after the role check).
    const bad = await call('/api/v1/reports/1e3', { method: 'DELETE', token: admin })
    expect(bad.status).toBe(404)
    expect(bad.body.message).toContain('"1e3"')
    expect((await call('/api/v1/reports/999999', { method: 'DELETE', token: admin })).status).toBe(404)
    expect((await call(`/api/v1/reports/${id}`, { method: 'DELETE', token: admin })).body).toEqual({ ok: true })
    expect((await call(`/api/v1/reports/${id}`, { token: viewer })).status).toBe(404)
    expect((await call(`/api/v1/reports/${id}`, { method: 'DELETE', token: admin })).status).toBe(404)
    const ids = (await call('/api/v1/reports/export/json', { token: viewer })).body.reports.map((r: { id: number }) => r.id)
    expect(ids).toContain(keep)
    expect(ids).not.toContain(id)
    const logged = await waitFor('the deletion in the log', async () => (await logsOf('report.deleted')).find((l) => l.details.id === id))
    expect(logged.details.by).toBe('admin')
  })
})

describe('users: deactivate and reactivate', () => {
  const create = async (username: string, role = 'operator') => {
    const r = await call('/api/v1/users', { method: 'POST', token: admin, json: { username, password: `${username}-password`, role } })
    expect(r.status).toBe(201)
    expect(r.body.is_active).toBe(true)
    return r.body.id as number
  }
  const login = (username: string) => call('/api/v1/auth/login', { method: 'POST', json: { username, password: `${username}-password` } })
  const mqttOutcome = (username: string, password: string) =>
    connectMqtt(`mqtt://127.0.0.1:${h.edge.mqttPort}`, { username, password }).then(
      (c) => {
        c.end(true)
        return 'connected'
      },
      (e: Error) => e.message,
    )

  test('a deactivated user cannot log in, their tokens and broker login stop; reactivated, they log in again but old tokens stay dead', async () => {
    const id = await create('dana')
    const token = (await login('dana')).body.access_token as string
    expect((await call('/api/v1/auth/me', { token })).status).toBe(200)
    expect(await mqttOutcome('dana', 'dana-password')).toBe('connected')

    const off = await call(`/api/v1/users/${id}`, { method: 'PUT', token: admin, json: { is_active: false } })
    expect(off.status).toBe(200)
    expect(off.body).toMatchObject({ username: 'dana', is_active: false })
    expect((await call('/api/v1/auth/me', { token })).status).toBe(401)
    const refused = await login('dana')
    expect(refused.status).toBe(403)
    expect(refused.body.message).toMatch(/deactivated/)
    // A wrong password is told nothing about the account's state.
    expect((await call('/api/v1/auth/login', { method: 'POST', json: { username: 'dana', password: 'wrong-password' } })).status).toBe(401)
    expect(await mqttOutcome('dana', 'dana-password')).not.toBe('connected')
    expect(await mqttOutcome('dana', token)).not.toBe('connected')
    expect((await call('/api/v1/users', { token: admin })).body.find((u: { id: number }) => u.id === id)).toMatchObject({ is_active: false })
    const failed = await waitFor('the refused login in the log', async () =>
      (await logsOf('login')).find((l) => l.details.username === 'dana' && l.details.reason === 'account deactivated'),
    )
    expect(failed.details.ok).toBe(false)

    const on = await call(`/api/v1/users/${id}`, { method: 'PUT', token: admin, json: { is_active: true } })
    expect(on.body.is_active).toBe(true)
    const again = await login('dana')
    expect(again.status).toBe(200)
    expect((await call('/api/v1/auth/me', { token: again.body.access_token })).status).toBe(200)
    expect((await call('/api/v1/auth/me', { token })).status).toBe(401)
  })

  test('bad input is a 400 and changes nothing; yourself is 409; only admins may', async () => {
    const id = await create('eli', 'viewer')
    const token = (await login('eli')).body.access_token as string
    for (const json of [{ is_active: 'no' }, { is_active: 0 }, { active: false }, { email: null, active: false }]) {
      const r = await call(`/api/v1/users/${id}`, { method: 'PUT', token: admin, json })
      expect(`${JSON.stringify(json)} ${r.status}`).toBe(`${JSON.stringify(json)} 400`)
    }
    expect((await call(`/api/v1/users/${id}`, { method: 'PUT', token: operator, json: { is_active: false } })).status).toBe(403)
    const self = (await call('/api/v1/auth/me', { token: admin })).body.id
    const mine = await call(`/api/v1/users/${self}`, { method: 'PUT', token: admin, json: { is_active: false } })
    expect(mine.status).toBe(409)
    expect(mine.body.message).toMatch(/yourself/)
    expect((await call('/api/v1/auth/me', { token: admin })).status).toBe(200)
    expect((await call('/api/v1/auth/me', { token })).body).toMatchObject({ username: 'eli', is_active: true })
    expect((await call(`/api/v1/users/999999`, { method: 'PUT', token: admin, json: { is_active: false } })).status).toBe(404)
  })
})

describe('a hub user deactivated on the hub', () => {
  test('cannot log in on the robot either; a hub that does not send is_active leaves them active', async () => {
    const login = () => call('/api/v1/auth/login', { method: 'POST', json: { username: 'from-hub', password: 'from-hub-password' } })
    const u = {
      hub_id: 77,
      username: 'from-hub',
      role: 'operator' as const,
      password_hash: await Bun.password.hash('from-hub-password'),
      email: null,
      token_version: 1,
      updated_at: Date.now(),
    }
    applyHubUsers(h.edge.ctx.db, [u], Date.now())
    expect((await login()).status).toBe(200)
    const off = applyHubUsers(h.edge.ctx.db, [{ ...u, is_active: false }], Date.now())
    expect(off.updated).toBe(1)
    const refused = await login()
    expect(refused.status).toBe(403)
    expect(refused.body.message).toMatch(/deactivated/)
    applyHubUsers(h.edge.ctx.db, [u], Date.now())
    expect((await login()).status).toBe(200)
  })
})

describe("a robot's existing database", () => {
  test('made by the migrations before is_active, it opens with the column added and its users active', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tonypi-edge-upgrade-'))
    // The migrations as they were before 0003: the folder and its journal without it.
    const before = join(dir, 'migrations-before')
    cpSync(MIGRATIONS_DIR, before, { recursive: true })
    const journalPath = join(before, 'meta', '_journal.json')
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'))
    journal.entries = journal.entries.filter((e: { tag: string }) => e.tag < '0003')
    writeFileSync(journalPath, JSON.stringify(journal))
    const sqlite = new Database(join(dir, 'edge.db'))
    migrate(drizzle(sqlite), { migrationsFolder: before })
    expect((sqlite.query("SELECT name FROM pragma_table_info('users')").all() as { name: string }[]).map((c) => c.name)).not.toContain('is_active')
    const now = Date.now()
    sqlite
      .query('INSERT INTO users (username, password_hash, role, token_version, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)')
      .run('old-timer', await Bun.password.hash('old-timer-password'), 'operator', now, now)
    sqlite.close()

    const e = await startTestEdge({}, { dataDir: dir })
    try {
      const r = await e.api('/api/v1/auth/login', { method: 'POST', json: { username: 'old-timer', password: 'old-timer-password' } })
      expect(r.status).toBe(200)
      expect((await r.json()).user).toMatchObject({ username: 'old-timer', role: 'operator', is_active: true })
      expect(e.edge.ctx.db.$client.query('SELECT is_active FROM users WHERE username = ?').get('old-timer')).toEqual({ is_active: 1 })
      // Its hash, made at Bun's 64 MiB default, is made again at today's parameters on that login.
      const { password_hash } = e.edge.ctx.db.$client.query('SELECT password_hash FROM users WHERE username = ?').get('old-timer') as { password_hash: string }
      expect(password_hash).toStartWith('$argon2id$v=19$m=19456,t=2,p=1$')
      const again = await e.api('/api/v1/auth/login', { method: 'POST', json: { username: 'old-timer', password: 'old-timer-password' } })
      expect(again.status).toBe(200)
    } finally {
      await e.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
