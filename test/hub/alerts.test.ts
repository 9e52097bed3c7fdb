// The hub's fleet alerts against real PostgreSQL and Mosquitto, real robot MQTT clients and a
// real webhook receiver on a local port: robot offline, sync lag and backlog rules with minimum
// duration and hysteresis, one open alert updated in place, acknowledgement and resolution by
// role, rule edits (global and per robot), publication on tonypi/system/alerts and the live
// feed, and webhook delivery with retries, give-up and shutdown logging.
//
// The evaluation beat is set to an hour so it never runs by itself: the tests move a manual
// clock and call `evaluate()`, so minute-long durations take no time. The last test puts the
// real clock back and checks the beat on its own.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import mqtt from 'mqtt'
import { createHmac } from 'node:crypto'
import { ConfigError } from '../../core/config.ts'
import type { AlertMessage, AlertRecord } from '../../core/alerts/record.ts'
import { createLogger } from '../../core/log.ts'
import type { Role } from '../../core/schemas.ts'
import { FleetAlerts, systemClock, type AlertClock } from '../../hub/alerts/fleet-alerts.ts'
import { AlertWebhook } from '../../hub/alerts/webhook.ts'
import { PgWebhookOutbox } from '../../hub/alerts/webhook-outbox.ts'
import { loadHubConfig } from '../../hub/config.ts'
import { syncState } from '../../hub/db/schema.ts'
import { waitFor } from '../support/edge-harness.ts'
import { startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { liveProtocols } from '../../core/live/protocol.ts'

const SECRET = 'webhook-secret-for-tests'
/** Webhook URLs carry tokens: this one must never show up in a log. */
const HOOK_PATH = '/hook/T0KEN-in-the-path'

interface Received {
  body: string
  msg: AlertMessage
  headers: Headers
  status: number
}

/** A webhook receiver that fails the first N deliveries per robot with a chosen status. */
const receiver = {
  got: [] as Received[],
  plan: new Map<string, { fail: number; status: number }>(),
  hangMs: 0,
}
const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  async fetch(req) {
    const body = await req.text()
    const msg = JSON.parse(body) as AlertMessage
    if (receiver.hangMs) await Bun.sleep(receiver.hangMs) // a slow receiver is the thing under test: it answers this late
    const p = receiver.plan.get(msg.robot_id)
    const failing = p !== undefined && p.fail > 0
    if (failing) p.fail--
    const status = failing ? p.status : 200
    receiver.got.push({ body, msg, headers: req.headers, status })
    return new Response(status === 200 ? 'ok' : 'no', { status, headers: status === 429 ? { 'retry-after': '0' } : {} })
  },
})

let h: HubHarness
const tokens: Partial<Record<Role, string>> = {}
const creds = new Map<string, { username: string; token: string }>()
const clients: mqtt.MqttClient[] = []
const published: AlertMessage[] = []
const live: { event: string; robot_id: string; data: AlertMessage }[] = []
let ws: WebSocket

/** The manual clock the evaluator reads: starts at the real time and moves only when told. */
const clock: AlertClock = { mono: performance.now(), now: Date.now() }
const advance = (seconds: number) => {
  clock.mono += seconds * 1000
  clock.now += seconds * 1000
}
const evaluate = () => h.hub.ctx.alerts.evaluate()
/**
 * Resolves once every webhook delivery queued so far has ended (delivered or given up). A change
 * queues its delivery before evaluate() or the route returns, so "nothing more was sent" holds
 * from here on, however slow the machine.
 */
const deliveriesEnded = () => h.hub.ctx.webhook!.idle()

beforeAll(async () => {
  h = await startTestHub({
    TONYPI_HUB_ALERT_INTERVAL_S: '3600',
    TONYPI_HUB_OFFLINE_AFTER_S: '600',
    TONYPI_HUB_ALERT_WEBHOOK_URL: `http://127.0.0.1:${server.port}${HOOK_PATH}`,
    TONYPI_HUB_ALERT_WEBHOOK_SECRET: SECRET,
    TONYPI_HUB_ALERT_WEBHOOK_ATTEMPTS: '4',
    TONYPI_HUB_ALERT_WEBHOOK_BACKOFF_MS: '40',
    TONYPI_HUB_ALERT_WEBHOOK_TIMEOUT_MS: '3000',
  })
  h.hub.ctx.alerts.clock = () => ({ ...clock })
  for (const r of ['admin', 'operator', 'viewer'] as Role[]) tokens[r] = await h.tokenFor(r)
  for (const id of ['off1', 'lag1', 'ack1', 'bk1', 'hook1', 'hook2', 'hook3', 'beat1']) {
    const res = await h.api('/api/v1/robots', { token: tokens.admin, method: 'POST', json: { robot_id: id } })
    expect(res.status).toBe(201)
    creds.set(id, (await res.json()).credential)
  }
  // The hub's own broker account, as an operator's tool would use it.
  const sub = await connect({ username: h.services.mqtt_username, password: h.services.mqtt_password })
  sub.on('message', (topic, payload) => {
    if (topic === 'tonypi/system/alerts') published.push(JSON.parse(payload.toString()))
  })
  await sub.subscribeAsync('tonypi/system/alerts', { qos: 1 })
  ws = new WebSocket(`${h.base.replace('http', 'ws')}/api/v1/live`, liveProtocols(tokens.viewer!))
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data))
    if (m.type === 'event' && m.event === 'alert') live.push(m)
  }
  await new Promise((r) => {
    ws.onopen = r
  })
}, 120_000)

afterAll(async () => {
  ws?.close()
  for (const c of clients) c.end(true)
  await h?.stop()
  server.stop(true)
}, 60_000)

function connect(opts: mqtt.IClientOptions): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(h.services.mqtt_url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts })
    c.once('connect', () => {
      clients.push(c)
      resolve(c)
    })
    c.once('error', (e) => {
      c.end(true)
      reject(e)
    })
  })
}

const robots = new Map<string, mqtt.MqttClient>()
async function robot(id: string): Promise<mqtt.MqttClient> {
  if (!robots.has(id)) robots.set(id, await connect({ username: creds.get(id)!.username, password: creds.get(id)!.token }))
  return robots.get(id)!
}
/** The robot says it is online (or offline, as on a clean stop), and the bridge has taken it in. */
async function presence(id: string, online: boolean) {
  const c = await robot(id)
  c.publish(`tonypi/${id}/status`, JSON.stringify({ status: online ? 'online' : 'offline', profile: 'sim' }))
  // The bridge's view changes at once, the robots table when its write lands: the rules read both.
  await waitFor(
    `${id} ${online ? 'online' : 'offline'} at the bridge and in the table`,
    async () => h.hub.ctx.bridge.isOnline(id) === online && (await h.hub.ctx.robots.get(id))?.status === (online ? 'online' : 'offline'),
  )
}

async function setRule(metric: string, robotId: string | null, patch: Record<string, unknown>) {
  const r = await h.api(`/api/v1/alerts/rules/${metric}${robotId ? `?robot_id=${robotId}` : ''}`, { method: 'PUT', token: tokens.admin, json: patch })
  expect(`${r.status} ${r.status === 200 ? '' : await r.text()}`).toBe('200 ')
  return r.json()
}

/** What the sync work will write with each batch: when it came and how much is still waiting. */
async function syncReport(robotId: string, lastBatchAt: number, backlog: number | null) {
  await h.hub.ctx.db
    .insert(syncState)
    .values({ robotId, lastBatchAt: new Date(lastBatchAt), backlog })
    .onConflictDoUpdate({ target: syncState.robotId, set: { lastBatchAt: new Date(lastBatchAt), backlog } })
}

async function alerts(query: string, token = tokens.viewer): Promise<AlertRecord[]> {
  const r = await h.api(`/api/v1/alerts?${query}`, { token })
  expect(r.status).toBe(200)
  return r.json()
}

const changesOf = (id: number) => published.filter((m) => m.id === id).map((m) => m.change)
const hooksOf = (id: number) => receiver.got.filter((r) => r.msg.id === id)
const changed = (list: AlertRecord[], robotId: string, type: string) => list.filter((a) => a.robot_id === robotId && a.type === type)

describe('robot offline', () => {
  test('opens after the minimum duration and not before, stays one alert, and clears when the robot is heard again', async () => {
    await setRule('robot_offline', 'off1', { min_duration_s: 30 })
    await presence('off1', true)
    expect(changed(await evaluate(), 'off1', 'robot_offline')).toEqual([])

    await presence('off1', false)
    expect(changed(await evaluate(), 'off1', 'robot_offline')).toEqual([])
    advance(29)
    expect(changed(await evaluate(), 'off1', 'robot_offline')).toEqual([])
    advance(1)
    const [opened] = changed(await evaluate(), 'off1', 'robot_offline')
    expect(opened).toMatchObject({ severity: 'warning', source: '', value: 1, threshold: 1, resolved: false, acknowledged: false, title: 'Robot off1 offline' })
    expect(opened.message).toContain('does not hear from it')
    expect(opened.created_at).toBe(clock.now)

    // Still offline, ten minutes on: nothing new, one open alert.
    for (let i = 0; i < 5; i++) {
      advance(120)
      expect(changed(await evaluate(), 'off1', 'robot_offline')).toEqual([])
    }
    expect(await alerts('robot_id=off1&type=robot_offline&resolved=false')).toHaveLength(1)

    await presence('off1', true)
    const [cleared] = changed(await evaluate(), 'off1', 'robot_offline')
    expect(cleared).toMatchObject({ id: opened.id, resolved: true, resolved_at: clock.now, title: 'Robot off1 back online' })

    // Published on MQTT and the live feed, in the edge's message shape; the webhook had both.
    await waitFor('open and resolve on MQTT', () => changesOf(opened.id).length === 2)
    expect(changesOf(opened.id)).toEqual(['open', 'resolve'])
    expect(published.find((m) => m.id === opened.id && m.change === 'open')).toMatchObject({ ...opened, change: 'open' })
    await waitFor('on the live feed', () => live.filter((m) => m.data.id === opened.id).length === 2)
    expect(live.find((m) => m.data.id === opened.id)).toMatchObject({ robot_id: 'off1', event: 'alert', data: { change: 'open', title: 'Robot off1 offline' } })
    await waitFor('both delivered to the webhook', () => hooksOf(opened.id).length === 2)
    expect(hooksOf(opened.id).map((r) => r.msg.change)).toEqual(['open', 'resolve'])
  })
})

describe('sync lag: hysteresis and minimum duration', () => {
  const lag = (s: number) => syncReport('lag1', clock.now - s * 1000, 0)
  const step = async (seconds: number, lagS: number) => {
    advance(seconds)
    await lag(lagS)
    return changed(await evaluate(), 'lag1', 'sync_lag')
  }

  test('a value hovering at the line opens one alert after the minimum duration, then does not flap; it clears below the band', async () => {
    await setRule('sync_lag', 'lag1', { warning: 100, critical: 200, hysteresis: 20, min_duration_s: 10 })
    await presence('lag1', true)
    expect(await step(0, 105)).toEqual([]) // beyond the line: the timer starts
    expect(await step(5, 95)).toEqual([]) // back inside, but within the band: the timer keeps running
    const [opened] = await step(5, 101) // 10 s after it first crossed
    expect(opened).toMatchObject({ type: 'sync_lag', severity: 'warning', value: 101, threshold: 100 })
    expect(opened.title).toBe('Robot lag1 sync lag high: 101 s')
    for (const v of [99, 101, 85, 100, 81, 110]) expect(await step(5, v)).toEqual([]) // hovering: no flapping
    const [cleared] = await step(5, 79) // out of the band
    expect(cleared).toMatchObject({ id: opened.id, resolved: true, value: 79 })
    expect(cleared.message).toContain('below 80 s')
    await waitFor('on MQTT', () => changesOf(opened.id).length === 2)
    expect(changesOf(opened.id)).toEqual(['open', 'resolve'])
  })

  test('leaving the band restarts the minimum duration', async () => {
    expect(await step(5, 105)).toEqual([])
    expect(await step(5, 70)).toEqual([]) // out of the band: the timer restarts
    expect(await step(5, 105)).toEqual([])
    expect(await step(5, 105)).toEqual([]) // 5 s since it crossed again
    const [opened] = await step(5, 105)
    expect(opened).toMatchObject({ severity: 'warning', resolved: false })
  })

  test('escalation and de-escalation update the one open alert in place; only clearing resolves it', async () => {
    const [open] = await alerts('robot_id=lag1&type=sync_lag&resolved=false')
    expect(await step(5, 230)).toEqual([])
    const [critical] = await step(10, 240)
    expect(critical).toMatchObject({ id: open.id, severity: 'critical', threshold: 200, resolved: false })
    expect(await step(5, 185)).toEqual([]) // inside the critical band
    const [warning] = await step(5, 150)
    expect(warning).toMatchObject({ id: open.id, severity: 'warning', threshold: 100, resolved: false })
    const rows = await h.hub.ctx.db.$client`select id from alerts where robot_id = 'lag1' and type = 'sync_lag' and not resolved`
    expect(rows.map((r: { id: number }) => r.id)).toEqual([open.id])
    // The database refuses a second open alert for the same (robot, type, source).
    await expect(
      h.hub.ctx.db.$client`insert into alerts (robot_id, type, severity, source, title, message) values ('lag1', 'sync_lag', 'warning', '', 'x', 'x')`,
    ).rejects.toThrow(/alerts_one_open|duplicate/)
    const [resolved] = await step(5, 10)
    expect(resolved).toMatchObject({ id: open.id, resolved: true })
    await waitFor('on MQTT', () => changesOf(open.id).at(-1) === 'resolve')
    expect(changesOf(open.id)).toEqual(['open', 'update', 'update', 'resolve'])
    // The webhook hears of the opening, each severity change and the resolve.
    await waitFor('webhook', () => hooksOf(open.id).length === 4)
    expect(hooksOf(open.id).map((r) => `${r.msg.change}:${r.msg.severity}`)).toEqual(['open:warning', 'update:critical', 'update:warning', 'resolve:warning'])
  })

  test('an offline robot is judged on its presence, not on a sync it cannot do', async () => {
    await presence('lag1', false)
    await lag(5000)
    advance(60)
    expect(changed(await evaluate(), 'lag1', 'sync_lag')).toEqual([])
    await presence('lag1', true)
    await lag(1)
    expect(changed(await evaluate(), 'lag1', 'sync_lag')).toEqual([])
  })
})

describe('sync backlog', () => {
  test('the backlog and its growth, from the reports with each batch', async () => {
    await setRule('sync_backlog', 'bk1', { warning: 1000, critical: 5000, hysteresis: 100, min_duration_s: 0 })
    await setRule('sync_backlog_growth', 'bk1', { warning: 60, hysteresis: 30, min_duration_s: 0 })
    await presence('bk1', true)
    const of = (list: AlertRecord[]) =>
      list.filter((a) => a.robot_id === 'bk1').map((a) => `${a.type}:${a.severity}:${a.value}:${a.resolved ? 'resolved' : 'open'}`)
    await syncReport('bk1', clock.now - 120_000, 0)
    expect(of(await evaluate())).toEqual([])
    await syncReport('bk1', clock.now - 60_000, 600)
    expect(of(await evaluate())).toEqual(['sync_backlog_growth:warning:600:open'])
    advance(30)
    await syncReport('bk1', clock.now - 1_000, 1500)
    expect(of(await evaluate())).toEqual(['sync_backlog:warning:1500:open'])
    // Caught up: the backlog is gone, and across the window it did not grow.
    advance(60)
    await syncReport('bk1', clock.now - 1_000, 0)
    expect(of(await evaluate()).sort()).toEqual(['sync_backlog:warning:0:resolved', 'sync_backlog_growth:warning:0:resolved'])
  })
})

describe('acknowledge and resolve', () => {
  let a: AlertRecord
  beforeAll(async () => {
    await setRule('sync_lag', 'ack1', { warning: 100, critical: 200, hysteresis: 10, min_duration_s: 0 })
    await presence('ack1', true)
    await syncReport('ack1', clock.now - 150_000, 0)
    ;[a] = changed(await evaluate(), 'ack1', 'sync_lag')
    expect(a).toMatchObject({ severity: 'warning', acknowledged: false })
  })

  test('viewers may not acknowledge; an operator may, and the first acknowledgement is kept', async () => {
    const path = `/api/v1/alerts/${a.id}/acknowledge`
    expect((await h.api(path, { method: 'POST' })).status).toBe(401)
    const denied = await h.api(path, { method: 'POST', token: tokens.viewer })
    expect(denied.status).toBe(403)
    expect((await denied.json()).message).toBe('this needs the operator role')
    expect(await alerts(`robot_id=ack1&acknowledged=true`)).toEqual([])

    const acked = await (await h.api(path, { method: 'POST', token: tokens.operator })).json()
    expect(acked).toMatchObject({ id: a.id, acknowledged: true, acknowledged_by: 'operator-user', acknowledged_at: clock.now, resolved: false })
    advance(1)
    const again = await (await h.api(path, { method: 'POST', token: tokens.admin })).json()
    expect(again).toMatchObject({ acknowledged_by: 'operator-user', acknowledged_at: acked.acknowledged_at })
    await waitFor('acknowledge on MQTT', () => published.some((m) => m.id === a.id && m.change === 'acknowledge'))
    expect(published.filter((m) => m.id === a.id && m.change === 'acknowledge').map((m) => m.by)).toEqual(['operator-user'])
    expect((await alerts('robot_id=ack1&acknowledged=true')).map((x) => x.id)).toEqual([a.id])

    for (const bad of ['999999', 'abc', '0', '99999999999']) {
      const r = await h.api(`/api/v1/alerts/${bad}/acknowledge`, { method: 'POST', token: tokens.operator })
      expect(`${bad} ${r.status}`).toBe(`${bad} 404`)
      expect((await r.json()).message).toMatch(/^no alert/)
    }
  })

  test('an escalation asks for attention again: the acknowledgement is cleared', async () => {
    await syncReport('ack1', clock.now - 250_000, 0)
    const [up] = changed(await evaluate(), 'ack1', 'sync_lag')
    expect(up).toMatchObject({ id: a.id, severity: 'critical', acknowledged: false, acknowledged_by: null, acknowledged_at: null })
  })

  test('an operator resolves; resolving twice changes nothing; a condition that persists raises a new alert', async () => {
    const path = `/api/v1/alerts/${a.id}/resolve`
    expect((await h.api(path, { method: 'POST', token: tokens.viewer })).status).toBe(403)
    const r = await (await h.api(path, { method: 'POST', token: tokens.operator })).json()
    expect(r).toMatchObject({ id: a.id, resolved: true, resolved_at: clock.now })
    advance(1)
    const twice = await (await h.api(path, { method: 'POST', token: tokens.operator })).json()
    expect(twice.resolved_at).toBe(r.resolved_at)
    await waitFor('resolve on MQTT', () => published.some((m) => m.id === a.id && m.change === 'resolve'))
    expect(published.filter((m) => m.id === a.id && m.change === 'resolve').map((m) => m.by)).toEqual(['operator-user'])
    await waitFor('resolve to the webhook', () => hooksOf(a.id).some((x) => x.msg.change === 'resolve'))

    const [again] = changed(await evaluate(), 'ack1', 'sync_lag')
    expect(again).toMatchObject({ severity: 'critical', resolved: false })
    expect(again.id).not.toBe(a.id)
  })

  test('a rule that does not resolve itself leaves the alert open, saying the condition cleared', async () => {
    await setRule('sync_lag', 'ack1', { auto_resolve: false })
    await syncReport('ack1', clock.now - 1000, 0)
    const [u] = changed(await evaluate(), 'ack1', 'sync_lag')
    expect(u).toMatchObject({ resolved: false, value: 1 })
    expect(u.message).toContain('stays open until an operator resolves it')
    await deliveriesEnded()
    expect(hooksOf(u.id).map((x) => x.msg.change)).toEqual(['open']) // the value-only update is not sent
    expect(changed(await evaluate(), 'ack1', 'sync_lag')).toEqual([])
    const r = await (await h.api(`/api/v1/alerts/${u.id}/resolve`, { method: 'POST', token: tokens.operator })).json()
    expect(r.resolved).toBe(true)
    expect(changed(await evaluate(), 'ack1', 'sync_lag')).toEqual([])
  })

  test('filters: robot, type, severity, resolved, time window, limit and offset', async () => {
    const all = await alerts('robot_id=ack1')
    expect(all.length).toBe(2)
    expect(all[0].created_at).toBeGreaterThanOrEqual(all[1].created_at) // newest first
    expect((await alerts('robot_id=ack1&severity=critical')).every((x) => x.severity === 'critical')).toBe(true)
    expect(await alerts('robot_id=ack1&type=robot_offline')).toEqual([])
    expect((await alerts(`robot_id=ack1&from=${all[0].created_at}`)).map((x) => x.id)).toEqual([all[0].id])
    expect((await alerts(`robot_id=ack1&to=${all[1].created_at}`)).map((x) => x.id)).toEqual([all[1].id])
    expect((await alerts('robot_id=ack1&limit=1&offset=1')).map((x) => x.id)).toEqual([all[1].id])
    for (const bad of ['severity=urgent', 'limit=0', 'limit=5000', 'from=abc', 'to=1e300', 'resolved=maybe']) {
      const r = await h.api(`/api/v1/alerts?${bad}`, { token: tokens.viewer })
      expect(`${bad} ${r.status}`).toBe(`${bad} 400`)
      expect((await r.json()).error).toBe('invalid_request')
    }
  })
})

describe('rules', () => {
  test('global rules with units and meanings; a robot sees its own where it has one', async () => {
    const global = await (await h.api('/api/v1/alerts/rules', { token: tokens.viewer })).json()
    expect(global.map((r: { metric: string }) => r.metric)).toEqual(['robot_offline', 'sync_lag', 'sync_backlog', 'sync_backlog_growth'])
    expect(global.every((r: { robot_id: string | null }) => r.robot_id === null)).toBe(true)
    expect(global.find((r: { metric: string }) => r.metric === 'sync_lag')).toMatchObject({
      warning: 300,
      critical: 1800,
      unit: 's',
      auto_resolve: true,
      enabled: true,
    })
    const own = await (await h.api('/api/v1/alerts/rules?robot_id=lag1', { token: tokens.viewer })).json()
    expect(own.find((r: { metric: string }) => r.metric === 'sync_lag')).toMatchObject({ robot_id: 'lag1', warning: 100, critical: 200 })
    expect(own.find((r: { metric: string }) => r.metric === 'robot_offline')).toMatchObject({ robot_id: null, min_duration_s: 120 })
    expect((await h.api('/api/v1/alerts/rules?robot_id=nobody', { token: tokens.viewer })).status).toBe(404)
    const doc = await (await h.api('/api/v1/openapi.json')).json()
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/alerts',
        '/api/v1/alerts/rules',
        '/api/v1/alerts/rules/{metric}',
        '/api/v1/alerts/{id}/acknowledge',
        '/api/v1/alerts/{id}/resolve',
      ]),
    )
  })

  test('bad edits are a clear 4xx and write nothing', async () => {
    const before = (await h.hub.ctx.db.$client`select count(*)::int n, max(updated_at) m from alert_rules`)[0]
    const bad: [string, string, unknown, number, RegExp][] = [
      ['PUT', 'sync_lag', { warning: 500, critical: 400 }, 400, /critical above warning/],
      ['PUT', 'sync_lag', { warning: null, critical: null }, 400, /warning or a critical level/],
      ['PUT', 'sync_lag', { hysteresis: 2000 }, 400, /smaller than the gap/],
      ['PUT', 'sync_lag', { min_duration_s: 99999 }, 400, /min_duration_s/],
      ['PUT', 'sync_lag', { warning: 'high' }, 400, /warning/],
      ['PUT', 'sync_lag', { colour: 'red' }, 400, /unknown field "colour": a rule has direction, warning/],
      ['PUT', 'sync_lag', { warning: 250, min_duration: 5 }, 400, /unknown field "min_duration"/],
      ['PUT', 'sync_lag', {}, 400, /at least 1/],
      ['PUT', 'sync_lag', { direction: 'sideways' }, 400, /direction/],
      ['PUT', 'servo_temp', { warning: 60 }, 404, /no fleet alert rule servo_temp.*robot_offline.*servo_temperature/],
      ['PUT', 'servo_temperature', { warning: 90, critical: 80 }, 400, /critical above warning/],
      ['PUT', 'sync_lag?robot_id=nobody', { warning: 60 }, 404, /no robot nobody/],
      ['DELETE', 'sync_lag', undefined, 400, /robot_id is required/],
      ['DELETE', 'sync_lag?robot_id=off1', undefined, 404, /has no sync_lag rule of its own/],
    ]
    for (const [method, path, json, status, msg] of bad) {
      const r = await h.api(`/api/v1/alerts/rules/${path}`, { method, token: tokens.admin, json })
      const body = await r.json()
      expect(`${method} ${path} ${r.status} ${body.message}`).toMatch(new RegExp(`^${method} ${path.replace('?', '\\?')} ${status} `))
      expect(body.message).toMatch(msg)
    }
    expect((await h.hub.ctx.db.$client`select count(*)::int n, max(updated_at) m from alert_rules`)[0]).toEqual(before)
  })

  test('operators and viewers may not edit rules', async () => {
    for (const who of ['viewer', 'operator'] as const) {
      const r = await h.api('/api/v1/alerts/rules/sync_lag', { method: 'PUT', token: tokens[who], json: { warning: 301 } })
      expect(r.status).toBe(403)
      expect((await r.json()).message).toBe('this needs the admin role')
    }
  })

  test("disabling a rule resolves its open alerts; removing a robot's own rule brings the global one back", async () => {
    await setRule('robot_offline', 'off1', { min_duration_s: 0 })
    await presence('off1', false)
    const [open] = changed(await evaluate(), 'off1', 'robot_offline')
    expect(open).toMatchObject({ resolved: false })
    const rule = await setRule('robot_offline', 'off1', { enabled: false })
    expect(rule).toMatchObject({ robot_id: 'off1', enabled: false })
    const [row] = await alerts(`robot_id=off1&type=robot_offline&limit=1`)
    expect(row).toMatchObject({ id: open.id, resolved: true, title: 'Robot off1: rule disabled' })
    expect(row.message).toBe('The robot_offline rule was disabled.')
    await waitFor('the resolve on MQTT', () => changesOf(open.id).includes('resolve'))

    const r = await h.api('/api/v1/alerts/rules/robot_offline?robot_id=off1', { method: 'DELETE', token: tokens.admin })
    expect(r.status).toBe(200)
    expect(await r.json()).toMatchObject({ robot_id: null, min_duration_s: 120, enabled: true })
    // The global rule's two minutes apply again. Judged by what is stored, not by what this
    // evaluate() returned: the hub's own duty may evaluate in between, with the same clock.
    const openOffline = () => alerts('robot_id=off1&type=robot_offline&resolved=false')
    await evaluate()
    expect(await openOffline()).toEqual([])
    advance(119)
    await evaluate()
    expect(await openOffline()).toEqual([])
    advance(1)
    await evaluate()
    expect(await openOffline()).toMatchObject([{ resolved: false, severity: 'warning' }])
    const logs = await (await h.api(`/api/v1/logs?category=alerts&q=${encodeURIComponent('robot_offline for off1')}`, { token: tokens.viewer })).json()
    expect(logs.logs.map((l: { message: string }) => l.message)).toEqual(
      expect.arrayContaining([
        'alert rule robot_offline for off1 changed by admin',
        'alert rule robot_offline for off1 removed by admin: the global rule applies',
      ]),
    )
    await presence('off1', true)
    await evaluate()
  })
})

describe('webhook', () => {
  /** Opens a robot_offline alert for `id` at once and returns it. */
  async function openOffline(id: string): Promise<AlertRecord> {
    await setRule('robot_offline', id, { min_duration_s: 0 })
    await presence(id, true)
    await evaluate()
    await presence(id, false)
    const [a] = changed(await evaluate(), id, 'robot_offline')
    expect(a).toBeDefined()
    return a
  }

  test('failed deliveries are retried with backoff until one succeeds: same delivery id, signed body', async () => {
    receiver.plan.set('hook1', { fail: 2, status: 503 })
    const a = await openOffline('hook1')
    const tries = await waitFor('three attempts', () => (hooksOf(a.id).length === 3 ? hooksOf(a.id) : null))
    expect(tries.map((t) => t.status)).toEqual([503, 503, 200])
    expect(tries.map((t) => t.headers.get('x-tonypi-attempt'))).toEqual(['1', '2', '3'])
    expect(new Set(tries.map((t) => t.headers.get('x-tonypi-delivery'))).size).toBe(1)
    for (const t of tries) {
      expect(t.headers.get('x-tonypi-signature')).toBe(`sha256=${createHmac('sha256', SECRET).update(t.body).digest('hex')}`)
      expect(t.headers.get('content-type')).toBe('application/json')
    }
    expect(tries[2].msg).toMatchObject({ ...a, change: 'open' })
    await deliveriesEnded()
    expect(hooksOf(a.id)).toHaveLength(3)
  })

  test('a 429 is retried; a 4xx is final; after the last attempt a system log says it was given up', async () => {
    receiver.plan.set('hook2', { fail: 1, status: 429 })
    const limited = await openOffline('hook2')
    await waitFor(
      'delivered after a 429',
      () =>
        hooksOf(limited.id)
          .map((t) => t.status)
          .join() === '429,200',
    )

    receiver.plan.set('hook2', { fail: 1, status: 400 })
    await presence('hook2', true)
    const [back] = changed(await evaluate(), 'hook2', 'robot_offline')
    await waitFor('one refused attempt', () => hooksOf(back.id).some((t) => t.msg.change === 'resolve'))
    await deliveriesEnded()
    expect(
      hooksOf(back.id)
        .filter((t) => t.msg.change === 'resolve')
        .map((t) => t.status),
    ).toEqual([400])

    receiver.plan.set('hook3', { fail: 100, status: 500 })
    const down = await openOffline('hook3')
    await waitFor('four attempts', () => hooksOf(down.id).length === 4)
    const gaveUp = await waitFor('the give-up in the system log', async () => {
      const r = await (
        await h.api(`/api/v1/logs?category=alerts&q=${encodeURIComponent(`gave up delivering alert ${down.id} `)}`, { token: tokens.viewer })
      ).json()
      return r.logs[0]
    })
    expect(gaveUp).toMatchObject({ level: 'error', robot_id: 'hook3' })
    expect(gaveUp.message).toBe(`alert webhook: gave up delivering alert ${down.id} (open, warning: Robot hook3 offline) after 4 attempts: HTTP 500`)
    const refused = await (
      await h.api(`/api/v1/logs?category=alerts&q=${encodeURIComponent(`gave up delivering alert ${back.id} `)}`, { token: tokens.viewer })
    ).json()
    expect(refused.logs[0].message).toContain('after 1 attempt: HTTP 400')
    await deliveriesEnded()
    expect(hooksOf(down.id)).toHaveLength(4)
    // The URL's token is in no log line and no system log.
    const logged = JSON.stringify(await h.hub.ctx.db.$client`select message, details from system_logs where category = 'alerts'`)
    expect(logged).not.toContain('T0KEN')
    expect(h.logs.join('\n')).not.toContain('T0KEN')
  })

  test('a slow receiver never holds up the evaluation', async () => {
    receiver.hangMs = 1500
    try {
      await presence('hook1', true)
      const t0 = performance.now()
      const [back] = changed(await evaluate(), 'hook1', 'robot_offline')
      expect(back).toMatchObject({ resolved: true })
      expect(performance.now() - t0).toBeLessThan(1000)
      await waitFor('the slow delivery', () => hooksOf(back.id).some((t) => t.msg.change === 'resolve'), 5000)
    } finally {
      receiver.hangMs = 0
    }
  })

  test('a delivery still pending at shutdown is logged and kept in the outbox; the next start sends it, same delivery id', async () => {
    const outbox = new PgWebhookOutbox(h.hub.ctx.db)
    const quiet = createLogger({ level: 'error', sink: () => {} })
    const make = () =>
      new AlertWebhook({
        url: `http://127.0.0.1:${server.port}${HOOK_PATH}`,
        secret: SECRET,
        attempts: 5,
        backoffMs: 60_000,
        timeoutMs: 3000,
        log: quiet,
        records: h.hub.ctx.records,
        outbox,
      })
    const webhook = make()
    receiver.plan.set('hook3', { fail: 1, status: 502 })
    const [a] = await alerts('robot_id=hook3&type=robot_offline&limit=1')
    const before = hooksOf(a.id).length
    webhook.deliver({ ...a, change: 'open' })
    await waitFor('the first attempt', () => webhook.counters.retried === 1)
    const t0 = performance.now()
    await webhook.stop() // the minute of backoff ends at once
    expect(performance.now() - t0).toBeLessThan(1000)
    expect(webhook.counters.undelivered_at_shutdown).toBe(1)
    const r = await (await h.api(`/api/v1/logs?category=alerts&q=${encodeURIComponent('not completed at shutdown')}`, { token: tokens.viewer })).json()
    expect(r.logs[0]).toMatchObject({ level: 'warn' })
    expect(r.logs[0].message).toBe(`alert webhook: 1 delivery not completed at shutdown (alerts ${a.id}); kept in the outbox, sent after the next start`)
    expect(r.logs[0].details.deliveries[0]).toMatchObject({ alert_id: a.id, attempts: 1, last_error: 'HTTP 502' })
    const [kept] = await outbox.pending()
    expect(kept).toMatchObject({ alertId: a.id, attempts: 1, lastError: 'HTTP 502' })

    // The next start: the receiver is fine now.
    const next = make()
    expect(await next.resume()).toBe(1)
    await next.idle()
    const tries = hooksOf(a.id).slice(before)
    expect(tries.map((t) => t.status)).toEqual([502, 200])
    expect(tries.map((t) => t.headers.get('x-tonypi-delivery'))).toEqual([kept.id, kept.id])
    expect(tries[1].headers.get('x-tonypi-attempt')).toBe('2')
    expect(await outbox.pending()).toEqual([])
    await next.stop()
  })
})

describe('a restart', () => {
  test('alerts left open are picked up: not opened twice, and they clear when their condition does', async () => {
    const ctx = h.hub.ctx
    const restarted = new FleetAlerts({
      db: ctx.db,
      robots: ctx.robots,
      bridge: ctx.bridge,
      live: ctx.live,
      records: ctx.records,
      webhook: null,
      log: ctx.log.child('restarted'),
      intervalMs: 3_600_000,
      autoResolve: true,
      offlineAfterMs: 600_000,
      startedAt: ctx.startedAt,
    })
    restarted.clock = () => ({ ...clock })
    // A replica taking over the evaluation from one that stopped.
    await restarted.start()
    await restarted.lead()
    try {
      const [open] = await alerts('robot_id=hook3&type=robot_offline&resolved=false')
      expect(open).toBeDefined()
      advance(600)
      expect(changed(await restarted.evaluate(), 'hook3', 'robot_offline')).toEqual([])
      expect(await alerts('robot_id=hook3&type=robot_offline&resolved=false')).toHaveLength(1)
      await presence('hook3', true)
      expect(changed(await restarted.evaluate(), 'hook3', 'robot_offline')).toMatchObject([{ id: open.id, resolved: true }])
    } finally {
      await restarted.stop()
    }
    // The first instance's engine still had it open: its resolve finds nothing left to change.
    expect(changed(await evaluate(), 'hook3', 'robot_offline')).toEqual([])
  })
})

describe('configuration', () => {
  const base = { DATABASE_URL: 'postgres://x@localhost/x' }
  test('the alert keys have defaults, and a bad value names its key', () => {
    const cfg = loadHubConfig({ env: base })
    expect(cfg).toMatchObject({
      alertIntervalS: 5,
      alertAutoResolve: true,
      alertWebhookAttempts: 6,
      alertWebhookBackoffMs: 2000,
      alertWebhookTimeoutMs: 10_000,
    })
    expect(cfg.alertWebhookUrl).toBeUndefined()
    for (const [key, value] of [
      ['TONYPI_HUB_ALERT_WEBHOOK_URL', 'ftp://example.com/hook'],
      ['TONYPI_HUB_ALERT_WEBHOOK_SECRET', 'short'],
      ['TONYPI_HUB_ALERT_WEBHOOK_ATTEMPTS', '0'],
      ['TONYPI_HUB_ALERT_INTERVAL_S', '0'],
      ['TONYPI_HUB_ALERT_AUTO_RESOLVE', 'maybe'],
    ]) {
      expect(() => loadHubConfig({ env: { ...base, [key]: value } })).toThrow(ConfigError)
      expect(() => loadHubConfig({ env: { ...base, [key]: value } })).toThrow(key)
    }
  })
})

describe('the beat', () => {
  test('with the real clock, the hub evaluates on its own', async () => {
    await setRule('robot_offline', 'beat1', { min_duration_s: 0.3 })
    await presence('beat1', true)
    h.hub.ctx.alerts.clock = systemClock
    h.hub.ctx.alerts.schedule(100)
    const t0 = Date.now()
    await presence('beat1', false)
    const [a] = await waitFor(
      'an alert raised by the beat',
      async () => {
        const open = await alerts('robot_id=beat1&resolved=false')
        return open.length ? open : null
      },
      5000,
    )
    expect(a).toMatchObject({ type: 'robot_offline', severity: 'warning' })
    expect(a.created_at - t0).toBeGreaterThanOrEqual(300)
    await presence('beat1', true)
    await waitFor('cleared by the beat', async () => (await alerts('robot_id=beat1&resolved=false')).length === 0, 5000)
    h.hub.ctx.alerts.schedule(3_600_000)
  })
})
