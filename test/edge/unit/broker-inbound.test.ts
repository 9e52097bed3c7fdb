// The broker's inbound handler alone, on a real aedes broker with real MQTT clients: command
// requests from an operator, job reports and the earlier system's messages from the robot
// itself, and malformed input dropped with its reason counted and the log kept short.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import mqtt from 'mqtt'
import type { EmbeddedBroker } from '../../../edge/broker/broker.ts'
import { BrokerInbound } from '../../../edge/broker/inbound.ts'
import { BrokerPublisher } from '../../../edge/broker/publisher.ts'
import { UserStore } from '../../../edge/auth/user-store.ts'
import { JobService } from '../../../edge/jobs/job-service.ts'
import { waitFor } from '../../support/edge-harness.ts'
import { broker, client, kit, robot, ROBOT_ID, type Kit } from './kit.ts'

let k: Kit
let b: EmbeddedBroker
let port: number
let r: ReturnType<typeof robot>
let jobs: JobService
let inbound: BrokerInbound
let local: mqtt.MqttClient
let op: mqtt.MqttClient
const replies: { topic: string; body: Record<string, unknown> }[] = []

beforeAll(async () => {
  k = kit()
  r = robot(k)
  ;({ broker: b, port } = await broker(k))
  jobs = new JobService({ db: k.db, takeSeq: () => k.store.takeSeq(), bus: k.bus, commands: r.commands, log: k.log.child('jobs') })
  // Every outcome leaves through the publisher, refusals included: one outbound path.
  await new BrokerPublisher({ broker: b, bus: k.bus, state: r.state, robotId: ROBOT_ID, log: k.log.child('mqtt') }).start()
  inbound = new BrokerInbound({ broker: b, robotId: ROBOT_ID, bus: k.bus, commands: r.commands, jobs, state: r.state, log: k.log.child('mqtt') })
  await new UserStore(k.db).create({ username: 'oper', password: 'operator-password', role: 'operator' })
  local = await client(port)
  op = await new Promise<mqtt.MqttClient>((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { username: 'oper', password: 'operator-password', reconnectPeriod: 0, connectTimeout: 3000 })
    c.once('connect', () => resolve(c))
    c.once('error', reject)
  })
  op.on('message', (topic, payload) => replies.push({ topic, body: JSON.parse(payload.toString()) }))
  await op.subscribeAsync([`tonypi/${ROBOT_ID}/command/response`, 'tonypi/commands/response'])
})
afterAll(async () => {
  local?.end(true)
  op?.end(true)
  await r.commands.idle()
  await b?.close()
  k.close()
})

const commandEvents = (id: string) => k.events('command').filter((e) => e.id === id)
const dropsOf = (reason: string) => inbound.dropped.get(reason) ?? 0

describe('BrokerInbound', () => {
  test("an operator's command request is submitted under their name; a refusal is answered on MQTT", async () => {
    await op.publishAsync(`tonypi/${ROBOT_ID}/command/request`, JSON.stringify({ id: 'mq-1', command: { type: 'stop' } }))
    await op.publishAsync(
      `tonypi/${ROBOT_ID}/command/request`,
      JSON.stringify({ id: 'mq-2', type: 'servo.move', targets: [{ id: 99, position: 1 }], duration_ms: 0 }),
    )
    const accepted = await waitFor('mq-1 accepted', () => commandEvents('mq-1')[0])
    expect(accepted).toMatchObject({ state: 'accepted', user: 'oper', origin: 'mqtt', type: 'stop' })
    const refused = await waitFor('the refusal', () => replies.find((x) => x.body.id === 'mq-2'))
    expect(refused).toEqual({
      topic: `tonypi/${ROBOT_ID}/command/response`,
      body: expect.objectContaining({ state: 'rejected', reason: 'unknown servo id 99' }),
    })
    // Each outcome is answered once: the refusal is not sent a second time by anyone else.
    await waitFor('mq-1 answered', () => replies.find((x) => x.body.id === 'mq-1'))
    expect(replies.filter((x) => x.body.id === 'mq-2')).toHaveLength(1)
    expect(inbound.accepted.commands).toBe(2)
  })

  test('malformed messages are dropped, each reason counted, and the log holds at most twenty a minute', async () => {
    const before = inbound.droppedTotal()
    for (let i = 0; i < 25; i++) await local.publishAsync(`tonypi/${ROBOT_ID}/job`, '{not json')
    await op.publishAsync(`tonypi/${ROBOT_ID}/command/request`, '[1, 2]')
    await local.publishAsync(`tonypi/${ROBOT_ID}/job`, JSON.stringify({ task_name: 't', status: 'dancing' }))
    await waitFor('27 drops', () => inbound.droppedTotal() - before >= 27)
    expect(dropsOf('payload is not valid JSON')).toBe(25)
    expect(dropsOf('command is not a JSON object')).toBe(1)
    expect([...inbound.dropped.keys()].some((reason) => reason.includes('dancing'))).toBe(true)
    expect(k.logs.filter((l) => l.includes('mqtt message dropped')).length).toBe(20)
  })

  test('job reports from the robot itself become jobs; a report after the end is ignored with a note', async () => {
    const send = (p: Record<string, unknown>) => local.publishAsync(`tonypi/${ROBOT_ID}/job`, JSON.stringify({ task_name: 'scan', ...p }))
    await send({ status: 'started', items_total: 4 })
    await send({ status: 'in_progress', items_done: 2 })
    await send({ status: 'completed', items_done: 4 })
    await send({ status: 'failed' })
    const done = await waitFor('the job completed', () => jobs.list({}).find((j) => j.task_name === 'scan' && j.status === 'completed'))
    expect(done).toMatchObject({ source: 'mqtt', items_done: 4, percent: 100 })
    await waitFor('four reports taken', () => inbound.accepted.jobs >= 4)
    expect(jobs.get(done.id)!.status).toBe('completed')
    expect(jobs.list({})).toHaveLength(1)
  })

  test("the earlier system's telemetry reaches the bus; another robot's id is dropped with a reason", async () => {
    await local.publishAsync(`tonypi/sensors/${ROBOT_ID}`, JSON.stringify({ robot_id: ROBOT_ID, sensor_type: 'light_level', value: 12, unit: '%' }))
    await local.publishAsync('tonypi/battery', JSON.stringify({ robot_id: 'impostor', percentage: 80, voltage: 7.9 }))
    await local.publishAsync(`tonypi/status/${ROBOT_ID}`, JSON.stringify({ robot_id: ROBOT_ID, status: 'online', system_info: { cpu_percent: 5 } }))
    const status = await waitFor('legacy.status on the bus', () => k.events('legacy.status')[0])
    expect(status).toMatchObject({ status: 'online' })
    const sensor = k.seen.flatMap((m) => (m.kind === 'samples' ? m.samples : [])).find((s) => s.stream === 'sensors')
    expect(sensor).toMatchObject({ source: 'light_level', values: { value: 12 } })
    expect(dropsOf(`robot_id impostor is not this robot (${ROBOT_ID}); set TONYPI_ROBOT_ID to match`)).toBe(1)
    expect(k.seen.flatMap((m) => (m.kind === 'samples' ? m.samples : [])).filter((s) => s.stream === 'battery')).toEqual([])
  })

  test("the earlier system's commands are answered on its response topic; unsupported ones say why", async () => {
    await op.publishAsync(`tonypi/commands/${ROBOT_ID}`, JSON.stringify({ type: 'stop', id: 'lg-stop' }))
    await op.publishAsync(`tonypi/commands/${ROBOT_ID}`, JSON.stringify({ type: 'shutdown', id: 'lg-off' }))
    await op.publishAsync(`tonypi/commands/${ROBOT_ID}`, JSON.stringify({ type: 'status_request', id: 'lg-st' }))
    const ok = await waitFor('stop answered', () => replies.find((x) => x.body.command_id === 'lg-stop'))
    expect(ok).toMatchObject({ topic: 'tonypi/commands/response', body: { robot_id: ROBOT_ID, success: true, message: 'accepted' } })
    const off = await waitFor('shutdown answered', () => replies.find((x) => x.body.command_id === 'lg-off'))
    expect(off.body).toMatchObject({ success: false })
    expect(off.body.message).toContain('systemctl poweroff')
    const st = await waitFor('status answered', () => replies.find((x) => x.body.command_id === 'lg-st'))
    expect(st.body).toMatchObject({ success: true, data: { status: 'online', emergency_stopped: false } })
    expect(commandEvents('lg-stop')[0]).toMatchObject({ origin: 'legacy', user: 'oper' })
  })

  test("the edge's own publishes are not taken as input", async () => {
    const before = inbound.droppedTotal()
    await b.publish(`tonypi/${ROBOT_ID}/job`, '{not json')
    // A marker from a client after it: once the marker's drop is counted, the edge's would have been.
    const marks = dropsOf('command is not a JSON object')
    await op.publishAsync(`tonypi/${ROBOT_ID}/command/request`, '"marker"')
    await waitFor('the marker dropped', () => dropsOf('command is not a JSON object') > marks)
    expect(inbound.droppedTotal() - before).toBe(1)
  })
})
