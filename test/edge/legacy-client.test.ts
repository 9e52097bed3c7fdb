// A robot whose hardware the earlier system's Python client still drives (issue 15): the edge
// in the legacy-client profile takes the robot's state from the client's messages and gives it
// every command in the client's own topics and words, the client's replies being the outcomes.
// The client is test/support/legacy-client.ts, reproduced from its source.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import mqtt from 'mqtt'
import { freePort } from '../../tools/services/free-port.ts'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { EarlierClient } from '../support/legacy-client.ts'

const REPLY_TIMEOUT_MS = 1200
let h: EdgeHarness
let robot: EarlierClient
let viewer: string
let operator: string

beforeAll(async () => {
  h = await startTestEdge({
    TONYPI_PROFILE: 'legacy-client',
    TONYPI_LEGACY_REPLY_TIMEOUT_MS: String(REPLY_TIMEOUT_MS),
    TONYPI_SERIAL_PORT: '/dev/tonypi-not-here',
    TONYPI_I2C_BUS: '/dev/tonypi-no-i2c',
  })
  robot = new EarlierClient({ url: `mqtt://127.0.0.1:${h.edge.mqttPort}`, robotId: 'testbot', hardware: true })
  await robot.waitConnected()
  robot.sendAll()
  viewer = await h.tokenFor('viewer')
  operator = await h.tokenFor('operator')
}, 30_000)
afterAll(async () => {
  await robot?.stop()
  await h?.stop()
})

const get = async (path: string) => (await h.api(path, { token: viewer })).json()
const command = async (body: Record<string, unknown>) => {
  const r = await h.api('/api/v1/command', { method: 'POST', token: operator, json: body })
  return { status: r.status, body: await r.json() }
}
const outcome = (id: string) =>
  waitFor(
    `command ${id} to end`,
    async () => {
      const c = await get(`/api/v1/command/${id}`)
      return c.state !== 'accepted' ? c : null
    },
    5000,
  )

describe('the legacy-client profile', () => {
  test("robot/status, stored history and alerts come from the client's messages; no device is opened", async () => {
    const st = await waitFor('the client servos in robot/status', async () => {
      const s = await get('/api/v1/robot/status')
      return s.servos.every((x: { position: number | null }) => x.position !== null) && s.imu && s.battery ? s : null
    })
    expect(st.profile).toBe('legacy-client')
    expect(st.servos.map((s: { id: number; name: string }) => `${s.id} ${s.name}`)).toEqual([
      '1 left_hip',
      '2 left_knee',
      '3 right_hip',
      '4 right_knee',
      '5 head_pan',
      '6 head_tilt',
    ])
    expect(st.servos[1]).toMatchObject({ position: 556, temperature_c: 46, voltage_v: 5, torque: true, stale: false })
    expect(st.battery).toMatchObject({ voltage_v: 11.8, percent: 80 })
    expect(st.imu.accel[1]).toBeCloseTo(9.81, 1) // the board's 1 g along x, upright in the body frame
    expect(Math.abs(st.imu.pitch_deg)).toBeLessThan(3)
    expect(st.buses).toEqual([])
    h.edge.ctx.store.flush(Date.now())
    const imu = await get(`/api/v1/robot/sensors?stream=imu&from=${Date.now() - 60_000}`)
    expect(imu.points.length).toBeGreaterThan(0)
    const sensors = await get(`/api/v1/robot/sensors?stream=sensors&from=${Date.now() - 60_000}`)
    const kinds = new Set(sensors.points.map((p: { sensor: string }) => p.sensor))
    expect(kinds.has('ultrasonic_distance')).toBe(true)
    expect(kinds.has('accelerometer_x')).toBe(false)
    // The configuration is logged at the start; nothing after it touches those devices.
    expect(h.logs.filter((l) => !l.includes('starting edge') && (l.includes('tonypi-not-here') || l.includes('tonypi-no-i2c')))).toEqual([])
  })

  test('an e-stop from the API goes out on its topic; its confirmation is the outcome, given once', async () => {
    const before = (await get('/api/v1/stats')).mqtt.refused_publishes
    const r = await command({ type: 'estop', reason: 'test stop' })
    expect(r.status).toBe(202)
    const c = await outcome(r.body.id)
    expect(c).toMatchObject({ state: 'done', reason: 'Emergency stop activated: test stop' })
    expect(robot.commands.filter((x) => x.topic === 'tonypi/emergency_stop/testbot').map((x) => x.payload)).toEqual([{ id: r.body.id, reason: 'test stop' }])
    expect(robot.emergencyStopped).toBe(true)
    // Its reply on tonypi/emergency_stop/response is taken, not refused with its connection.
    expect((await get('/api/v1/stats')).mqtt.refused_publishes).toBe(before)
    expect(robot.connected).toBe(true)
    expect((await get('/api/v1/robot/status')).estopped).toBe(true)
    const moving = await command({ type: 'motion', motion: 'wave' })
    expect(moving.status).toBe(409)
    const resume = await command({ type: 'resume' })
    expect(await outcome(resume.body.id)).toMatchObject({ state: 'done', reason: 'Robot resumed from emergency stop (was: test stop)' })
    expect(robot.emergencyStopped).toBe(false)
    expect((await get('/api/v1/robot/status')).estopped).toBe(false)
  })

  test('commands in its words; what it cannot do is refused at once, with why', async () => {
    const nod = await command({ type: 'motion', motion: 'head_nod' })
    expect(await outcome(nod.body.id)).toMatchObject({ state: 'done', reason: 'Head nod completed' })
    const walk = await command({ type: 'motion', motion: 'forward' })
    expect(await outcome(walk.body.id)).toMatchObject({ state: 'done', reason: 'Moved forward for 1.0 units' })
    expect(robot.commands.slice(-2).map((c) => c.payload)).toEqual([
      { type: 'head_nod', id: nod.body.id },
      { type: 'move', id: walk.body.id, direction: 'forward' },
    ])
    const n = robot.commands.length
    const move = await command({ type: 'servo.move', targets: [{ id: 1, position: 600 }], duration_ms: 200 })
    expect(move.status).toBe(409)
    expect(move.body.reason).toContain('has no servo.move')
    expect(robot.commands.length).toBe(n)
  })

  test('a command it does not answer fails after the timeout, with that reason', async () => {
    robot.silentTo = ['stop']
    try {
      const started = Date.now()
      const r = await command({ type: 'stop' })
      const c = await outcome(r.body.id)
      expect(c.state).toBe('failed')
      expect(c.reason).toContain(`no reply from the earlier client within ${REPLY_TIMEOUT_MS} ms`)
      expect(Date.now() - started).toBeGreaterThanOrEqual(REPLY_TIMEOUT_MS - 50)
    } finally {
      robot.silentTo = []
    }
  })

  test("one answer per command: an operator's command in its vocabulary reaches it once and is answered once", async () => {
    const op = await mqtt.connectAsync(`mqtt://127.0.0.1:${h.edge.mqttPort}`, { username: 'operator-user', password: 'operator-password', reconnectPeriod: 0 })
    const replies: Record<string, unknown>[] = []
    op.on('message', (_t, p) => replies.push(JSON.parse(p.toString())))
    await op.subscribeAsync('tonypi/commands/response')
    op.publish('tonypi/commands/testbot', JSON.stringify({ type: 'head_shake', id: 'op-shake-1' }))
    op.publish('tonypi/commands/testbot', JSON.stringify({ type: 'move', id: 'op-move-1', direction: 'moonwalk' }))
    await waitFor('the client answer', () => replies.find((r) => r.command_id === 'op-shake-1'))
    await waitFor('the refusal', () => replies.find((r) => r.command_id === 'op-move-1'))
    const c = await outcome('op-shake-1')
    // A later command's answer: a second answer to the first, were there one, would have come before it.
    op.publish('tonypi/commands/testbot', JSON.stringify({ type: 'move', id: 'op-marker', direction: 'moonwalk' }))
    await waitFor('the later answer', () => replies.find((r) => r.command_id === 'op-marker'))
    expect(replies.filter((r) => r.command_id === 'op-shake-1')).toEqual([expect.objectContaining({ success: true, message: 'Head shake completed' })])
    expect(replies.filter((r) => r.command_id === 'op-move-1')).toEqual([
      expect.objectContaining({ success: false, message: expect.stringContaining('unknown direction') }),
    ])
    expect(robot.commands.filter((x) => x.payload.id === 'op-shake-1')).toHaveLength(1)
    expect(robot.commands.filter((x) => x.payload.id === 'op-move-1')).toHaveLength(0)
    expect(c).toMatchObject({ state: 'done', origin: 'legacy', user: 'operator-user' })
    await op.endAsync()
  })

  test('its IMU drives the attitude and the fall alert', async () => {
    robot.imu = [0, 0, -1, 0, 0, 0] // the board's z down: lying on its back
    // HiWonder's rule wants 5 readings in a row, the alert rule 0.3 s of them (its client sends one every 2 s).
    for (let i = 0; i < 6; i++) robot.sendSensors()
    // It keeps reporting while it lies there, until the rule's duration has passed.
    const fall = await waitFor(
      'a fall alert',
      async () => {
        robot.sendSensors()
        return (await get('/api/v1/alerts?type=fall&resolved=false'))[0]
      },
      5000,
      100,
    )
    expect(fall).toMatchObject({ severity: 'critical', message: expect.stringContaining('back') })
    const st = await get('/api/v1/robot/status')
    expect(Math.abs(st.imu.pitch_deg)).toBeGreaterThan(80)
    robot.imu = [1, 0, 0, 0, 0, 0]
    for (let i = 0; i < 6; i++) robot.sendSensors()
    await waitFor('the fall alert resolved', async () => (await get('/api/v1/alerts?type=fall&resolved=false')).length === 0)
  })

  test('its status messages are logged on change only', async () => {
    const count = async () => {
      h.edge.ctx.store.flush(Date.now())
      return (await get('/api/v1/logs?category=legacy.status')).total as number
    }
    const before = await count()
    for (let i = 0; i < 30; i++) robot.sendStatus()
    robot.sendLog('INFO', 'a marker after the statuses')
    await waitFor('the marker', async () => {
      h.edge.ctx.store.flush(Date.now())
      return (await get('/api/v1/logs?q=a%20marker')).total === 1
    })
    expect(await count()).toBe(before)
    robot.emergencyStopped = true
    robot.emergencyReason = 'pressed on the robot'
    robot.sendStatus()
    await waitFor('the change logged', async () => (await count()) === before + 1)
    const [entry] = (await get('/api/v1/logs?category=legacy.status&limit=1')).logs
    expect(entry.message).toContain('online -> emergency_stopped')
    expect((await get('/api/v1/robot/status')).estopped).toBe(true)
    const resume = await command({ type: 'resume' })
    await outcome(resume.body.id)
  })

  test("its simulator's job: unnamed progress belongs to the job its start named, repeats of the end change nothing", async () => {
    const heard = h.edge.ctx.inbound.accepted.legacy
    robot.sendSimulatorJob('start', 0, 3)
    for (const done of [1, 2]) robot.sendSimulatorJob('working', done, 3)
    for (let i = 0; i < 3; i++) robot.sendSimulatorJob('completed', 3, 3)
    const jobs = await waitFor('the job completed', async () => {
      const list = await get('/api/v1/jobs')
      return list.length && list[0].status === 'completed' ? list : null
    })
    // Every repeat of the end handled, not only the first.
    await waitFor('all six job messages handled', () => h.edge.ctx.inbound.accepted.legacy >= heard + 6)
    expect(await get('/api/v1/jobs')).toHaveLength(1)
    expect(jobs[0]).toMatchObject({ task_name: 'inventory_scan', status: 'completed', items_done: 3, items_total: 3, percent: 100, source: 'legacy' })
  })

  test('its QR scans are logged; its vision results and log lines never cost it its connection', async () => {
    robot.client.publish('tonypi/vision/testbot', JSON.stringify({ robot_id: 'testbot', label: 'cup', confidence: 0.9 }))
    robot.client.publish('tonypi/scan/testbot', JSON.stringify({ robot_id: 'testbot', qr_data: 'ST-4', station_name: 'dock', action: 'scanned' }))
    await waitFor('the scan logged', async () => {
      h.edge.ctx.store.flush(Date.now())
      return (await get('/api/v1/logs?q=ST-4')).total === 1
    })
    expect(robot.connected).toBe(true)
  })
})

describe('auto', () => {
  test('picks legacy-client when the earlier client is heard on loopback, opens no device, and says so', async () => {
    const port = await freePort()
    // Started first, as on a robot where it runs already: it keeps trying until the edge's broker is up.
    const early = new EarlierClient({ url: `mqtt://127.0.0.1:${port}`, robotId: 'autobot', retry: true })
    const edge = await startTestEdge({
      TONYPI_PROFILE: 'auto',
      TONYPI_ROBOT_ID: 'autobot',
      TONYPI_MQTT_PORT: String(port),
      TONYPI_SERIAL_PORT: '/dev/tonypi-not-here',
      TONYPI_LEGACY_WAIT_S: '10',
    })
    try {
      expect(edge.edge.driver.profile).toBe('legacy-client')
      const line = edge.logs.find((l) => l.includes('profile auto'))
      expect(line).toContain('legacy-client')
      expect(line).toContain('earlier Python client')
      expect(edge.logs.filter((l) => !l.includes('starting edge') && l.includes('tonypi-not-here'))).toEqual([])
    } finally {
      early.kill()
      await edge.stop()
    }
  })

  test('without one, it waits only as long as configured and takes the simulator', async () => {
    const edge = await startTestEdge({ TONYPI_PROFILE: 'auto', TONYPI_SERIAL_PORT: '/dev/tonypi-not-here', TONYPI_LEGACY_WAIT_S: '0.3' })
    try {
      expect(edge.edge.driver.profile).toBe('sim')
      expect(edge.logs.find((l) => l.includes('no earlier Python client'))).toBeDefined()
    } finally {
      await edge.stop()
    }
  })
})
