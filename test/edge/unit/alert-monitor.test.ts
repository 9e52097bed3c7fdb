// The alert monitor: readings from a bus, rule durations on a monotonic clock the test steps,
// each change written to a real SQLite file and raised on the bus, which the robot's publisher
// puts on a real aedes broker for a subscribed client. "Nothing more was published" is proven by a marker
// alert published after it, on the same topic.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import type mqtt from 'mqtt'
import type { AlertMessage } from '../../../core/alerts/record.ts'
import { SYSTEM_ALERTS_TOPIC } from '../../../core/topics.ts'
import { TONYPI_SERVOS } from '../../../core/tonypi-servos.ts'
import { AlertMonitor } from '../../../edge/alerts/alert-monitor.ts'
import { AlertStore } from '../../../edge/alerts/alert-store.ts'
import type { EmbeddedBroker } from '../../../edge/broker/broker.ts'
import { BrokerPublisher } from '../../../edge/broker/publisher.ts'
import { RobotState } from '../../../core/robot-state.ts'
import { waitFor } from '../../support/edge-harness.ts'
import { broker, client, kit, ROBOT_ID, type Kit } from './kit.ts'

let k: Kit
let b: EmbeddedBroker
let mq: mqtt.MqttClient
let mono: number
let published: AlertMessage[]
const monitors: AlertMonitor[] = []
beforeEach(async () => {
  k = kit()
  mono = 0
  published = []
  const started = await broker(k)
  b = started.broker
  const publisher = new BrokerPublisher({
    broker: b,
    bus: k.bus,
    state: new RobotState(
      ROBOT_ID,
      'sim',
      TONYPI_SERVOS.map((s) => ({ ...s, min: 0, max: 1000 })),
      500,
    ),
    robotId: ROBOT_ID,
    log: k.log.child('mqtt'),
  })
  await publisher.start()
  mq = await client(started.port)
  mq.on('message', (topic, payload) => {
    if (topic === SYSTEM_ALERTS_TOPIC) published.push(JSON.parse(payload.toString()))
  })
  await mq.subscribeAsync(SYSTEM_ALERTS_TOPIC)
})
afterEach(async () => {
  for (const m of monitors.splice(0)) m.stop()
  mq.end(true)
  await b.close()
  k.close()
})

function monitor(): AlertMonitor {
  const m = new AlertMonitor({
    store: new AlertStore(k.db, { takeSeq: () => k.store.takeSeq(), robotId: ROBOT_ID, log: k.log.child('alerts') }),
    bus: k.bus,
    pack: '2S',
    servos: TONYPI_SERVOS.map((s) => ({ ...s, min: 0, max: 1000 })),
    log: k.log.child('alerts'),
    monotonic: () => mono,
  })
  monitors.push(m)
  m.start()
  return m
}
const openOf = (m: AlertMonitor) => m.store.list({ resolved: false })
const throttled = (raw: number) => k.bus.samples([{ stream: 'performance', ts: Date.now(), values: { throttled: raw } }])
const servoTemp = (id: number, c: number) => k.bus.samples([{ stream: 'servos', ts: Date.now(), source: String(id), values: { temperature_c: c } }])
const onMqtt = (id: number, change: string) => waitFor(`${change} of alert ${id} on MQTT`, () => published.find((m) => m.id === id && m.change === change))
const busAlerts = () => k.seen.flatMap((m) => (m.kind === 'event' && m.event === 'alert' ? [{ level: m.level, ...(m.data as unknown as AlertMessage) }] : []))

describe('AlertMonitor', () => {
  test('an immediate rule opens at once: stored, published, on the bus; repeats change nothing; it resolves', async () => {
    const m = monitor()
    throttled(0x1)
    const [open] = openOf(m)
    const a = m.store.get(open.id)!
    expect(a).toMatchObject({ type: 'pi_undervoltage', severity: 'critical', robot_id: ROBOT_ID, resolved: false })
    expect((await onMqtt(a.id, 'open')).title).toBe('Raspberry Pi supply under-voltage')
    for (let i = 0; i < 20; i++) throttled(0x1)
    expect(m.counters).toMatchObject({ readings: 42, changes: 1, failed_writes: 0 })
    throttled(0)
    // The resolve follows the repeats on the topic: anything they published would come first.
    await onMqtt(a.id, 'resolve')
    expect(published.map((p) => [p.id, p.change])).toEqual([
      [a.id, 'open'],
      [a.id, 'resolve'],
    ])
    expect(busAlerts().map((e) => [e.change, e.level])).toEqual([
      ['open', 'error'],
      ['resolve', 'info'],
    ])
    expect(m.store.get(a.id)).toMatchObject({ resolved: true })
  })

  test('a rule with a duration waits for it on the monotonic clock, escalates in place, and clears past its hysteresis', async () => {
    const m = monitor()
    servoTemp(3, 70)
    mono = 1900
    servoTemp(3, 70)
    expect(openOf(m)).toEqual([])
    mono = 2100
    servoTemp(3, 70)
    const [open] = openOf(m)
    expect(m.store.get(open.id)).toMatchObject({ type: 'servo_temperature', source: '3', severity: 'warning', value: 70, threshold: 65 })
    mono = 2200
    servoTemp(3, 80)
    mono = 4300
    servoTemp(3, 80)
    expect(m.store.get(open.id)).toMatchObject({ severity: 'critical' })
    expect(openOf(m)).toHaveLength(1)
    servoTemp(3, 63) // within the hysteresis of the warning level: still hot
    expect(m.store.get(open.id)!.resolved).toBe(false)
    servoTemp(3, 60)
    await onMqtt(open.id, 'resolve')
    expect(published.filter((p) => p.id === open.id).map((p) => `${p.change}:${p.severity}`)).toEqual([
      'open:warning',
      'update:critical',
      'update:warning',
      'resolve:warning',
    ])
  })

  test('an event-held state (a silent servo) opens on the beat once its duration passes, with no further reading', async () => {
    const m = monitor()
    k.bus.event('servo.silent', 'warn', { servo_id: 7, message: 'servo 7 is silent' })
    expect(openOf(m)).toEqual([])
    mono = 1100
    const a = await waitFor('the beat opens it', () => openOf(m)[0])
    expect(a).toMatchObject({ type: 'servo_silent', source: '7' })
    k.bus.event('servo.recovered', 'info', { servo_id: 7, silent_sweeps: 3 })
    await onMqtt(a.id, 'resolve')
  })

  test('people acknowledge and resolve; resolving a condition that holds raises a new alert at its next reading', async () => {
    const m = monitor()
    throttled(0x1)
    const id = openOf(m)[0].id
    expect(m.acknowledge(id, 'ann')).toMatchObject({ acknowledged: true, acknowledged_by: 'ann' })
    expect((await onMqtt(id, 'acknowledge')).by).toBe('ann')
    expect(m.resolve(id, 'bob')).toMatchObject({ resolved: true })
    expect((await onMqtt(id, 'resolve')).by).toBe('bob')
    throttled(0x1)
    const again = openOf(m)
    expect(again).toHaveLength(1)
    expect(again[0].id).not.toBe(id)
    expect(m.acknowledge(999, 'ann')).toBeNull()
  })

  test('disabling a rule resolves its open alerts and ignores its metric until enabled', async () => {
    const m = monitor()
    throttled(0x1)
    const id = openOf(m)[0].id
    m.updateRule('pi_undervoltage', { enabled: false }, 'admin')
    expect((await onMqtt(id, 'resolve')).title).toContain('rule disabled')
    throttled(0x1)
    expect(openOf(m)).toEqual([])
    m.updateRule('pi_undervoltage', { enabled: true }, 'admin')
    throttled(0x1)
    expect(openOf(m)).toHaveLength(1)
  })

  test('after a restart an open alert is picked up and resolved in place, not opened twice', async () => {
    const first = monitor()
    throttled(0x1)
    k.bus.event('servo.silent', 'warn', { servo_id: 4, message: 'servo 4 is silent' })
    mono = 1100
    await waitFor('servo 4 silent', () => openOf(first).length === 2)
    const before = openOf(first)
      .map((a) => a.id)
      .sort()
    first.stop()
    const second = monitor()
    throttled(0x1)
    expect(
      openOf(second)
        .map((a) => a.id)
        .sort(),
    ).toEqual(before)
    throttled(0)
    // The collector of the new run sends no servo.recovered: servo 4's first answer clears it.
    servoTemp(4, 40)
    expect(openOf(second)).toEqual([])
    expect(second.counters.changes).toBe(2)
  })

  test('a failed write is counted and logged, and the next change of that alert starts a fresh row', async () => {
    const m = monitor()
    k.db.$client.run("CREATE TRIGGER no_alerts BEFORE INSERT ON alerts BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    throttled(0x1)
    expect(m.counters.failed_writes).toBe(1)
    expect(k.logs.some((l) => l.includes('alert not written') && l.includes('disk full'))).toBe(true)
    k.db.$client.run('DROP TRIGGER no_alerts')
    throttled(0)
    throttled(0x1)
    expect(openOf(m)).toHaveLength(1)
  })
})
