// The earlier system's Python client, unchanged, against the edge's broker; and input that
// is malformed on every door (MQTT and HTTP): a clear 4xx or a counted drop, no crash.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import mqtt from 'mqtt'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'

let h: EdgeHarness
let viewer: string
beforeAll(async () => {
  h = await startTestEdge()
  viewer = await h.tokenFor('viewer')
  await h.tokenFor('operator')
})
afterAll(() => h.stop())

function connect(opts: mqtt.IClientOptions = {}, port = h.edge.mqttPort): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 3000, ...opts })
    c.once('connect', () => resolve(c))
    c.once('error', (e) => {
      c.end(true)
      reject(e)
    })
  })
}

const localIso = (ms: number) => {
  // The earlier client wrote local time without a zone (datetime.now().isoformat()).
  const d = new Date(ms)
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`
}

async function stats() {
  return (await h.api('/api/v1/stats', { token: viewer })).json()
}

describe('legacy client (anonymous, on the robot itself)', () => {
  test('its sensor, servo, battery, status, log and job messages are mapped and stored', async () => {
    const c = await connect() // no credentials, from loopback: the earlier client's way
    const now = Date.now()
    const at = now - 3000
    c.publish(
      'tonypi/sensors/testbot',
      JSON.stringify({ robot_id: 'testbot', sensor_type: 'ultrasonic_distance', value: 42.5, unit: 'cm', timestamp: localIso(at) }),
    )
    c.publish('tonypi/sensors/testbot', JSON.stringify({ robot_id: 'testbot', sensor_type: 'light_level', value: 0, unit: '%', timestamp: localIso(at) }))
    c.publish(
      'tonypi/servos/testbot',
      JSON.stringify({
        robot_id: 'testbot',
        servo_count: 1,
        timestamp: localIso(at),
        servos: { servo_1: { id: 1, name: 'left hip', position: 45, temperature: 41.5, voltage: 5.1, torque_enabled: true, alert_level: 'normal' } },
      }),
    )
    c.publish('tonypi/battery', JSON.stringify({ robot_id: 'testbot', percentage: 80, voltage: 7.9, charging: false, timestamp: localIso(at) }))
    c.publish(
      'tonypi/status/testbot',
      JSON.stringify({
        robot_id: 'testbot',
        status: 'online',
        timestamp: localIso(at),
        system_info: { cpu_percent: 12.5, memory_percent: 40, platform: 'Linux' },
      }),
    )
    c.publish(
      'tonypi/logs/testbot',
      JSON.stringify({ robot_id: 'testbot', timestamp: localIso(at), level: 'WARNING', message: 'legacy says hi', source: 'main' }),
    )
    c.publish(
      'tonypi/job/testbot',
      JSON.stringify({ robot_id: 'testbot', status: 'in_progress', task_name: 'scan', items_done: 0, items_total: 5, percent: 0 }),
    )
    await waitFor('legacy accepted', async () => (await stats()).mqtt.accepted.legacy >= 7)
    c.end(true)

    const sensors = await (await h.api(`/api/v1/robot/sensors?stream=sensors&from=${at - 10}&to=${now + 1000}`, { token: viewer })).json()
    const us = sensors.points.find((p: { sensor: string }) => p.sensor === 'ultrasonic_distance')
    expect(us.value).toBe(42.5)
    expect(us.ts).toBe(at) // the robot's own timestamp, not the arrival time
    expect(sensors.points.find((p: { sensor: string }) => p.sensor === 'light_level').value).toBe(0) // zero is a value
    const servos = await (await h.api(`/api/v1/robot/sensors?stream=servos&servo_id=1&from=${at}&to=${at}`, { token: viewer })).json()
    expect(servos.points[0]).toMatchObject({ servo_id: 1, position: 750, temperature_c: 41.5, voltage_v: 5.1, torque: 1 })
    const battery = await (await h.api(`/api/v1/robot/sensors?stream=battery&from=${at}&to=${at}`, { token: viewer })).json()
    expect(battery.points[0]).toMatchObject({ voltage_v: 7.9, percent: 80 })
  })

  test('a legacy emergency stop and a legacy stop reach the command executor and are answered', async () => {
    const local = await connect()
    const replies: { command_id: string; success: boolean; message: string }[] = []
    local.on('message', (_t, p) => replies.push(JSON.parse(p.toString())))
    await local.subscribeAsync('tonypi/commands/response')
    const op = await connect({ username: 'operator-user', password: 'operator-password' })
    op.publish('tonypi/emergency_stop/testbot', JSON.stringify({ id: 'legacy-estop-1' }))
    await waitFor('estop reply', () => replies.find((r) => r.command_id === 'legacy-estop-1'))
    expect((await (await h.api('/api/v1/robot/status', { token: viewer })).json()).estopped).toBe(true)
    op.publish('tonypi/commands/testbot', JSON.stringify({ type: 'stop', id: 'legacy-stop-1' }))
    const r = await waitFor('stop reply', () => replies.find((x) => x.command_id === 'legacy-stop-1'))
    expect(r.success).toBe(false) // refused while emergency-stopped, as the earlier robot did
    op.publish('tonypi/commands/testbot', JSON.stringify({ type: 'resume', id: 'legacy-resume-1' }))
    await waitFor('resume reply', () => replies.find((x) => x.command_id === 'legacy-resume-1' && x.success))
    await waitFor('resumed', async () => (await (await h.api('/api/v1/robot/status', { token: viewer })).json()).estopped === false)
    local.end(true)
    op.end(true)
  })

  test('anonymous clients are refused when configured so', async () => {
    const strict = await startTestEdge({ TONYPI_MQTT_ANONYMOUS_LOOPBACK: 'false' })
    try {
      await expect(connect({}, strict.edge.mqttPort)).rejects.toThrow(/Not authorized/i)
    } finally {
      await strict.stop()
    }
  })
})

describe('malformed MQTT input is dropped, counted and logged', () => {
  test('bad JSON, bad fields and a foreign robot id; the edge keeps running', async () => {
    const before = await stats()
    const c = await connect()
    c.publish('tonypi/sensors/testbot', '{not json')
    c.publish('tonypi/sensors/testbot', JSON.stringify({ robot_id: 'testbot', sensor_type: 'x', value: 'high' }))
    c.publish('tonypi/servos/testbot', JSON.stringify({ robot_id: 'testbot', servos: [1, 2] }))
    c.publish('tonypi/status/testbot', JSON.stringify({ robot_id: 'testbot', status: 'dancing' }))
    c.publish('tonypi/sensors/testbot', JSON.stringify({ robot_id: 'impostor', sensor_type: 'x', value: 1 }))
    // Another robot's topic is refused by the broker itself (the client is disconnected).
    c.publish('tonypi/sensors/otherbot', JSON.stringify({ robot_id: 'otherbot', sensor_type: 'x', value: 1 }))
    const total = (s: { mqtt: { dropped: Record<string, number> } }) => Object.values(s.mqtt.dropped).reduce((a, b) => a + b, 0)
    const after = await waitFor('drops counted', async () => {
      const s = await stats()
      return total(s) - total(before) >= 5 && s.mqtt.refused_publishes > before.mqtt.refused_publishes ? s : null
    })
    c.end(true)
    const reasons = Object.keys(after.mqtt.dropped).join(' | ')
    expect(reasons).toContain('payload is not valid JSON')
    expect(reasons).toContain('value is not a number')
    expect(reasons).toContain('servos is not an object')
    expect(reasons).toContain('unknown status')
    expect(reasons).toContain('does not match topic')
    expect(h.logs.some((l) => l.includes('mqtt message dropped'))).toBe(true)
    expect((await h.api('/api/v1/health')).status).toBe(200)
  })
})

describe('malformed HTTP input gets a clear 4xx and changes nothing', () => {
  test('bodies, queries and ids', async () => {
    const admin = await h.tokenFor('admin')
    const op = await h.tokenFor('operator')
    const cases: [string, RequestInit & { token?: string; json?: unknown }, number, RegExp][] = [
      ['/api/v1/auth/login', { method: 'POST', body: '{oops', headers: { 'content-type': 'application/json' } }, 400, /JSON|body/i],
      ['/api/v1/auth/login', { method: 'POST', json: { username: 'admin' } }, 400, /password/],
      ['/api/v1/users', { method: 'POST', token: admin, json: { username: 'bad name!', password: 'longenough', role: 'viewer' } }, 400, /username/],
      ['/api/v1/users', { method: 'POST', token: admin, json: { username: 'shorty', password: 'short', role: 'viewer' } }, 400, /password/],
      ['/api/v1/users', { method: 'POST', token: admin, json: { username: 'someone', password: 'longenough', role: 'root' } }, 400, /role/],
      ['/api/v1/users/abc', { token: admin }, 400, /id/],
      ['/api/v1/robot/sensors?stream=teapot', { token: viewer }, 400, /stream/],
      ['/api/v1/robot/sensors?stream=imu&from=10&to=5', { token: viewer }, 400, /from/],
      ['/api/v1/robot/sensors?stream=imu&resolution=2m', { token: viewer }, 400, /resolution/],
      ['/api/v1/robot/sensors?stream=imu&from=abc', { token: viewer }, 400, /from/],
      ['/api/v1/command', { method: 'POST', token: op, json: { type: 'servo.move', targets: [{ id: 5 }], duration_ms: 100 } }, 400, /position/],
      ['/api/v1/command', { method: 'POST', token: op, json: { type: 'self_destruct' } }, 400, /unknown type/],
      [
        '/api/v1/command',
        { method: 'POST', token: op, json: { type: 'servo.move', targets: [{ id: 99, position: 500 }], duration_ms: 100 } },
        409,
        /unknown servo id 99/,
      ],
      ['/api/v1/nowhere', { token: viewer }, 404, /no such route/],
    ]
    const usersBefore = await (await h.api('/api/v1/users', { token: admin })).json()
    for (const [path, init, status, message] of cases) {
      const r = await h.api(path, init)
      const body = await r.json()
      expect(`${path} ${r.status}`).toBe(`${path} ${status}`)
      expect(`${body.message ?? body.reason}`).toMatch(message)
    }
    expect(await (await h.api('/api/v1/users', { token: admin })).json()).toEqual(usersBefore)
    expect((await h.api('/api/v1/health')).status).toBe(200)
  })
})
