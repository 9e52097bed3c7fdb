// Robots still running the earlier Python client, unchanged, on the hub (issue 15): the fleet's
// Mosquitto refuses them (no credentials), the opt-in listener admits the ids an operator lists,
// each speaking only for itself, their messages go through the one adapter, commands reach them
// in their words and their replies are the outcomes. And one job mapping: the same job messages
// make the same job on the edge (legacy-client profile) and on the hub.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import mqtt from 'mqtt'
import { loadHubConfig } from '../../hub/config.ts'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { EarlierClient } from '../support/legacy-client.ts'
import { call } from '../support/sync-harness.ts'

let h: HubHarness
let url: string
let oldbot: EarlierClient
const clients: EarlierClient[] = []
const earlier = (robotId: string, o: { hardware?: boolean } = {}) => {
  const c = new EarlierClient({ url, robotId, ...o })
  clients.push(c)
  return c
}

beforeAll(async () => {
  h = await startTestHub({
    TONYPI_HUB_LEGACY_MQTT_PORT: '0',
    TONYPI_HUB_LEGACY_MQTT_HOST: '127.0.0.1',
    TONYPI_HUB_LEGACY_ROBOTS: 'oldbot,oldbot2,jobbot',
    TONYPI_HUB_OFFLINE_AFTER_S: '300',
    TONYPI_HUB_COMMAND_TIMEOUT_MS: '1500',
  })
  url = `mqtt://127.0.0.1:${h.hub.legacyMqttPort}`
  for (const id of ['oldbot', 'oldbot2', 'jobbot', 'intruder']) await call(h, 'POST', '/api/v1/robots', { robot_id: id })
}, 120_000)
afterAll(async () => {
  for (const c of clients) c.kill()
  await h?.stop()
}, 60_000)

const get = async (path: string) => (await call(h, 'GET', path, undefined, 'viewer')).body

describe('the opt-in listener for unchanged earlier clients', () => {
  test('is off unless configured', () => {
    expect(loadHubConfig({ env: {} }).legacyMqttPort).toBeUndefined()
  })

  test('the fleet broker refuses the unchanged client; the listener takes it, says it is not authenticated, and its data lands', async () => {
    const refused = new EarlierClient({ url: h.services.mqtt_url, robotId: 'oldbot' })
    await expect(refused.waitConnected(3000)).rejects.toThrow(/did not connect/)
    refused.kill()
    oldbot = earlier('oldbot', { hardware: false })
    await oldbot.waitConnected()
    oldbot.sendAll()
    for (let i = 0; i < 5; i++) oldbot.sendStatus()
    const r = await waitFor(
      'oldbot online',
      async () => {
        const v = await get('/api/v1/robots/oldbot')
        return v.status === 'online' ? v : null
      },
      10_000,
    )
    expect(r).toMatchObject({ legacy: true, authenticated: false })
    expect(h.logs.some((l) => l.includes('NOT authenticated') && l.includes('oldbot'))).toBe(true)
    const from = Date.now() - 60_000
    // The shared tonypi/battery, attributed by its connection.
    const battery = await waitFor(
      'its battery',
      async () => (await get(`/api/v1/robot/sensors?robot_id=oldbot&stream=battery&from=${from}&resolution=raw`)).points[0],
      10_000,
    )
    expect(battery).toMatchObject({ voltage_v: 11.8, percent: 80 })
    const imu = await waitFor(
      'its IMU as one reading',
      async () => (await get(`/api/v1/robot/sensors?robot_id=oldbot&stream=imu&from=${from}&resolution=raw`)).points[0],
      10_000,
    )
    expect(imu.ay).toBeCloseTo(9.8, 1) // its simulation's z-up gravity, upright in the body frame
    const sensors = await get(`/api/v1/robot/sensors?robot_id=oldbot&stream=sensors&from=${from}&resolution=raw`)
    expect(sensors.points.some((p: { sensor: string }) => p.sensor === 'accelerometer_x')).toBe(false)
    const logs = await get('/api/v1/logs?robot_id=oldbot&q=earlier%20client')
    expect(logs.logs.map((l: { message: string }) => l.message)).toEqual(['earlier client oldbot: online'])
  })

  test('an unlisted robot id is refused, registered or not', async () => {
    for (const id of ['intruder', 'stranger']) {
      const c = new EarlierClient({ url, robotId: id })
      await expect(c.waitConnected(1500)).rejects.toThrow(/did not connect/)
      c.kill()
    }
    expect(h.logs.some((l) => l.includes('connection refused') && l.includes('is not admitted'))).toBe(true)
    expect(h.hub.ctx.legacyListener!.counters.refused_connections).toBeGreaterThanOrEqual(2)
  })

  test('a listed robot speaks only for itself and hears only its own commands', async () => {
    const connect = () => mqtt.connectAsync(url, { clientId: 'oldbot2', protocolVersion: 4, reconnectPeriod: 0 })
    const c = await connect()
    const suback = new Promise<number[]>((resolve) =>
      c.on('packetreceive', (p) => {
        if (p.cmd === 'suback') resolve(p.granted as number[])
      }),
    )
    c.subscribe(['tonypi/#', 'tonypi/commands/oldbot', 'tonypi/oldbot/command/request', 'tonypi/commands/oldbot2', 'tonypi/emergency_stop/broadcast'], () => {})
    expect(await suback).toEqual([128, 128, 128, 0, 0])
    const closed = (client: mqtt.MqttClient) => new Promise<void>((resolve) => client.once('close', () => resolve()))
    for (const [topic, payload] of [
      ['tonypi/sensors/oldbot', { robot_id: 'oldbot', sensor_type: 'light_level', value: 1 }],
      ['tonypi/battery', { robot_id: 'oldbot', percentage: 1, voltage: 9 }],
      ['tonypi/oldbot2/battery', { robot_id: 'oldbot2', ts: Date.now(), voltage_v: 1, percent: 1 }],
    ] as const) {
      const x = await connect()
      const gone = closed(x)
      x.publish(topic, JSON.stringify(payload))
      await gone
    }
    await c.endAsync()
    expect(h.hub.ctx.legacyListener!.counters.refused_publishes).toBeGreaterThanOrEqual(3)
    const battery = await get(`/api/v1/robot/sensors?robot_id=oldbot&stream=battery&from=${Date.now() - 60_000}&resolution=raw`)
    expect(battery.points.every((p: { percent: number }) => p.percent === 80)).toBe(true)
  })

  test('commands reach it in its words, its replies are the outcomes, silence is a timeout', async () => {
    const robot = oldbot
    const send = (body: Record<string, unknown>) => call(h, 'POST', '/api/v1/command', { robot_id: 'oldbot', ...body }, 'operator')
    const nod = await send({ type: 'motion', motion: 'head_nod' })
    expect(nod).toMatchObject({ status: 200, body: { state: 'done', reason: 'Head nod completed' } })
    expect(robot.commands.at(-1)?.payload).toEqual({ type: 'head_nod', id: nod.body.id })
    const stop = await send({ type: 'estop', reason: 'hub test' })
    expect(stop).toMatchObject({ status: 200, body: { state: 'done', reason: 'Emergency stop activated: hub test' } })
    expect((await send({ type: 'motion', motion: 'wave' })).body).toMatchObject({ state: 'failed', reason: expect.stringContaining('emergency stopped') })
    expect((await send({ type: 'resume' })).body).toMatchObject({ state: 'done', reason: 'Robot resumed from emergency stop (was: hub test)' })
    expect(await send({ type: 'servo.move', targets: [{ id: 1, position: 500 }], duration_ms: 100 })).toMatchObject({
      status: 409,
      body: { state: 'rejected' },
    })
    robot.silentTo = ['stop']
    expect((await send({ type: 'stop' })).status).toBe(504)
    robot.silentTo = []
    const audit = await get('/api/v1/commands?robot_id=oldbot')
    expect(audit.find((c: { id: string }) => c.id === nod.body.id)).toMatchObject({ state: 'done', reason: 'Head nod completed' })
  })

  test('its connection dropping says offline at once (it has no last will)', async () => {
    oldbot.kill()
    await waitFor('oldbot offline', async () => (await get('/api/v1/robots/oldbot')).status === 'offline', 5000)
  })
})

describe('one job mapping on both ends', () => {
  let edge: EdgeHarness
  beforeAll(async () => {
    edge = await startTestEdge({ TONYPI_PROFILE: 'legacy-client', TONYPI_ROBOT_ID: 'jobbot' })
  }, 30_000)
  afterAll(() => edge?.stop())

  test('the same job messages make the same job records on the edge and on the hub', async () => {
    const onEdge = new EarlierClient({ url: `mqtt://127.0.0.1:${edge.edge.mqttPort}`, robotId: 'jobbot' })
    const onHub = earlier('jobbot')
    clients.push(onEdge)
    await Promise.all([onEdge.waitConnected(), onHub.waitConnected()])
    let t = Date.now() - 60_000
    const script: ((c: EarlierClient) => void)[] = [
      (c) => c.sendJobEvent('Peeling', 'started', { itemsDone: 0, itemsTotal: 4 }),
      (c) => c.sendSimulatorJob('working', 1, 4),
      (c) => c.sendJobEvent('Peeling', 'in_progress', { itemsDone: 2, itemsTotal: 4 }),
      (c) => c.sendSimulatorJob('completed', 4, 4),
      (c) => c.sendSimulatorJob('completed', 4, 4),
      (c) => c.sendSimulatorJob('working', 3, 4),
      (c) => c.sendSimulatorJob('start', 0, 2),
      (c) => c.sendSimulatorJob('working', 1, 2),
      (c) => c.sendJobEvent('inventory_scan', 'cancelled', { itemsDone: 1, itemsTotal: 2, reason: 'battery low' }),
      (c) => c.sendSimulatorJob('completed', 2, 2),
    ]
    for (const step of script) {
      t += 1000
      for (const c of [onEdge, onHub]) {
        c.now = () => t
        step(c)
      }
    }
    const shape = (j: Record<string, unknown>) => ({
      task_name: j.task_name,
      status: j.status,
      items_done: j.items_done,
      items_total: j.items_total,
      percent: j.percent,
      reason: j.reason,
      started_at: j.started_at,
      updated_at: j.updated_at,
      finished_at: j.finished_at,
    })
    const edgeJobs = await waitFor('both jobs on the edge', async () => {
      const list = await (await edge.api('/api/v1/jobs', { token: await edge.tokenFor('viewer') })).json()
      return list.length === 2 && list.every((j: { finished_at: number | null }) => j.finished_at !== null) ? list : null
    })
    const hubJobs = await waitFor(
      'both jobs on the hub',
      async () => {
        const list = await get('/api/v1/jobs?robot_id=jobbot')
        return list.length === 2 && list.every((j: { finished_at: number | null }) => j.finished_at !== null) ? list : null
      },
      10_000,
    )
    expect(hubJobs.map(shape)).toEqual(edgeJobs.map(shape))
    expect(edgeJobs.map(shape)).toEqual([
      expect.objectContaining({ task_name: 'inventory_scan', status: 'cancelled', items_done: 1, items_total: 2, percent: 50, reason: 'battery low' }),
      expect.objectContaining({ task_name: 'Peeling', status: 'completed', items_done: 4, items_total: 4, percent: 100 }),
    ])
  })
})
