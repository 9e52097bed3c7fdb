// The hub against real PostgreSQL, InfluxDB and Mosquitto started by the service scripts:
// robots and their credentials, telemetry (ours and the earlier layout) landing in InfluxDB
// with the robots' own timestamps, broker ACLs, commands over MQTT, offline detection,
// roles on every route, and malformed or hostile input.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import mqtt from 'mqtt'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SQL } from 'bun'
import { eq } from 'drizzle-orm'
import { reports, systemLogs } from '../../hub/db/schema.ts'
import { HUB_MIGRATIONS_DIR } from '../../hub/db/database.ts'
import type { Role } from '../../core/schemas.ts'
import { startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { startHub } from '../../hub/hub.ts'
import { Presence } from '../../hub/mqtt/presence.ts'
import { createLogger } from '../../core/log.ts'
import { waitFor } from '../support/edge-harness.ts'
import { liveProtocols } from '../../core/live/protocol.ts'

let h: HubHarness
const tokens: Partial<Record<Role, string>> = {}
const creds = new Map<string, { username: string; token: string }>()

beforeAll(async () => {
  h = await startTestHub({ TONYPI_HUB_OFFLINE_AFTER_S: '2', TONYPI_HUB_COMMAND_TIMEOUT_MS: '1500' })
  for (const r of ['admin', 'operator', 'viewer'] as Role[]) tokens[r] = await h.tokenFor(r)
  for (const id of ['r1', 'r2', 'legacybot']) {
    const res = await h.api('/api/v1/robots', { token: tokens.admin, method: 'POST', json: { robot_id: id, name: `Robot ${id}` } })
    expect(res.status).toBe(201)
    creds.set(id, (await res.json()).credential)
  }
}, 120_000)
afterAll(() => h?.stop(), 60_000)

function connect(opts: mqtt.IClientOptions): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(h.services.mqtt_url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts })
    c.once('connect', () => resolve(c))
    c.once('error', (e) => {
      c.end(true)
      reject(e)
    })
  })
}
const robotClient = (id: string) => connect({ username: creds.get(id)!.username, password: creds.get(id)!.token })

describe('robots and credentials', () => {
  test('the listener for unchanged earlier clients is off by default', () => {
    expect(h.hub.legacyMqttPort).toBeNull()
    expect(h.hub.ctx.legacyListener).toBeNull()
  })

  test('migrations ran from empty: every table is there', async () => {
    const rows = await h.hub.ctx.db.$client`select table_name from information_schema.tables where table_schema = 'public' order by 1`
    expect(rows.map((r: { table_name: string }) => r.table_name)).toEqual(
      expect.arrayContaining(['alert_rules', 'alerts', 'commands', 'jobs', 'reports', 'robots', 'sync_state', 'system_logs', 'users']),
    )
  })

  test('the credential is shown once, stored hashed, and rotation and revocation take effect at the broker', async () => {
    const list = await (await h.api('/api/v1/robots', { token: tokens.viewer })).json()
    expect(JSON.stringify(list)).not.toContain(creds.get('r2')!.token)
    const rows = await h.hub.ctx.db.$client`select credential_hash, mqtt_hash from robots where robot_id = 'r2'`
    expect(rows[0].credential_hash).not.toContain(creds.get('r2')!.token)
    const c = await robotClient('r2')
    c.end(true)
    const rot = await (await h.api('/api/v1/robots/r2/credential/rotate', { token: tokens.admin, method: 'POST' })).json()
    await waitFor(
      'old token refused',
      async () => {
        try {
          ;(await robotClient('r2')).end(true)
          return false
        } catch {
          return true
        }
      },
      5000,
    )
    const old = creds.get('r2')!
    creds.set('r2', rot.credential)
    expect(rot.credential.token).not.toBe(old.token)
    ;(await robotClient('r2')).end(true)
    expect((await h.api('/api/v1/robots/r2/credential/revoke', { token: tokens.admin, method: 'POST' })).status).toBe(200)
    await waitFor(
      'revoked refused',
      async () => {
        try {
          ;(await robotClient('r2')).end(true)
          return false
        } catch {
          return true
        }
      },
      5000,
    )
  })

  test('a credential is usable the moment it is answered: registered or rotated, it connects at once and the old one is refused', async () => {
    // The answering replica writes the broker's files and signals it before it answers (the
    // cluster bus dispatches locally first), so there is no moment a robot is refused.
    for (let i = 0; i < 5; i++) {
      const id = `at-once-${i}`
      const res = await h.api('/api/v1/robots', { token: tokens.admin, method: 'POST', json: { robot_id: id } })
      expect(res.status).toBe(201)
      creds.set(id, (await res.json()).credential)
      ;(await robotClient(id)).end(true)
    }
    const res = await h.api('/api/v1/robots', { token: tokens.admin, method: 'POST', json: { robot_id: 'at-once' } })
    creds.set('at-once', (await res.json()).credential)
    const old = creds.get('at-once')!
    const rot = await (await h.api('/api/v1/robots/at-once/credential/rotate', { token: tokens.admin, method: 'POST' })).json()
    creds.set('at-once', rot.credential)
    ;(await robotClient('at-once')).end(true)
    await expect(connect({ username: old.username, password: old.token })).rejects.toThrow(/Not authorized|Bad username/i)
  })

  test('anonymous clients are refused by the broker', async () => {
    await expect(connect({})).rejects.toThrow(/Not authorized|Bad username/i)
  })
})

describe('telemetry into InfluxDB', () => {
  test("our topic tree lands with the robot's own timestamps", async () => {
    const c = await robotClient('r1')
    const t0 = Date.now() - 60_000 // a robot whose samples are a minute old (a backlog)
    for (let i = 0; i < 5; i++) {
      c.publish(
        'tonypi/r1/servos',
        JSON.stringify({
          robot_id: 'r1',
          ts: t0 + i * 50,
          servos: [
            { id: 1, position: 500 + i },
            { id: 2, position: 390, temperature_c: 41 },
          ],
        }),
      )
    }
    c.publish('tonypi/r1/battery', JSON.stringify({ robot_id: 'r1', ts: t0, voltage_v: 7.9, percent: 80 }))
    c.publish('tonypi/r1/imu', JSON.stringify({ robot_id: 'r1', ts: t0, accel: [0, 9.8, 0], gyro: [0, 0, 0] }))
    c.publish('tonypi/r1/performance', JSON.stringify({ robot_id: 'r1', ts: t0, cpu_percent: 12.5, net_rx_bps: 1000 }))
    await h.hub.writer.flush()
    const hist = await waitFor(
      'servo points',
      async () => {
        await h.hub.writer.flush()
        const r = await (
          await h.api(`/api/v1/robot/sensors?robot_id=r1&stream=servos&servo_id=1&from=${t0 - 1}&to=${t0 + 1000}&resolution=raw`, { token: tokens.viewer })
        ).json()
        return r.points?.length === 5 ? r : null
      },
      10_000,
    )
    expect(hist.points.map((p: { ts: number }) => p.ts)).toEqual([0, 1, 2, 3, 4].map((i) => t0 + i * 50))
    expect(hist.points.map((p: { position: number }) => p.position)).toEqual([500, 501, 502, 503, 504])
    const bat = await (
      await h.api(`/api/v1/robot/sensors?robot_id=r1&stream=battery&from=${t0 - 1}&to=${t0 + 1}&resolution=raw`, { token: tokens.viewer })
    ).json()
    expect(bat.points[0]).toMatchObject({ ts: t0, voltage_v: 7.9, percent: 80 })
    c.end(true)
  })

  test("the earlier system's messages land too, through the same adapter", async () => {
    const c = await robotClient('legacybot')
    const at = Date.now() - 2000
    const iso = new Date(at).toISOString().replace('Z', '') // local time without a zone, as it sent (the test runs in UTC)
    c.publish(
      'tonypi/sensors/legacybot',
      JSON.stringify({ robot_id: 'legacybot', sensor_type: 'ultrasonic_distance', value: 33.5, unit: 'cm', timestamp: iso }),
    )
    c.publish('tonypi/battery', JSON.stringify({ robot_id: 'legacybot', percentage: 70, voltage: 11.4, timestamp: iso }))
    c.publish('tonypi/job/legacybot', JSON.stringify({ robot_id: 'legacybot', status: 'started', task_name: 'scan', items_total: 3, percent: 0 }))
    c.publish(
      'tonypi/job/legacybot',
      JSON.stringify({ robot_id: 'legacybot', status: 'completed', task_name: 'scan', items_done: 3, items_total: 3, percent: 100 }),
    )
    c.publish(
      'tonypi/job/legacybot',
      JSON.stringify({ robot_id: 'legacybot', status: 'completed', task_name: 'scan', items_done: 3, items_total: 3, percent: 100 }),
    )
    const pts = await waitFor(
      'legacy sensor point',
      async () => {
        await h.hub.writer.flush()
        const r = await (
          await h.api(`/api/v1/robot/sensors?robot_id=legacybot&stream=sensors&from=${at - 10}&to=${at + 10}&resolution=raw`, { token: tokens.viewer })
        ).json()
        return r.points?.length ? r.points : null
      },
      10_000,
    )
    expect(pts[0]).toMatchObject({ ts: at, sensor: 'ultrasonic_distance', value: 33.5 })
    const jobs = await waitFor('one job', async () => {
      const j = await (await h.api('/api/v1/jobs?robot_id=legacybot', { token: tokens.viewer })).json()
      return j.length && j[0].status === 'completed' ? j : null
    })
    expect(jobs.length).toBe(1) // the repeated "completed" created nothing
    expect(jobs[0].percent).toBe(100)
    const robot = await (await h.api('/api/v1/robots/legacybot', { token: tokens.viewer })).json()
    expect(robot.legacy).toBe(true)
    c.end(true)
  })

  test("the fleet's live feed and a robot's latest status, in the edge's shape", async () => {
    const ws = new WebSocket(`${h.base.replace('http', 'ws')}/api/v1/live?robot_id=r1`, liveProtocols(tokens.viewer!))
    const got: { type: string; robot_id?: string; samples?: { stream: string }[] }[] = []
    ws.onmessage = (e) => got.push(JSON.parse(String(e.data)))
    await waitFor('hello', () => got.some((m) => m.type === 'hello'))
    const c = await robotClient('r1')
    const now = Date.now()
    c.publish('tonypi/r1/servos', JSON.stringify({ robot_id: 'r1', ts: now, servos: [{ id: 3, position: 612, temperature_c: 38, voltage_v: 7.6, torque: 1 }] }))
    c.publish('tonypi/legacybot/battery', JSON.stringify({ robot_id: 'legacybot', ts: now, voltage_v: 7, percent: 50 })) // refused by the ACL
    c.publish('tonypi/r1/battery', JSON.stringify({ robot_id: 'r1', ts: now, voltage_v: 7.7, percent: 66 }))
    await waitFor('live samples', () => got.some((m) => m.type === 'samples' && m.samples?.[0].stream === 'battery'))
    expect(got.filter((m) => m.type === 'samples').every((m) => m.robot_id === 'r1')).toBe(true)
    const st = await (await h.api('/api/v1/robots/r1/status', { token: tokens.viewer })).json()
    expect(st.battery).toMatchObject({ voltage_v: 7.7, percent: 66 })
    expect(st.servos.find((s: { id: number }) => s.id === 3)).toMatchObject({ position: 612, temperature_c: 38, stale: false })
    expect((await h.api('/api/v1/robots/r9-none/status', { token: tokens.viewer })).status).toBe(404)
    ws.close()
    c.end(true)
  })

  test('a robot cannot publish under another robot id', async () => {
    const c = await robotClient('r1')
    const at = Date.now() - 5000
    c.publish('tonypi/legacybot/battery', JSON.stringify({ robot_id: 'legacybot', ts: at, voltage_v: 1, percent: 1 }))
    c.publish('tonypi/servos/legacybot', JSON.stringify({ robot_id: 'legacybot', servos: { servo_1: { id: 1, position: 0 } } }))
    // A marker from the same connection: the broker keeps one publisher's order, so once the
    // marker is stored, the forged reading would have been stored before it, had the ACL let it by.
    c.publish('tonypi/r1/battery', JSON.stringify({ robot_id: 'r1', ts: at, voltage_v: 7.1, percent: 11 }))
    const battery = async (robotId: string) =>
      (
        await (
          await h.api(`/api/v1/robot/sensors?robot_id=${robotId}&stream=battery&from=${at - 1}&to=${at + 1}&resolution=raw`, { token: tokens.viewer })
        ).json()
      ).points
    await waitFor('the marker stored', async () => {
      await h.hub.writer.flush()
      return (await battery('r1')).length > 0
    })
    expect(await battery('legacybot')).toEqual([])
    c.end(true)
  })
})

describe('commands and presence', () => {
  test('a command reaches the robot and its reply comes back; silence is a timeout', async () => {
    const c = await robotClient('r1')
    await c.subscribeAsync('tonypi/r1/command/request')
    const got: Record<string, unknown>[] = []
    c.on('message', (_t, p) => {
      const cmd = JSON.parse(p.toString())
      got.push(cmd)
      c.publish('tonypi/r1/command/response', JSON.stringify({ id: cmd.id, type: cmd.type, state: 'accepted', ts: Date.now() }))
      c.publish('tonypi/r1/command/response', JSON.stringify({ id: cmd.id, type: cmd.type, state: 'done', ts: Date.now() }))
    })
    const r = await h.api('/api/v1/command', {
      token: tokens.operator,
      method: 'POST',
      json: { robot_id: 'r1', id: 'hub-cmd-1', type: 'servo.move', targets: [{ id: 5, position: 300 }], duration_ms: 500 },
    })
    expect(r.status).toBe(200)
    expect(await r.json()).toMatchObject({ id: 'hub-cmd-1', state: 'done' })
    expect(got[0]).toMatchObject({ id: 'hub-cmd-1', type: 'servo.move', targets: [{ id: 5, position: 300 }] })
    c.end(true)
    const t = await h.api('/api/v1/command', { token: tokens.operator, method: 'POST', json: { robot_id: 'r1', type: 'stop' } })
    expect(t.status).toBe(504)
    const audit = await h.hub.ctx.db.$client`select state, username from commands where id = 'hub-cmd-1'`
    expect(audit[0]).toMatchObject({ state: 'done', username: 'operator-user' })
  })

  test('a robot that disappears is marked offline after the heartbeat timeout', async () => {
    const c = await robotClient('r1')
    c.publish('tonypi/r1/battery', JSON.stringify({ robot_id: 'r1', ts: Date.now(), voltage_v: 7.9, percent: 80 }))
    await waitFor('online', async () => (await (await h.api('/api/v1/robots/r1', { token: tokens.viewer })).json()).status === 'online', 5000)
    c.end(true)
    const r = await waitFor(
      'offline',
      async () => {
        const x = await (await h.api('/api/v1/robots/r1', { token: tokens.viewer })).json()
        return x.status === 'offline' ? x : null
      },
      8000,
    )
    expect(r.status_source).toContain('silent for')
  })
})

describe('a hub that restarts', () => {
  test('a robot the table calls online but which never speaks again is marked offline after the timeout', async () => {
    const reg = await h.api('/api/v1/robots', { token: tokens.admin, method: 'POST', json: { robot_id: 'r-restart' } })
    expect(reg.status).toBe(201)
    await h.hub.ctx.robots.setStatus('r-restart', 'online', 'test: online when the hub stopped', new Date())
    // A second presence stands in for the restarted hub: same database, fresh memory, and the lease to write.
    const presence = new Presence({
      robots: h.hub.ctx.robots,
      records: h.hub.ctx.records,
      log: createLogger({ level: 'error', sink: () => {} }),
      offlineAfterMs: 1000,
    })
    await presence.start()
    const lead = await presence.lead()
    try {
      expect(presence.isOnline('r-restart')).toBe(true)
      const r = await waitFor(
        'offline',
        async () => {
          const x = await (await h.api('/api/v1/robots/r-restart', { token: tokens.viewer })).json()
          return x.status === 'offline' ? x : null
        },
        8000,
      )
      expect(r.status_source).toContain('silent for')
    } finally {
      lead.stop()
      presence.stop()
    }
  })
})

describe('the fleet log', () => {
  test("an operator's note is kept with their name; exports are formula-safe CSV and JSON, filtered like the list", async () => {
    const hostile = `=cmd|' /C calc'!A0`
    const bad = await h.api('/api/v1/logs', { method: 'POST', token: tokens.operator, json: { message: 'x', robot_id: 'no-such-robot' } })
    expect(bad.status).toBe(404)
    const empty = await h.api('/api/v1/logs', { method: 'POST', token: tokens.operator, json: { message: '' } })
    expect(empty.status).toBe(400)
    const r = await h.api('/api/v1/logs', { method: 'POST', token: tokens.operator, json: { message: hostile, level: 'warn', robot_id: 'r1' } })
    expect(r.status).toBe(201)
    expect(await r.json()).toMatchObject({ category: 'note', level: 'warn', robot_id: 'r1', message: hostile, details: { user: 'operator-user' } })

    const csv = await h.api('/api/v1/logs/export/csv?robot_id=r1&category=note', { token: tokens.viewer })
    expect(csv.headers.get('content-type')).toContain('text/csv')
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="tonypi-r1-logs-.*\.csv"/)
    const text = await csv.text()
    const lines = text.trimEnd().split('\r\n')
    expect(lines[0]).toBe('id,time,level,category,robot_id,message,details')
    const noteLine = lines.find((l) => l.includes('calc'))!
    expect(noteLine).toContain(`,'=cmd|' /C calc'!A0,`)
    expect(noteLine).not.toMatch(/,=cmd/)

    const json = await (await h.api('/api/v1/logs/export/json?robot_id=r1&category=note', { token: tokens.viewer })).json()
    expect(json.robot_id).toBe('r1')
    expect(json.logs.map((l: { message: string }) => l.message)).toContain(hostile)
  })
})

describe('API roles and input', () => {
  const ROUTES: { method: string; path: string; need: Role | 'public'; body?: unknown }[] = [
    { method: 'GET', path: '/api/v1/health', need: 'public' },
    { method: 'GET', path: '/api/v1/auth/me', need: 'viewer' },
    { method: 'GET', path: '/api/v1/users', need: 'admin' },
    { method: 'POST', path: '/api/v1/users', need: 'admin', body: { username: 'x-user', password: 'x-password', role: 'viewer' } },
    { method: 'GET', path: '/api/v1/robots', need: 'viewer' },
    { method: 'POST', path: '/api/v1/robots', need: 'admin', body: { robot_id: 'r9' } },
    { method: 'GET', path: '/api/v1/robots/r1', need: 'viewer' },
    { method: 'GET', path: '/api/v1/robots/r1/status', need: 'viewer' },
    { method: 'POST', path: '/api/v1/robots/r9/credential/rotate', need: 'admin' },
    { method: 'PUT', path: '/api/v1/robots/r1', need: 'admin', body: { notes: 'role table' } },
    { method: 'GET', path: '/api/v1/robot/status', need: 'viewer' },
    { method: 'GET', path: '/api/v1/robot/sensors?robot_id=r1&stream=battery', need: 'viewer' },
    { method: 'GET', path: '/api/v1/pi/performance?robot_id=r1', need: 'viewer' },
    { method: 'GET', path: '/api/v1/jobs', need: 'viewer' },
    { method: 'GET', path: '/api/v1/jobs/stats?robot_id=r1', need: 'viewer' },
    { method: 'GET', path: '/api/v1/alerts', need: 'viewer' },
    { method: 'GET', path: '/api/v1/alerts/stats', need: 'viewer' },
    { method: 'POST', path: '/api/v1/alerts', need: 'operator', body: { robot_id: 'r1', severity: 'info', title: 'role table' } },
    { method: 'POST', path: '/api/v1/alerts/acknowledge-all', need: 'operator', body: { type: 'no_such_type' } },
    { method: 'GET', path: '/api/v1/alerts/rules', need: 'viewer' },
    { method: 'GET', path: '/api/v1/alerts/rules?robot_id=r1', need: 'viewer' },
    { method: 'PUT', path: '/api/v1/alerts/rules/sync_lag', need: 'admin', body: { enabled: true } },
    { method: 'PUT', path: '/api/v1/alerts/rules/sync_lag?robot_id=r1', need: 'admin', body: { enabled: true } },
    { method: 'DELETE', path: '/api/v1/alerts/rules/sync_lag?robot_id=r1', need: 'admin' },
    { method: 'POST', path: '/api/v1/alerts/999999/acknowledge', need: 'operator' },
    { method: 'POST', path: '/api/v1/alerts/999999/resolve', need: 'operator' },
    { method: 'GET', path: '/api/v1/logs', need: 'viewer' },
    { method: 'POST', path: '/api/v1/logs', need: 'operator', body: { message: 'role table note' } },
    { method: 'GET', path: '/api/v1/logs/stats', need: 'viewer' },
    { method: 'GET', path: '/api/v1/logs/export/csv', need: 'viewer' },
    { method: 'GET', path: '/api/v1/reports/export/csv', need: 'viewer' },
    { method: 'GET', path: '/api/v1/reports/export/json', need: 'viewer' },
    { method: 'DELETE', path: '/api/v1/reports/999999', need: 'admin' },
    { method: 'GET', path: '/api/v1/logs/export/json', need: 'viewer' },
    { method: 'POST', path: '/api/v1/command', need: 'operator', body: { robot_id: 'nobot', type: 'stop' } },
  ]
  const RANK = { public: 0, viewer: 1, operator: 2, admin: 3 }
  test('every route x role', async () => {
    for (const r of ROUTES) {
      for (const who of ['anonymous', 'viewer', 'operator', 'admin'] as const) {
        const res = await h.api(r.path, { method: r.method, token: who === 'anonymous' ? undefined : tokens[who], json: r.body })
        const rank = who === 'anonymous' ? 0 : RANK[who]
        const label = `${r.method} ${r.path} as ${who}: ${res.status}`
        if (rank >= RANK[r.need]) expect(label).not.toMatch(/: 40[13]$/)
        else expect(label).toMatch(rank === 0 ? /: 401$/ : /: 403$/)
      }
    }
  })

  test('malformed input is a clear 4xx and writes nothing', async () => {
    const before = (await h.hub.ctx.db.$client`select count(*)::int n from robots`)[0].n
    const bad: [string, RequestInit & { token?: string; json?: unknown }, number, RegExp][] = [
      ['/api/v1/robots', { method: 'POST', token: tokens.admin, json: { robot_id: 'bad id' } }, 400, /robot_id/],
      ['/api/v1/robots', { method: 'POST', token: tokens.admin, json: { robot_id: 'servos' } }, 400, /reserved/],
      ['/api/v1/robots', { method: 'POST', token: tokens.admin, json: { robot_id: 'r1' } }, 409, /already exists/],
      ['/api/v1/robots', { method: 'POST', token: tokens.admin, body: '{nope', headers: { 'content-type': 'application/json' } }, 400, /JSON|body/],
      [
        '/api/v1/users',
        { method: 'POST', token: tokens.admin, json: { username: 'robot-r1', password: 'long-enough', role: 'viewer' } },
        409,
        /robots' broker accounts/,
      ],
      ['/api/v1/command', { method: 'POST', token: tokens.operator, json: { robot_id: 'r1', type: 'fly' } }, 400, /invalid command/],
      ['/api/v1/robot/sensors?robot_id=r1&stream=teapot', { token: tokens.viewer }, 400, /stream/],
    ]
    for (const [path, init, status, msg] of bad) {
      const r = await h.api(path, init)
      const body = await r.json()
      expect(`${path} ${r.status}`).toBe(`${path} ${status}`)
      expect(body.message).toMatch(msg)
    }
    expect((await h.hub.ctx.db.$client`select count(*)::int n from robots`)[0].n).toBe(before)
  })

  test('InfluxQL injection attempts are refused or harmless', async () => {
    for (const evil of ["r1' OR 1=1 --", 'r1"; DROP MEASUREMENT servos', 'r1\nSELECT * FROM battery']) {
      const r = await h.api(`/api/v1/robot/sensors?robot_id=${encodeURIComponent(evil)}&stream=battery&resolution=raw`, { token: tokens.viewer })
      expect([400, 404]).toContain(r.status)
    }
    for (const evil of ["x' OR '1'='1", 'a"b', '1; DROP']) {
      const r = await h.api(`/api/v1/robot/sensors?robot_id=r1&stream=sensors&source=${encodeURIComponent(evil)}&resolution=raw`, { token: tokens.viewer })
      const body = await r.json()
      if (r.status === 200) expect(body.points).toEqual([])
      else expect(r.status).toBe(400)
    }
    // The data is still all there.
    await h.hub.writer.flush()
    const still = await (
      await h.api(`/api/v1/robot/sensors?robot_id=r1&stream=servos&from=${Date.now() - 3_600_000}&resolution=raw`, { token: tokens.viewer })
    ).json()
    expect(still.points.length).toBeGreaterThan(0)
  })

  test('Grafana provisioning is written at start: data sources and the dashboards', async () => {
    const dir = join(h.hub.ctx.config.dataDir, 'grafana', 'provisioning')
    expect(readFileSync(join(dir, 'datasources', 'tonypi.yaml'), 'utf8')).toContain('InfluxQL')
    expect(readdirSync(join(dir, 'dashboards', 'tonypi')).sort()).toEqual(expect.arrayContaining(['tonypi-fleet.json', 'tonypi-robot.json']))
  })

  test('health checks each dependency', async () => {
    const r = await h.api('/api/v1/health')
    expect(r.status).toBe(200)
    expect((await r.json()).checks).toMatchObject({ postgres: { ok: true }, influxdb: { ok: true }, broker: { ok: true } })
  })
})

describe('jsonb columns', () => {
  test("a log row's details are stored as an object and read back as one", async () => {
    await h.hub.ctx.records.log({ robotId: null, level: 'info', category: 'probe', message: 'jsonb', details: { a: 1, list: [1, 2] }, ts: Date.now() })
    const [row] = await h.hub.ctx.db.$client`select jsonb_typeof(details) t, details->>'a' a from system_logs where category = 'probe'`
    expect(row).toEqual({ t: 'object', a: '1' })
    const [back] = await h.hub.ctx.db.select().from(systemLogs).where(eq(systemLogs.category, 'probe'))
    expect(back.details).toEqual({ a: 1, list: [1, 2] })
  })

  test("a report's figures keep the order they were written in (json, not jsonb)", async () => {
    const [row] = await h.hub.ctx.db
      .insert(reports)
      .values({ reportType: 'job', fromTs: new Date(), toTs: new Date(), createdBy: 't', figures: { zeta: 1, robot_id: 'x', alpha: { b: 1, a: 2 } } })
      .returning()
    const [back] = await h.hub.ctx.db.select().from(reports).where(eq(reports.id, row.id))
    expect(JSON.stringify(back.figures)).toBe('{"zeta":1,"robot_id":"x","alpha":{"b":1,"a":2}}')
  })

  test('migration 0005 turns rows stored as JSON strings into objects', async () => {
    const sql = h.hub.ctx.db.$client
    await sql`insert into system_logs (level, category, message, details) values ('info', 'old', 'old row', to_jsonb(${'{"b":2}'}::text))`
    expect((await sql`select jsonb_typeof(details) t from system_logs where category = 'old'`)[0].t).toBe('string')
    const [old] = await h.hub.ctx.db.select().from(systemLogs).where(eq(systemLogs.category, 'old'))
    expect(old.details).toEqual({ b: 2 })
    for (const stmt of readFileSync(join(HUB_MIGRATIONS_DIR, '0005_jsonb_objects.sql'), 'utf8').split('--> statement-breakpoint')) await sql.unsafe(stmt)
    expect((await sql`select jsonb_typeof(details) t, details->>'b' b from system_logs where category = 'old'`)[0]).toEqual({ t: 'object', b: '2' })
  })
})

describe('a start that fails', () => {
  test('a start that fails after the database opened closes it again', async () => {
    const pg = new SQL(h.services.postgres_url, { max: 1 })
    const dir = mkdtempSync(join(tmpdir(), 'tonypi-hub-fail-'))
    try {
      await pg`create database failstart`
      // The JWT secret's path taken by a directory: the start fails after the migrations ran.
      mkdirSync(join(dir, 'jwt-secret'))
      const url = new URL(h.services.postgres_url)
      url.pathname = '/failstart'
      const cfg = { ...h.hub.ctx.config, dataDir: dir, databaseUrl: url.toString(), jwtSecret: undefined }
      await expect(startHub(cfg, createLogger({ level: 'error', sink: () => undefined }))).rejects.toThrow(/EISDIR|directory/)
      await waitFor('the pool closed', async () => (await pg`select count(*)::int n from pg_stat_activity where datname = 'failstart'`)[0].n === 0)
    } finally {
      await pg`drop database if exists failstart with (force)`
      await pg.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
