// Live data through the embedded broker (real MQTT clients over TCP and WebSocket) and
// through the authenticated WebSocket feed; commands over MQTT with replies.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import mqtt from 'mqtt'
import { ADMIN_PASSWORD, startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'

let h: EdgeHarness
beforeAll(async () => {
  h = await startTestEdge()
  for (const r of ['admin', 'operator', 'viewer'] as const) await h.tokenFor(r)
})
afterAll(() => h.stop())

function connect(opts: mqtt.IClientOptions = {}, url = `mqtt://127.0.0.1:${h.edge.mqttPort}`): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts })
    c.once('connect', () => resolve(c))
    c.once('error', (e) => { c.end(true); reject(e) })
  })
}

describe('MQTT', () => {
  test('servos arrive at >= 10 messages a second, with every servo in each sweep', async () => {
    const c = await connect({ username: 'admin', password: ADMIN_PASSWORD })
    const got: { ts: number; servos: { id: number }[] }[] = []
    c.on('message', (topic, payload) => { if (topic === 'tonypi/testbot/servos') got.push(JSON.parse(payload.toString())) })
    await c.subscribeAsync('tonypi/testbot/#')
    await Bun.sleep(1500)
    c.end(true)
    const sweeps = got.filter((m) => m.servos.length === 16)
    const span = (sweeps[sweeps.length - 1].ts - sweeps[0].ts) / 1000
    expect(sweeps.length / 1.5).toBeGreaterThanOrEqual(10)
    expect((sweeps.length - 1) / span).toBeGreaterThanOrEqual(10)
  })

  test('publishes imu, battery, performance, telemetry and a retained online status', async () => {
    const c = await connect({ username: 'admin', password: ADMIN_PASSWORD })
    const seen = new Map<string, { payload: Record<string, unknown>; retain: boolean }>()
    c.on('message', (topic, payload, packet) => {
      if (!seen.has(topic)) seen.set(topic, { payload: JSON.parse(payload.toString()), retain: packet.retain })
    })
    await c.subscribeAsync('tonypi/testbot/#')
    await waitFor('all channels', () => ['imu', 'battery', 'performance', 'telemetry', 'status'].every((ch) => seen.has(`tonypi/testbot/${ch}`)), 4000)
    c.end(true)
    const status = seen.get('tonypi/testbot/status')!
    expect(status.retain).toBe(true)
    expect(status.payload.status).toBe('online')
    const imu = seen.get('tonypi/testbot/imu')!.payload as { accel: number[] }
    expect(Math.hypot(...imu.accel)).toBeGreaterThan(9)
    expect(seen.get('tonypi/testbot/battery')!.payload.voltage_v).toBeGreaterThan(6)
  })

  test('MQTT over WebSocket on the HTTP port, with a bearer token as the password', async () => {
    const token = await h.tokenFor('viewer')
    const c = await connect({ username: 'viewer-user', password: token, protocolVersion: 4 }, `ws://127.0.0.1:${h.edge.httpPort}/mqtt`)
    const msg = new Promise<string>((resolve) => c.on('message', (t) => resolve(t)))
    await c.subscribeAsync('tonypi/testbot/servos')
    expect(await msg).toBe('tonypi/testbot/servos')
    c.end(true)
  })

  test('bad credentials are refused; viewers cannot command; operators can, with replies', async () => {
    await expect(connect({ username: 'admin', password: 'wrong' })).rejects.toThrow(/Bad username or password|Not authorized/i)
    const viewer = await connect({ username: 'viewer-user', password: 'viewer-password' })
    const closed = new Promise<void>((r) => viewer.once("close", () => r()))
    viewer.publish('tonypi/testbot/command/request', JSON.stringify({ type: 'stop' }))
    await closed // aedes disconnects a client whose publish is refused
    const op = await connect({ username: 'operator-user', password: 'operator-password' })
    const replies: { id: string; state: string }[] = []
    op.on('message', (_t, p) => replies.push(JSON.parse(p.toString())))
    await op.subscribeAsync('tonypi/testbot/command/response')
    op.publish('tonypi/testbot/command/request', JSON.stringify({ id: 'mqtt-move-1', type: 'servo.move', targets: [{ id: 5, position: 300 }], duration_ms: 200 }))
    await waitFor('done reply', () => replies.some((r) => r.id === 'mqtt-move-1' && r.state === 'done'))
    op.publish('tonypi/testbot/command/request', JSON.stringify({ id: 'mqtt-bad-1', type: 'servo.move', targets: [] }))
    await waitFor('rejected reply', () => replies.find((r) => r.id === 'mqtt-bad-1' && r.state === 'rejected'))
    op.end(true)
    const audit = await (await h.api('/api/v1/command/mqtt-move-1', { token: await h.tokenFor('viewer') })).json()
    expect(audit.user).toBe('operator-user')
    expect(audit.origin).toBe('mqtt')
    expect(audit.state).toBe('done')
  })

  test('nobody but the edge publishes its telemetry', async () => {
    const admin = await connect({ username: 'admin', password: ADMIN_PASSWORD })
    const closed = new Promise<void>((r) => admin.once("close", () => r()))
    admin.publish('tonypi/testbot/servos', JSON.stringify({ servos: [] }))
    await closed
    const stats = await (await h.api('/api/v1/stats', { token: await h.tokenFor('admin') })).json()
    expect(stats.mqtt.refused_publishes).toBeGreaterThanOrEqual(1)
  })
})

describe('WebSocket live feed', () => {
  test('refuses without a token; streams samples and command events with one', async () => {
    const r = await fetch(`${h.base}/api/v1/live`, { headers: { upgrade: 'websocket', connection: 'upgrade' } })
    expect(r.status).toBe(401)
    const token = await h.tokenFor('operator')
    const ws = new WebSocket(`ws://127.0.0.1:${h.edge.httpPort}/api/v1/live?token=${token}`)
    const msgs: { type: string; samples?: { stream: string }[]; event?: string; data?: { state?: string } }[] = []
    ws.onmessage = (e) => msgs.push(JSON.parse(String(e.data)))
    await waitFor('hello', () => msgs.some((m) => m.type === 'hello'))
    await waitFor('imu and servo samples', () => {
      const streams = new Set(msgs.flatMap((m) => m.samples?.map((s) => s.stream) ?? []))
      return streams.has('imu') && streams.has('servos')
    })
    await h.api('/api/v1/command', { token, method: 'POST', json: { type: 'stop' } })
    await waitFor('command event', () => msgs.some((m) => m.event === 'command' && m.data?.state === 'done'))
    ws.close()
  })
})
