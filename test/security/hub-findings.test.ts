// The hub: every topic x every client of the fleet broker (Mosquitto, with the ACL the hub
// writes), and the week's findings against the hub, each failing without its fix (issue 11).
import { liveProtocols } from '../../core/live/protocol.ts'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type mqtt from 'mqtt'
import { SQL } from 'bun'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Role } from '../../core/schemas.ts'
import { ROBOT_CHANNELS } from '../../core/topics.ts'
import { users } from '../../hub/db/schema.ts'
import { mosquittoHash } from '../../hub/mqtt/mosquitto-hash.ts'
import { waitFor } from '../support/edge-harness.ts'
import { HUB_ADMIN_PASSWORD, startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { connectMqtt, oversizedConnectIsCut, publishOutcome, requestFrom } from './probes.ts'

type Who = Role | 'robot-a' | 'robot-b'
const A = 'sec-a'
const B = 'sec-b'

let h: HubHarness
const tokens: Partial<Record<Role, string>> = {}
const secrets = new Map<Who, { username: string; password: string }>()
const clients: mqtt.MqttClient[] = []

beforeAll(async () => {
  h = await startTestHub({ TONYPI_HUB_COMMAND_TIMEOUT_MS: '1500', TONYPI_HUB_OFFLINE_AFTER_S: '600' })
  for (const r of ['admin', 'operator', 'viewer'] as Role[]) {
    tokens[r] = await h.tokenFor(r)
    const c = await h.api('/api/v1/auth/me/mqtt-credential', { token: tokens[r], method: 'POST' })
    secrets.set(r, (await c.json()).credential)
  }
  for (const [who, id] of [
    ['robot-a', A],
    ['robot-b', B],
    [null, 'sec-c'],
  ] as const) {
    const r = await (await h.api('/api/v1/robots', { token: tokens.admin, method: 'POST', json: { robot_id: id } })).json()
    if (who) secrets.set(who, { username: r.credential.username, password: r.credential.token })
  }
}, 120_000)
afterAll(async () => {
  for (const c of clients) c.end(true)
  await h?.stop()
}, 60_000)

const connectAs = async (who: Who | 'service') => {
  const cred = who === 'service' ? { username: h.services.mqtt_username, password: h.services.mqtt_password } : secrets.get(who)!
  const c = await connectMqtt(h.services.mqtt_url, { ...cred, protocolVersion: 5 })
  clients.push(c)
  return c
}

/** The fleet broker's policy, written out (README, Hub): who may publish where. */
function mayPublish(who: Who, topic: string): boolean {
  if (who === 'robot-a' || who === 'robot-b') {
    const id = who === 'robot-a' ? A : B
    return topic.startsWith(`tonypi/${id}/`) || ['sensors', 'servos', 'status', 'logs', 'job'].some((r) => topic === `tonypi/${r}/${id}`)
  }
  if (/^tonypi\/[^/]+\/command\/request$/.test(topic)) return who !== 'viewer'
  if (topic === 'tonypi/system/broadcast') return who === 'admin'
  return false
}
/** Who may read (a subscription to everything delivers these only). */
function mayRead(who: Who, topic: string): boolean {
  if (who === 'robot-a' || who === 'robot-b') {
    const id = who === 'robot-a' ? A : B
    return [
      `tonypi/${id}/command/request`,
      `tonypi/${id}/sync`,
      'tonypi/system/broadcast',
      `tonypi/commands/${id}`,
      'tonypi/commands/broadcast',
      `tonypi/emergency_stop/${id}`,
      'tonypi/emergency_stop/broadcast',
    ].includes(topic)
  }
  return topic.startsWith('tonypi/')
}

const TOPICS = [
  ...ROBOT_CHANNELS.map((c) => `tonypi/${A}/${c}`),
  ...ROBOT_CHANNELS.map((c) => `tonypi/${B}/${c}`),
  ...['sensors', 'servos', 'status', 'logs', 'job'].flatMap((r) => [`tonypi/${r}/${A}`, `tonypi/${r}/${B}`]),
  'tonypi/battery',
  'tonypi/location',
  'tonypi/commands/response',
  `tonypi/commands/${A}`,
  `tonypi/commands/${B}`,
  'tonypi/commands/broadcast',
  `tonypi/emergency_stop/${A}`,
  'tonypi/emergency_stop/broadcast',
  'tonypi/system/broadcast',
  'tonypi/system/alerts',
  'elsewhere/topic',
]

describe('every topic x every client of the fleet broker', () => {
  for (const who of ['viewer', 'operator', 'admin', 'robot-a', 'robot-b'] as Who[]) {
    test(`publish as ${who}`, async () => {
      const c = await connectAs(who)
      const got: string[] = []
      const want: string[] = []
      for (const topic of TOPICS) {
        // A payload naming the other robot: a payload never decides which robot a message is about.
        got.push(`${topic}: ${await publishOutcome(c, topic, JSON.stringify({ robot_id: B, nothing: true }))}`)
        want.push(`${topic}: ${mayPublish(who, topic) ? 'accepted' : 'refused'}`)
      }
      expect(got).toEqual(want)
    })

    test(`read as ${who}`, async () => {
      const c = await connectAs(who)
      const got = new Set<string>()
      const sentinel = who.startsWith('robot') ? `tonypi/${who === 'robot-a' ? A : B}/command/request` : 'tonypi/system/broadcast'
      let done = false
      c.on('message', (topic, payload) => {
        if (payload.toString() === 'sentinel') done = true
        else got.add(topic)
      })
      await c.subscribeAsync('#', { qos: 1 }).catch(() => {})
      await c.subscribeAsync('tonypi/#', { qos: 1 }).catch(() => {})
      await c.subscribeAsync(sentinel, { qos: 1 })
      const service = await connectAs('service')
      for (const topic of TOPICS.filter((t) => t.startsWith('tonypi/'))) await service.publishAsync(topic, 'probe', { qos: 1 })
      await service.publishAsync(sentinel, 'sentinel', { qos: 1 })
      await waitFor('the sentinel', () => done)
      expect([...got].sort()).toEqual(TOPICS.filter((t) => t.startsWith('tonypi/') && mayRead(who, t)).sort())
    })
  }

  test("no person's login password is a broker password: the broker takes only generated secrets, and a new password ends the secret", async () => {
    await expect(connectMqtt(h.services.mqtt_url, { username: 'operator-user', password: 'operator-password' })).rejects.toThrow(/Not authorized|Bad user/i)
    const name = 'secret-holder'
    await h.api('/api/v1/users', { token: tokens.admin, method: 'POST', json: { username: name, password: `${name}-password`, role: 'viewer' } })
    const t = await h.login(name, `${name}-password`)
    const cred = (await (await h.api('/api/v1/auth/me/mqtt-credential', { token: t, method: 'POST' })).json()).credential
    expect(cred.password).not.toBe(`${name}-password`)
    ;(await connectMqtt(h.services.mqtt_url, cred)).end(true)
    expect(
      (await h.api('/api/v1/auth/me/password', { token: t, method: 'POST', json: { current_password: `${name}-password`, new_password: 'another-password' } }))
        .status,
    ).toBe(200)
    await waitFor('the old secret refused', () =>
      connectMqtt(h.services.mqtt_url, cred).then(
        (c) => {
          c.end(true)
          return false
        },
        () => true,
      ),
    )
  })

  test("a demoted or deleted person's open broker session loses what the role gave it", async () => {
    for (const change of ['demote', 'delete'] as const) {
      const name = `broker-${change}`
      const u = await (
        await h.api('/api/v1/users', { token: tokens.admin, method: 'POST', json: { username: name, password: `${name}-password`, role: 'operator' } })
      ).json()
      const cred = (await (await h.api('/api/v1/auth/me/mqtt-credential', { token: await h.login(name, `${name}-password`), method: 'POST' })).json())
        .credential
      const c = await connectMqtt(h.services.mqtt_url, { ...cred, protocolVersion: 5 })
      clients.push(c)
      expect(await publishOutcome(c, `tonypi/${A}/command/request`, '{"type":"stop"}')).toBe('accepted')
      const r =
        change === 'demote'
          ? await h.api(`/api/v1/users/${u.id}`, { token: tokens.admin, method: 'PUT', json: { role: 'viewer' } })
          : await h.api(`/api/v1/users/${u.id}`, { token: tokens.admin, method: 'DELETE' })
      expect(r.status).toBe(200)
      // Once the broker has reloaded the files the hub rewrote (SIGHUP), the same session is refused.
      await waitFor(`${change}: refused`, async () => !c.connected || (await publishOutcome(c, `tonypi/${A}/command/request`, '{"type":"stop"}')) === 'refused')
    }
  })

  test('a CONNECT declaring megabytes is cut off before it is read (max_packet_size)', async () => {
    expect(await oversizedConnectIsCut(h.services.mosquitto.port, 5 * 1024 * 1024, 64 * 1024)).toBe(true)
  })
})

describe("the hub bridge's findings", () => {
  test("a robot cannot complete another robot's command with a forged reply, on its own topic or the shared one", async () => {
    const a = await connectAs('robot-a')
    let seen = false
    a.on('message', () => {
      seen = true
    }) // robot A hears the command and says nothing
    await a.subscribeAsync(`tonypi/${A}/command/request`, { qos: 1 })
    const pending = h.api('/api/v1/command', { token: tokens.operator, method: 'POST', json: { robot_id: A, id: 'forge-1', type: 'estop' } })
    await waitFor('robot A got the command', () => seen)
    const b = await connectAs('robot-b')
    await publishOutcome(b, `tonypi/${B}/command/response`, JSON.stringify({ id: 'forge-1', type: 'estop', state: 'done', ts: Date.now() }))
    expect(await publishOutcome(b, 'tonypi/commands/response', JSON.stringify({ robot_id: A, command_id: 'forge-1', success: true }))).toBe('refused')
    // Past the ACL (a broker misconfigured, or the hub's own account): the bridge still ignores it.
    const service = await connectAs('service')
    await service.publishAsync('tonypi/commands/response', JSON.stringify({ robot_id: A, command_id: 'forge-1', success: true }), { qos: 1 })
    const r = await pending
    expect(r.status).toBe(504)
    expect((await r.json()).state).toBe('timeout')
  })

  test("the shared legacy topics cannot write another robot's data, mark it online or flip it to legacy", async () => {
    const victim = 'sec-victim'
    expect((await h.api('/api/v1/robots', { token: tokens.admin, method: 'POST', json: { robot_id: victim } })).status).toBe(201)
    const a = await connectAs('robot-a')
    const at = Date.now()
    expect(
      await publishOutcome(a, 'tonypi/battery', JSON.stringify({ robot_id: victim, percentage: 1, voltage: 1, timestamp: new Date(at).toISOString() })),
    ).toBe('refused')
    expect(await publishOutcome(await connectAs('robot-a'), `tonypi/servos/${victim}`, JSON.stringify({ robot_id: victim, servos: {} }))).toBe('refused')
    const service = await connectAs('service')
    const drops = () =>
      [...h.hub.ctx.bridge.dropped.entries()].filter(([k]) => k.includes('names its robot only in the payload')).reduce((n, [, v]) => n + v, 0)
    const before = drops()
    await service.publishAsync('tonypi/battery', JSON.stringify({ robot_id: victim, percentage: 2, voltage: 2 }), { qos: 1 })
    await service.publishAsync('tonypi/location', JSON.stringify({ robot_id: victim, x: 1, y: 2, z: 3 }), { qos: 1 })
    await waitFor('dropped by the bridge', () => drops() >= before + 2)
    await h.hub.writer.flush()
    const bat = await (
      await h.api(`/api/v1/robot/sensors?robot_id=${victim}&stream=battery&from=${at - 60_000}&resolution=raw`, { token: tokens.viewer })
    ).json()
    expect(bat.points).toEqual([])
    const robot = await (await h.api(`/api/v1/robots/${victim}`, { token: tokens.viewer })).json()
    expect(robot.legacy).toBe(false)
    expect(robot.status).not.toBe('online')
  })

  test("the hub's own command echo does not mark an offline robot online", async () => {
    // A command to a robot that is away is refused before anything is published (never queued).
    const r = await h.api('/api/v1/command', { token: tokens.operator, method: 'POST', json: { robot_id: 'sec-c', type: 'stop' } })
    expect(r.status).toBe(409)
    // What the hub itself publishes to it (a request, a sync nudge) comes back to its bridge, and says nothing.
    const bridge = h.hub.ctx.bridge
    const before = bridge.counters.messages
    await bridge.publish('tonypi/sec-c/command/request', JSON.stringify({ id: 'echo-1', type: 'stop' }))
    await bridge.publish('tonypi/sec-c/sync', '{"pull":true}')
    await waitFor('both echoes back at the bridge', () => bridge.counters.messages >= before + 2)
    const robot = await (await h.api('/api/v1/robots/sec-c', { token: tokens.viewer })).json()
    expect(robot.status).not.toBe('online')
    expect(bridge.isOnline('sec-c')).toBe(false)
  })

  test('an e-stop goes out in both layouts, whatever the robot was last seen speaking', async () => {
    const admin = await connectAs('admin')
    const got = new Set<string>()
    admin.on('message', (topic) => got.add(topic))
    await admin.subscribeAsync([`tonypi/${B}/command/request`, `tonypi/emergency_stop/${B}`], { qos: 1 })
    const r = await h.api('/api/v1/command', { token: tokens.operator, method: 'POST', json: { robot_id: B, type: 'estop' } })
    expect(r.status).toBe(504)
    await waitFor('both', () => got.size === 2)
  })
})

describe("the hub's accounts", () => {
  test("no person can take the broker's service account", async () => {
    for (const name of ['tonypi-hub', 'TONYPI-HUB', 'robot-sec-a']) {
      const r = await h.api('/api/v1/users', { token: tokens.admin, method: 'POST', json: { username: name, password: 'takeover-password', role: 'viewer' } })
      expect(`${name} ${r.status}`).toBe(`${name} 409`)
    }
    // Even a row that got into the table another way never reaches the broker's password file.
    await h.hub.ctx.db.insert(users).values({ username: 'tonypi-hub', passwordHash: 'x', role: 'viewer', mqttHash: mosquittoHash('takeover-password') })
    await h.hub.ctx.syncBrokerAuth()
    await expect(connectMqtt(h.services.mqtt_url, { username: 'tonypi-hub', password: 'takeover-password' })).rejects.toThrow(/Not authorized|Bad user/i)
    ;(await connectAs('service')).end(true)
    expect(h.hub.ctx.bridge.connected).toBe(true)
  })

  test("Grafana's data sources use accounts that can only read, never the hub's", async () => {
    const yaml = readFileSync(join(h.hub.ctx.config.dataDir, 'grafana', 'provisioning', 'datasources', 'tonypi.yaml'), 'utf8')
    expect(yaml).not.toContain(h.services.influx_password)
    expect(yaml).not.toContain(new URL(h.services.postgres_url).password)
    expect(yaml).toContain(h.services.grafana_influx_username)
    // The reader reads, and cannot write.
    const basic = `Basic ${btoa(`${h.services.grafana_influx_username}:${h.services.grafana_influx_password}`)}`
    const write = await fetch(`${h.services.influx_url}/write?db=${h.services.influx_db}`, { method: 'POST', headers: { authorization: basic }, body: 'x v=1' })
    expect(write.status).toBe(403)
    const read = await fetch(`${h.services.influx_url}/query?db=${h.services.influx_db}&q=${encodeURIComponent('SHOW MEASUREMENTS')}`, {
      headers: { authorization: basic },
    })
    expect(read.status).toBe(200)
    const sql = new SQL(h.services.grafana_postgres_url)
    try {
      expect((await sql`select count(*)::int n from robots`)[0].n).toBeGreaterThan(0)
      await expect(sql`delete from robots`).rejects.toThrow(/permission denied/)
    } finally {
      await sql.close()
    }
  })

  test('logins are throttled per peer address and every failure is audited with it', async () => {
    let last = 0
    for (let i = 0; i < 25; i++)
      last = (await requestFrom('127.0.0.3', h.hub.httpPort, '/api/v1/auth/login', { username: 'admin', password: `guess-${i}` })).status
    expect(last).toBe(429)
    const elsewhere = await h.api('/api/v1/auth/login', { method: 'POST', json: { username: 'admin', password: HUB_ADMIN_PASSWORD } })
    expect(`${elsewhere.status} ${elsewhere.status === 200 ? '' : await elsewhere.text()}`).toBe('200 ')
    const rows = await h.hub.ctx.db.$client`select message from system_logs where category = 'auth' and level = 'warn' and message like '%from 127.0.0.3%'`
    expect(rows.length).toBe(25)
    expect(rows[0].message).toMatch(/failed login for "admin" from 127\.0\.0\.3/)
  })

  test('NUL bytes and wild dates are a 400, never a 500 with the SQL in the log', async () => {
    const cases: [string, RequestInit & { token?: string; json?: unknown }][] = [
      ['/api/v1/logs?q=a%00b', { token: tokens.viewer }],
      ['/api/v1/logs?from=1e20', { token: tokens.viewer }],
      ['/api/v1/jobs?to=99999999999999999999', { token: tokens.viewer }],
      ['/api/v1/logs', { token: tokens.operator, method: 'POST', json: { message: 'a\u0000b' } }],
    ]
    for (const [path, init] of cases) {
      const r = await h.api(path, init)
      expect(`${path} ${r.status}`).toBe(`${path} 400`)
    }
    expect(h.logs.filter((l) => l.includes('request failed') || l.includes('Failed query'))).toEqual([])
  })

  test("a user's live socket closes when their tokens are revoked", async () => {
    const name = 'live-revoked'
    const u = await (
      await h.api('/api/v1/users', { token: tokens.admin, method: 'POST', json: { username: name, password: `${name}-password`, role: 'viewer' } })
    ).json()
    const ws = new WebSocket(`${h.base.replace('http', 'ws')}/api/v1/live`, liveProtocols(await h.login(name, `${name}-password`)))
    let closed: number | null = null
    ws.onclose = (e) => {
      closed = e.code
    }
    await new Promise((r) => {
      ws.onmessage = r
    })
    expect((await h.api(`/api/v1/users/${u.id}/tokens/revoke`, { token: tokens.admin, method: 'POST' })).status).toBe(200)
    await waitFor('closed', () => closed !== null)
    expect(closed!).toBe(4001)
  })
  test('two demotions at once leave an admin', async () => {
    const ids: number[] = []
    for (const n of ['adm-x', 'adm-y'])
      ids.push(
        (await (await h.api('/api/v1/users', { token: tokens.admin, method: 'POST', json: { username: n, password: `${n}-password`, role: 'admin' } })).json())
          .id,
      )
    const me = (await (await h.api('/api/v1/auth/me', { token: await h.login('adm-x', 'adm-x-password') })).json()).id
    expect(me).toBe(ids[0])
    // Demote everyone but adm-x and adm-y first, then both of them at once.
    for (const u of await h.hub.ctx.users.list()) if (u.role === 'admin' && !ids.includes(u.id)) await h.hub.ctx.users.update(u.id, { role: 'operator' })
    const token = await h.login('adm-x', 'adm-x-password')
    const [a, b] = await Promise.all(ids.map((id) => h.api(`/api/v1/users/${id}`, { token, method: 'PUT', json: { role: 'viewer' } })))
    expect([a.status, b.status].sort()).toEqual([200, 409])
    expect((await h.hub.ctx.users.list()).filter((u) => u.role === 'admin').length).toBe(1)
  })
})
