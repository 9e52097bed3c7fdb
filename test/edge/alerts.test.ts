// Alerts through the whole edge, driven by samples injected on its bus: written to SQLite,
// published on tonypi/system/alerts (a real MQTT client), pushed on the live feed, kept in
// the event log; acknowledged and resolved by role; rules edited live; survived a restart.
// The simulator-driven faults are in sim-faults.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import mqtt from 'mqtt'
import type { AlertMessage, AlertRecord } from '../../core/alerts/record.ts'
import type { Sample } from '../../core/streams.ts'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { liveProtocols } from '../../core/live/protocol.ts'

let h: EdgeHarness
let mq: mqtt.MqttClient
const published: AlertMessage[] = []
const live: { type: string; event?: string; data?: AlertMessage }[] = []
let ws: WebSocket

beforeAll(async () => {
  h = await startTestEdge()
  const viewer = await h.tokenFor('viewer')
  await h.tokenFor('operator')
  mq = await new Promise<mqtt.MqttClient>((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${h.edge.mqttPort}`, { username: 'viewer-user', password: viewer, reconnectPeriod: 0, connectTimeout: 3000 })
    c.once('connect', () => resolve(c))
    c.once('error', reject)
  })
  mq.on('message', (topic, payload) => {
    if (topic === 'tonypi/system/alerts') published.push(JSON.parse(payload.toString()))
  })
  await mq.subscribeAsync('tonypi/system/alerts')
  ws = new WebSocket(`ws://127.0.0.1:${h.edge.httpPort}/api/v1/live`, liveProtocols(viewer))
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data))
    if (m.type === 'event') live.push(m)
  }
  await new Promise((r) => {
    ws.onopen = r
  })
})
afterAll(async () => {
  ws?.close()
  mq?.end(true)
  await h?.stop()
})

/** The simulator never reports the Pi's throttle bits, so injected ones are the only ones. */
const throttled = (raw: number) => h.edge.bus.samples([{ stream: 'performance', ts: Date.now(), values: { throttled: raw } }])
const servo99 = (values: Sample['values']) => h.edge.bus.samples([{ stream: 'servos', ts: Date.now(), source: '99', values }])

async function alerts(query: string, token?: string): Promise<AlertRecord[]> {
  const r = await h.api(`/api/v1/alerts?${query}`, { token: token ?? (await h.tokenFor('viewer')) })
  expect(r.status).toBe(200)
  return r.json()
}

const openOf = (type: string) => waitFor(`an open ${type} alert`, async () => (await alerts(`type=${type}&resolved=false`))[0])

describe('an alert from end to end', () => {
  test('a Pi under-voltage opens a critical alert at once: stored, on MQTT, on the live feed, in the event log, and it clears', async () => {
    throttled(0x1)
    const a = await openOf('pi_undervoltage')
    expect(a).toMatchObject({ robot_id: 'testbot', severity: 'critical', source: '', value: 1, acknowledged: false, resolved: false })
    expect(a.title).toBe('Raspberry Pi supply under-voltage')
    expect(a.message).toContain('browning out')

    const onMqtt = await waitFor('the open on MQTT', () => published.find((m) => m.id === a.id && m.change === 'open'))
    expect(onMqtt).toMatchObject({ type: 'pi_undervoltage', severity: 'critical', robot_id: 'testbot' })
    const onLive = await waitFor('the open on the live feed', () => live.find((m) => m.event === 'alert' && m.data?.id === a.id))
    expect(onLive.data!.change).toBe('open')

    // Only the "has occurred" bits: the condition is over.
    throttled(0x50000)
    const resolved = await waitFor('the resolve on MQTT', () => published.find((m) => m.id === a.id && m.change === 'resolve'))
    expect(resolved.resolved).toBe(true)
    expect(resolved.resolved_at).toBeGreaterThanOrEqual(a.created_at)
    expect((await alerts(`type=pi_undervoltage&resolved=true`)).some((x) => x.id === a.id)).toBe(true)

    const events = await waitFor(
      'alert events in the event log',
      () => {
        const rows = h.edge.ctx.db.$client.query("SELECT data FROM events WHERE kind = 'alert'").all() as { data: string }[]
        const mine = rows.map((r) => JSON.parse(r.data) as AlertMessage).filter((m) => m.id === a.id)
        return mine.length >= 2 ? mine : null
      },
      4000,
    )
    expect(events.map((e) => e.change)).toEqual(['open', 'resolve'])
  })

  test('steady readings write nothing: one open alert however many samples repeat it', async () => {
    throttled(0x1)
    const a = await openOf('pi_undervoltage')
    await waitFor('the open on MQTT', () => published.find((m) => m.id === a.id && m.change === 'open'))
    const before = published.length
    for (let i = 0; i < 50; i++) throttled(0x1)
    expect(await alerts('type=pi_undervoltage&resolved=false')).toHaveLength(1)
    throttled(0)
    // The resolve comes after the repeats on the same topic: anything they published arrives first.
    await waitFor('the resolve on MQTT', () => published.find((m) => m.id === a.id && m.change === 'resolve'))
    expect(published.slice(before).map((m) => [m.id, m.change])).toEqual([[a.id, 'resolve']])
    expect(published.filter((m) => m.id === a.id).map((m) => m.change)).toEqual(['open', 'resolve'])
  })
})

describe('acknowledge and resolve', () => {
  test('viewers may not acknowledge; an operator may, and the first acknowledgement is kept', async () => {
    throttled(0x1)
    const a = await openOf('pi_undervoltage')
    const path = `/api/v1/alerts/${a.id}/acknowledge`
    expect((await h.api(path, { method: 'POST', token: await h.tokenFor('viewer') })).status).toBe(403)
    expect((await h.api(path, { method: 'POST' })).status).toBe(401)

    const r = await h.api(path, { method: 'POST', token: await h.tokenFor('operator') })
    expect(r.status).toBe(200)
    const acked: AlertRecord = await r.json()
    expect(acked).toMatchObject({ id: a.id, acknowledged: true, acknowledged_by: 'operator-user', resolved: false })
    expect(Math.abs(acked.acknowledged_at! - Date.now())).toBeLessThan(5000)

    const again: AlertRecord = await (await h.api(path, { method: 'POST', token: await h.tokenFor('admin') })).json()
    expect(again.acknowledged_by).toBe('operator-user')
    expect(again.acknowledged_at).toBe(acked.acknowledged_at)
    const msgs = published.filter((m) => m.id === a.id && m.change === 'acknowledge')
    expect(msgs).toHaveLength(1)
    expect(msgs[0].by).toBe('operator-user')

    expect((await h.api('/api/v1/alerts/999999/acknowledge', { method: 'POST', token: await h.tokenFor('operator') })).status).toBe(404)
    expect((await alerts('acknowledged=true&type=pi_undervoltage')).map((x) => x.id)).toContain(a.id)
  })

  test('an operator resolves; a condition that persists raises a new alert, and resolving twice changes nothing', async () => {
    const a = await openOf('pi_undervoltage')
    const path = `/api/v1/alerts/${a.id}/resolve`
    expect((await h.api(path, { method: 'POST', token: await h.tokenFor('viewer') })).status).toBe(403)
    const r: AlertRecord = await (await h.api(path, { method: 'POST', token: await h.tokenFor('operator') })).json()
    expect(r).toMatchObject({ id: a.id, resolved: true })
    const twice: AlertRecord = await (await h.api(path, { method: 'POST', token: await h.tokenFor('operator') })).json()
    expect(twice.resolved_at).toBe(r.resolved_at)
    expect(published.filter((m) => m.id === a.id && m.change === 'resolve').map((m) => m.by)).toEqual(['operator-user'])

    throttled(0x1) // still browning out
    const next = await openOf('pi_undervoltage')
    expect(next.id).not.toBe(a.id)
    throttled(0)
    await waitFor('resolved', async () => (await alerts('type=pi_undervoltage&resolved=false')).length === 0)
  })

  test('filters: severity, type, resolved, time window and limit', async () => {
    const all = await alerts('type=pi_undervoltage&limit=1000')
    expect(all.length).toBeGreaterThanOrEqual(3)
    expect(all.every((a) => a.type === 'pi_undervoltage' && a.severity === 'critical')).toBe(true)
    expect(all.map((a) => a.created_at)).toEqual([...all.map((a) => a.created_at)].sort((x, y) => y - x))
    expect(await alerts('type=pi_undervoltage&severity=warning')).toEqual([])
    expect(await alerts('type=pi_undervoltage&limit=1')).toHaveLength(1)
    const oldest = all[all.length - 1]
    expect((await alerts(`type=pi_undervoltage&to=${oldest.created_at}`)).map((a) => a.id)).toEqual([oldest.id])
    expect((await alerts(`type=pi_undervoltage&from=${oldest.created_at + 1}`)).map((a) => a.id)).not.toContain(oldest.id)
    expect((await h.api('/api/v1/alerts?severity=bad', { token: await h.tokenFor('viewer') })).status).toBe(400)
  })
})

describe('rules', () => {
  test('viewers read the rules with their units; only admins edit them, and inconsistent edits are refused', async () => {
    const rules = await (await h.api('/api/v1/alerts/rules', { token: await h.tokenFor('viewer') })).json()
    const temp = rules.find((r: { metric: string }) => r.metric === 'servo_temperature')
    expect(temp).toMatchObject({
      direction: 'high',
      warning: 65,
      critical: 75,
      min_duration_s: 2,
      hysteresis: 3,
      auto_resolve: true,
      enabled: true,
      unit: '°C',
    })
    const volts = rules.find((r: { metric: string }) => r.metric === 'servo_voltage')
    expect(volts).toMatchObject({ direction: 'low', warning: 6.4, critical: 6.0 }) // the test edge has a 2S pack

    const put = async (metric: string, body: unknown, role: 'admin' | 'operator' = 'admin') =>
      h.api(`/api/v1/alerts/rules/${metric}`, { method: 'PUT', token: await h.tokenFor(role), json: body })
    expect((await put('servo_temperature', { warning: 70 }, 'operator')).status).toBe(403)
    const wrongOrder = await put('servo_temperature', { warning: 80, critical: 70 })
    expect(wrongOrder.status).toBe(400)
    expect((await wrongOrder.json()).message).toContain('critical above warning')
    const lowWrong = await put('battery_percent', { warning: 5 })
    expect(lowWrong.status).toBe(400)
    expect((await lowWrong.json()).message).toContain('critical below warning')
    expect((await put('servo_temperature', {})).status).toBe(400)
    expect((await put('servo_temperature', { hysteresis: -1 })).status).toBe(400)
    expect((await put('no_such_metric', { enabled: false })).status).toBe(404)
  })

  test('an edit applies to the next reading, and disabling a rule resolves its alerts', async () => {
    const put = async (body: unknown) => {
      const r = await h.api('/api/v1/alerts/rules/servo_temperature', { method: 'PUT', token: await h.tokenFor('admin'), json: body })
      expect(r.status).toBe(200)
      return r.json()
    }
    expect(await put({ min_duration_s: 0 })).toMatchObject({ min_duration_s: 0, warning: 65 })
    servo99({ temperature_c: 70 })
    const a = await openOf('servo_temperature')
    expect(a).toMatchObject({ source: '99', severity: 'warning', value: 70, threshold: 65 })
    servo99({ temperature_c: 80 })
    await waitFor('escalated in place', async () => (await alerts('type=servo_temperature&resolved=false'))[0]?.severity === 'critical')
    expect((await alerts('type=servo_temperature&resolved=false')).map((x) => x.id)).toEqual([a.id])

    await put({ enabled: false })
    const done = await waitFor('resolved by the disabled rule', () => published.find((m) => m.id === a.id && m.change === 'resolve'))
    expect(done.title).toContain('rule disabled')
    // The bus delivers to the monitor, and it writes to SQLite, before servo99 returns.
    servo99({ temperature_c: 90 })
    expect(await alerts('type=servo_temperature&resolved=false')).toEqual([])
    await put({ enabled: true, min_duration_s: 2 })
  })
})

describe('restart', () => {
  test('an alert left open at shutdown is picked up and clears when its condition does', async () => {
    throttled(0x1)
    const a = await openOf('pi_undervoltage')
    const dataDir = h.dataDir
    ws.close()
    mq.end(true)
    await h.stop({ keepData: true })
    h = await startTestEdge({}, { dataDir })
    try {
      const still = await openOf('pi_undervoltage')
      expect(still.id).toBe(a.id)
      throttled(0)
      await waitFor('resolved after the restart', async () => (await alerts('type=pi_undervoltage&resolved=false')).length === 0)
      expect((await alerts('type=pi_undervoltage&resolved=true')).map((x) => x.id)).toContain(a.id)
    } finally {
      await h.stop()
      h = undefined as unknown as EdgeHarness
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
