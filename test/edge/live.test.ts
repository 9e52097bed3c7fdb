// Live data through the embedded broker (real MQTT clients over TCP and WebSocket) and
// through the authenticated WebSocket feed; commands over MQTT with replies.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import mqtt from 'mqtt'
import { LIVE_PROTOCOL, liveProtocols } from '../../core/live/protocol.ts'
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
    c.once('error', (e) => {
      c.end(true)
      reject(e)
    })
  })
}

describe('MQTT', () => {
  test('servos arrive at >= 10 messages a second, with every servo in each sweep', async () => {
    const c = await connect({ username: 'admin', password: ADMIN_PASSWORD })
    const sweeps: { ts: number; at: number; servos: { id: number }[] }[] = []
    c.on('message', (topic, payload) => {
      const m = JSON.parse(payload.toString())
      if (topic === 'tonypi/testbot/servos' && m.servos.length === 16) sweeps.push({ ...m, at: performance.now() })
    })
    await c.subscribeAsync('tonypi/testbot/#')
    await waitFor('16 full sweeps', () => sweeps.length >= 16, 5000)
    c.end(true)
    // Measured as they were taken (ts) and as they arrived.
    const taken = (sweeps.at(-1)!.ts - sweeps[0].ts) / 1000
    const arrived = (sweeps.at(-1)!.at - sweeps[0].at) / 1000
    expect((sweeps.length - 1) / taken).toBeGreaterThanOrEqual(10)
    expect((sweeps.length - 1) / arrived).toBeGreaterThanOrEqual(10)
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
    const closed = new Promise<void>((r) => viewer.once('close', () => r()))
    viewer.publish('tonypi/testbot/command/request', JSON.stringify({ type: 'stop' }))
    await closed // aedes disconnects a client whose publish is refused
    const op = await connect({ username: 'operator-user', password: 'operator-password' })
    const replies: { id: string; state: string }[] = []
    op.on('message', (_t, p) => replies.push(JSON.parse(p.toString())))
    await op.subscribeAsync('tonypi/testbot/command/response')
    op.publish(
      'tonypi/testbot/command/request',
      JSON.stringify({ id: 'mqtt-move-1', type: 'servo.move', targets: [{ id: 5, position: 300 }], duration_ms: 200 }),
    )
    await waitFor('done reply', () => replies.some((r) => r.id === 'mqtt-move-1' && r.state === 'done'))
    op.publish('tonypi/testbot/command/request', JSON.stringify({ id: 'mqtt-bad-1', type: 'servo.move', targets: [] }))
    await waitFor('rejected reply', () => replies.find((r) => r.id === 'mqtt-bad-1' && r.state === 'rejected'))
    // One reply per outcome: the next command's reply comes after any second one for the first.
    op.publish('tonypi/testbot/command/request', JSON.stringify({ id: 'mqtt-bad-2', type: 'servo.move', targets: [] }))
    await waitFor('second rejected reply', () => replies.find((r) => r.id === 'mqtt-bad-2'))
    expect(replies.filter((r) => r.id === 'mqtt-bad-1')).toEqual([expect.objectContaining({ state: 'rejected', user: 'operator-user', origin: 'mqtt' })])
    op.end(true)
    const audit = await (await h.api('/api/v1/command/mqtt-move-1', { token: await h.tokenFor('viewer') })).json()
    expect(audit.user).toBe('operator-user')
    expect(audit.origin).toBe('mqtt')
    expect(audit.state).toBe('done')
  })

  test('nobody but the edge publishes its telemetry', async () => {
    const admin = await connect({ username: 'admin', password: ADMIN_PASSWORD })
    const closed = new Promise<void>((r) => admin.once('close', () => r()))
    admin.publish('tonypi/testbot/servos', JSON.stringify({ servos: [] }))
    await closed
    const stats = await (await h.api('/api/v1/stats', { token: await h.tokenFor('admin') })).json()
    expect(stats.mqtt.refused_publishes).toBeGreaterThanOrEqual(1)
  })
})

describe('WebSocket live feed', () => {
  const url = () => `ws://127.0.0.1:${h.edge.httpPort}/api/v1/live`
  type Msg = {
    type: string
    samples?: { stream: string; source?: string; ts: number; values: Record<string, number> }[]
    event?: string
    data?: { state?: string }
    hz?: Record<string, number>
    message?: string
  }

  function listen(ws: WebSocket): Msg[] {
    const msgs: Msg[] = []
    ws.onmessage = (e) => msgs.push(JSON.parse(String(e.data)))
    return msgs
  }

  test('refuses without a token and with one in the URL (its reason said); streams samples and command events with one', async () => {
    const upgrade = { upgrade: 'websocket', connection: 'upgrade', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }
    const r = await fetch(`${h.base}/api/v1/live`, { headers: upgrade })
    expect(r.status).toBe(401)
    const token = await h.tokenFor('operator')
    const inUrl = await fetch(`${h.base}/api/v1/live?token=${token}`, { headers: upgrade })
    expect(inUrl.status).toBe(400)
    expect((await inUrl.json()).message).toContain('a token in the URL is refused')
    const forged = await fetch(`${h.base}/api/v1/live`, { headers: { ...upgrade, 'sec-websocket-protocol': `${LIVE_PROTOCOL}, tonypi.bearer.not-a-token` } })
    expect(forged.status).toBe(401)

    const ws = new WebSocket(url(), liveProtocols(token))
    const msgs = listen(ws)
    await waitFor('hello', () => msgs.some((m) => m.type === 'hello'))
    // The server answers with the feed's protocol, never echoing the token.
    expect(ws.protocol).toBe(LIVE_PROTOCOL)
    await waitFor('imu and servo samples', () => {
      const streams = new Set(msgs.flatMap((m) => m.samples?.map((s) => s.stream) ?? []))
      return streams.has('imu') && streams.has('servos')
    })
    await h.api('/api/v1/command', { token, method: 'POST', json: { type: 'stop' } })
    await waitFor('command event', () => msgs.some((m) => m.event === 'command' && m.data?.state === 'done'))
    ws.close()

    // Clients that can set headers may use Authorization instead.
    const byHeader = new WebSocket(url(), { headers: { authorization: `Bearer ${token}` } } as unknown as string[])
    const got = listen(byHeader)
    await waitFor('hello over Authorization', () => got.some((m) => m.type === 'hello'))
    byHeader.close()
  })

  test('a browser asks for the rates it can show: servos merged to 5 Hz (no reading lost), no IMU; a bad request is refused and changes nothing', async () => {
    const ws = new WebSocket(url(), liveProtocols(await h.tokenFor('viewer')))
    const msgs = listen(ws)
    await waitFor('hello', () => msgs.some((m) => m.type === 'hello'))
    ws.send(JSON.stringify({ type: 'rate', hz: { servos: 5, imu: 0 } }))
    await waitFor('the rates confirmed', () => msgs.find((m) => m.type === 'rate'))
    expect(msgs.find((m) => m.type === 'rate')!.hz).toEqual({ servos: 5, imu: 0 })
    ws.send(JSON.stringify({ type: 'rate', hz: { servos: 1000 } }))
    ws.send('not json')
    ws.send(JSON.stringify({ type: 'rate', hz: { cameras: 5 } }))
    await waitFor('three refusals', () => msgs.filter((m) => m.type === 'error').length === 3)
    expect(msgs.filter((m) => m.type === 'error').map((m) => m.message)).toEqual([
      'hz.servos: a number of messages a second, 0..100',
      'a live request is JSON: {"type":"rate","hz":{"servos":10}}',
      'hz.cameras: not a stream (servos, imu, battery, performance, sensors)',
    ])
    const start = msgs.length
    const arrivals: number[] = []
    const push = ws.onmessage!
    ws.onmessage = (e) => {
      push.call(ws, e)
      if (msgs.at(-1)!.samples?.some((s) => s.stream === 'servos' && s.source === '3')) arrivals.push(performance.now())
    }
    // Ten of servo 3's messages at 5 Hz are two seconds: long enough for an IMU reading (100 Hz) to show.
    await waitFor(
      'ten messages with servo 3, a health read and a battery reading',
      () => {
        const samples = msgs.slice(start).flatMap((m) => m.samples ?? [])
        const servo3 = samples.filter((s) => s.stream === 'servos' && s.source === '3')
        return servo3.length >= 10 && servo3.some((s) => s.values.temperature_c !== undefined) && samples.some((s) => s.stream === 'battery')
      },
      8000,
    )
    const samples = msgs.slice(start).flatMap((m) => m.samples ?? [])
    expect(samples.filter((s) => s.stream === 'imu')).toEqual([])
    // 20 sweeps a second measured, about 5 sent for each servo.
    const servo3 = samples.filter((s) => s.stream === 'servos' && s.source === '3')
    const hz = (arrivals.length - 1) / ((arrivals.at(-1)! - arrivals[0]) / 1000)
    expect(hz).toBeGreaterThanOrEqual(3.5)
    expect(hz).toBeLessThanOrEqual(6.5)
    // Health is read once a second per servo, between positions: merged in, not dropped.
    expect(servo3.filter((s) => s.values.temperature_c !== undefined).length).toBeGreaterThanOrEqual(1)
    expect(servo3.every((s) => s.values.position !== undefined)).toBe(true)
    // Slow streams still come as they are measured.
    expect(samples.some((s) => s.stream === 'battery')).toBe(true)
    ws.close()
  })
})
