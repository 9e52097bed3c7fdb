// The log: the edge's own events searched and paged, operators' notes kept with their name,
// and exports a spreadsheet cannot be tricked by (LEGACY.md flaw 12).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { loadEdgeConfig } from '../../core/config.ts'
import { startTestEdge, type EdgeHarness } from '../support/edge-harness.ts'

let h: EdgeHarness
let operator: string
let viewer: string
const FORMULAS = ["=cmd|' /C calc'!A0", '+1', '-2', '@SUM(1)']
beforeAll(async () => {
  h = await startTestEdge()
  operator = await h.tokenFor('operator')
  viewer = await h.tokenFor('viewer')
  for (const message of FORMULAS) {
    expect((await h.api('/api/v1/logs', { method: 'POST', token: operator, json: { message } })).status).toBe(201)
  }
})
afterAll(() => h.stop())

const logs = async (query: string) => (await h.api(`/api/v1/logs${query}`, { token: viewer })).json()

describe('log', () => {
  test('a note is stored with its author; viewers cannot write one', async () => {
    const r = await h.api('/api/v1/logs', { method: 'POST', token: operator, json: { message: 'gripper re-seated', level: 'warn' } })
    expect(await r.json()).toMatchObject({ category: 'note', level: 'warn', message: 'gripper re-seated', details: { user: 'operator-user' } })
    const found = await logs('?q=RE-SEATED&category=note')
    expect(found.total).toBe(1)
    expect(found.logs[0].seq).toBeGreaterThan(0)
    expect((await h.api('/api/v1/logs', { method: 'POST', token: viewer, json: { message: 'no' } })).status).toBe(403)
  })

  test('logins and commands are logged with who did them', async () => {
    await h.login('viewer-user', 'viewer-password')
    await h.api('/api/v1/auth/login', { method: 'POST', json: { username: 'viewer-user', password: 'wrong-password' } })
    const logins = await logs('?category=login')
    expect(logins.logs.some((l: { message: string }) => l.message.startsWith('viewer-user logged in'))).toBe(true)
    expect(logins.logs.find((l: { level: string }) => l.level === 'warn').message).toContain('failed login for viewer-user')
    await h.api('/api/v1/command', { method: 'POST', token: operator, json: { type: 'stop' } })
    const cmd = await logs('?category=command&q=operator-user')
    expect(cmd.logs[0].message).toContain('command stop')
  })

  test('paging walks the same newest-first list', async () => {
    const all = await logs('?category=note&limit=100')
    const p1 = await logs('?category=note&limit=2')
    const p2 = await logs('?category=note&limit=2&offset=2')
    expect(p1.total).toBe(all.total)
    expect([...p1.logs, ...p2.logs].map((l: { seq: number }) => l.seq)).toEqual(all.logs.slice(0, 4).map((l: { seq: number }) => l.seq))
    expect((await logs('?level=warn&category=note')).logs.every((l: { level: string }) => l.level === 'warn')).toBe(true)
  })

  test('CSV export: a header, RFC 4180 quoting, formula-looking cells prefixed with a quote', async () => {
    const r = await h.api('/api/v1/logs/export/csv?category=note', { token: viewer })
    expect(r.headers.get('content-type')).toContain('text/csv')
    const csv = await r.text()
    const lines = csv.split('\r\n')
    expect(lines[0]).toBe('seq,time,level,category,message,details')
    const messages = lines
      .slice(1)
      .filter(Boolean)
      .map((l) => l.split(',')[4])
    for (const f of FORMULAS) expect(messages).toContain(`'${f}`)
    // The details column is JSON with quotes and commas: quoted, inner quotes doubled.
    expect(csv).toContain('"{""message"":""gripper re-seated"",""user"":""operator-user""}"')
    for (const cell of lines.slice(1).flatMap((l) => l.split(','))) expect(cell).not.toMatch(/^[=+\-@]/)
  })

  test('JSON export carries the same entries', async () => {
    const r = await h.api('/api/v1/logs/export/json?category=note', { token: viewer })
    expect(r.headers.get('content-disposition')).toContain('.json')
    const body = await r.json()
    expect(body.robot_id).toBe('testbot')
    expect(body.logs.map((l: { message: string }) => l.message)).toEqual(expect.arrayContaining(FORMULAS))
  })

  test('retention drops events older than the default 30 days and keeps the rest', async () => {
    const day = 86_400_000
    h.edge.bus.event('note', 'info', { message: 'ancient history', user: 'test' }, Date.now() - 40 * day)
    h.edge.bus.event('note', 'info', { message: 'recent history', user: 'test' }, Date.now() - 3 * day)
    h.edge.ctx.store.flush(Date.now())
    expect((await logs('?q=history')).total).toBe(2)
    h.edge.maintain(Date.now()) // the pass the edge runs every minute
    expect((await logs('?q=history')).logs.map((l: { message: string }) => l.message)).toEqual(['recent history'])
  })
})

describe('log retention is configuration (TONYPI_LOG_RETENTION_DAYS)', () => {
  test('the configured window decides what goes', async () => {
    const short = await startTestEdge({ TONYPI_LOG_RETENTION_DAYS: '2' })
    try {
      const token = await short.tokenFor('viewer')
      const day = 86_400_000
      const now = Date.now()
      // Three days old: kept under the default 30 days (above), gone under 2.
      short.edge.bus.event('note', 'info', { message: 'three days ago', user: 'test' }, now - 3 * day)
      short.edge.bus.event('note', 'info', { message: 'yesterday', user: 'test' }, now - day)
      short.edge.ctx.store.flush(now)
      short.edge.maintain(now)
      const left = await (await short.api('/api/v1/logs?category=note', { token })).json()
      expect(left.logs.map((l: { message: string }) => l.message)).toEqual(['yesterday'])
      expect(short.edge.ctx.config.logRetentionDays).toBe(2)
    } finally {
      await short.stop()
    }
  })

  test('a bad value stops the start with a message naming the key', async () => {
    const p = Bun.spawn([process.execPath, 'edge/main.ts'], {
      cwd: join(import.meta.dir, '..', '..'),
      env: { ...process.env, TONYPI_LOG_RETENTION_DAYS: '0' },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const timer = setTimeout(() => p.kill(), 10_000)
    const [code, err] = await Promise.all([p.exited, new Response(p.stderr).text()])
    clearTimeout(timer)
    expect(code).toBe(2)
    expect(err).toContain('configuration TONYPI_LOG_RETENTION_DAYS: 0 is outside 1..3650')
    // In the file, the key is named as written there.
    expect(() => loadEdgeConfig({ defaults: { robotId: 'r' }, file: { logRetentionDays: 'a month' } })).toThrow(
      /configuration logRetentionDays: expected a number/,
    )
  })
})
