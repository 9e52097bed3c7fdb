// Faults injected into the simulated robot through the API, and the alerts the edge raises
// from them with its default rules: what a demo shows and what a user should see. The rules'
// fine behaviour (hysteresis, durations, flapping) is tested in core/alerts.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import mqtt from 'mqtt'
import type { AlertMessage, AlertRecord } from '../../core/alerts/record.ts'
import { servoSpecs } from '../../core/servo-config.ts'
import { HatDriver } from '../../drivers/hat/hat-driver.ts'
import { attachHatI2cDevices } from '../../drivers/sim/i2c-devices.ts'
import { startLxSimulator } from '../../drivers/sim/pty-server.ts'
import { HalfDuplexDirection } from '../../drivers/transports/half-duplex.ts'
import { MemoryI2cBus } from '../../drivers/transports/memory.ts'
import { ReopeningSerialPort } from '../../drivers/transports/uart.ts'
import { ADMIN_PASSWORD, startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'

let h: EdgeHarness
let mq: mqtt.MqttClient
const published: AlertMessage[] = []

beforeAll(async () => {
  // Health and battery read five times a second so the test sees each change quickly; the
  // rules are the defaults.
  h = await startTestEdge({ TONYPI_SERVO_HEALTH_HZ: '5', TONYPI_BATTERY_HZ: '5' })
  await h.tokenFor('operator')
  mq = await new Promise<mqtt.MqttClient>((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${h.edge.mqttPort}`, { username: 'admin', password: ADMIN_PASSWORD, reconnectPeriod: 0, connectTimeout: 3000 })
    c.once('connect', () => resolve(c))
    c.once('error', reject)
  })
  mq.on('message', (topic, payload) => {
    if (topic === 'tonypi/system/alerts') published.push(JSON.parse(payload.toString()))
  })
  await mq.subscribeAsync('tonypi/system/alerts')
})
afterAll(async () => {
  mq?.end(true)
  await h?.stop()
})

async function fault(body: unknown, method: 'POST' | 'DELETE' = 'POST') {
  return h.api('/api/v1/sim/fault', { method, token: await h.tokenFor('admin'), ...(method === 'POST' ? { json: body } : {}) })
}

async function openAlert(type: string, source = ''): Promise<AlertRecord | undefined> {
  const r = await h.api(`/api/v1/alerts?type=${type}&source=${source}&resolved=false`, { token: await h.tokenFor('viewer') })
  return (await r.json())[0]
}

const changesOf = (type: string, source: string) => published.filter((m) => m.type === type && m.source === source)

describe('faults and the alerts they raise', () => {
  test('overheat servo 3: a temperature alert opens as a warning, then turns critical in place', async () => {
    expect((await fault({ kind: 'overheat', servo_id: 3 })).status).toBe(200)
    const warning = await waitFor('a warning', () => openAlert('servo_temperature', '3'), 5000)
    expect(warning.severity).toBe('warning')
    expect(warning.threshold).toBe(65)
    expect(warning.title).toMatch(/^Servo 3 \(Left knee pitch\) temperature high: \d+ °C$/)
    const critical = await waitFor(
      'critical',
      async () => {
        const a = await openAlert('servo_temperature', '3')
        return a?.severity === 'critical' ? a : null
      },
      6000,
    )
    expect(critical.id).toBe(warning.id)
    expect(critical.value!).toBeGreaterThanOrEqual(75)
    expect(changesOf('servo_temperature', '3').map((m) => `${m.change}:${m.severity}`)).toEqual(['open:warning', 'update:critical'])
  })

  test('silent servo 7: a critical alert once it has missed the bus for a second', async () => {
    const t0 = Date.now()
    expect((await fault({ kind: 'silent', servo_id: 7 })).status).toBe(200)
    const a = await waitFor('a silent alert', () => openAlert('servo_silent', '7'), 4000)
    expect(a.severity).toBe('critical')
    expect(a.title).toMatch(/^Servo 7 \(Left shoulder roll\) not answering$/)
    expect(a.created_at - t0).toBeGreaterThanOrEqual(1000)
  })

  test('low_battery: a critical battery alert', async () => {
    // The default 5 s minimum is the rule engine's business (core/alerts tests); 1 s here
    // keeps this test about the wiring from the simulated pack to the alert.
    const put = await h.api('/api/v1/alerts/rules/battery_percent', { method: 'PUT', token: await h.tokenFor('admin'), json: { min_duration_s: 1 } })
    expect(put.status).toBe(200)
    expect((await fault({ kind: 'low_battery' })).status).toBe(200)
    const a = await waitFor('a battery alert', () => openAlert('battery_percent'), 4000)
    expect(a.severity).toBe('critical')
    expect(a.value!).toBeLessThan(10)
    expect(a.title).toMatch(/^Battery low: [\d.]+%$/)
  })

  test('fall: a critical fall alert within about a second, saying which way', async () => {
    const t0 = Date.now()
    expect((await fault({ kind: 'fall', direction: 'back' })).status).toBe(200)
    const a = await waitFor('a fall alert', () => openAlert('fall'), 3000, 10)
    expect(a.severity).toBe('critical')
    expect(a.title).toBe('Robot has fallen: lying on its back')
    expect(Math.abs(a.value!)).toBeGreaterThan(160) // the angle is signed: lying on its back reads near +-180
    expect(a.created_at - t0).toBeLessThan(1300)
  })

  test('clear: the robot cools, answers, recharges and gets up, and every alert resolves by itself', async () => {
    const r = await fault(undefined, 'DELETE')
    expect(r.status).toBe(200)
    expect((await r.json()).cleared.map((f: { kind: string }) => f.kind).sort()).toEqual(['fall', 'low_battery', 'overheat', 'silent'])
    for (const [type, source] of [
      ['servo_temperature', '3'],
      ['servo_silent', '7'],
      ['battery_percent', ''],
      ['fall', ''],
    ]) {
      await waitFor(`${type} resolved`, async () => !(await openAlert(type, source)), 6000)
    }
    // Cooling passes back through the warning band: critical -> warning -> resolved, and only
    // once the servo is below the warning line by the hysteresis (65 - 3 C).
    const temp = changesOf('servo_temperature', '3')
    expect(temp.map((m) => `${m.change}:${m.severity}`)).toEqual(['open:warning', 'update:critical', 'update:warning', 'resolve:warning'])
    expect(temp[3].value!).toBeLessThan(62)
    expect(temp[3].message).toMatch(/highest was (8\d|90) °C/)
    expect(changesOf('fall', '').map((m) => m.change)).toEqual(['open', 'resolve'])
    await h.api('/api/v1/alerts/rules/battery_percent', { method: 'PUT', token: await h.tokenFor('admin'), json: { min_duration_s: 5 } })
  })

  test('corrupt_bus: reads are lost now and then, the edge keeps measuring, and no alert comes of it', async () => {
    const before = published.length
    expect((await fault({ kind: 'corrupt_bus' })).status).toBe(200)
    const state = await waitFor('more than ten lost reads', async () => {
      const st = await (await h.api('/api/v1/sim/fault', { token: await h.tokenFor('viewer') })).json()
      return st.lost_reads > 10 ? st : null
    })
    expect(state.active.map((f: { kind: string }) => f.kind)).toEqual(['corrupt_bus'])
    const status = await (await h.api('/api/v1/robot/status', { token: await h.tokenFor('viewer') })).json()
    expect(status.servos.filter((s: { stale: boolean }) => s.stale)).toEqual([])
    // A marker alert, raised after the lost reads: an alert they caused would be on the topic before it.
    const throttled = (raw: number) => h.edge.bus.samples([{ stream: 'performance', ts: Date.now(), values: { throttled: raw } }])
    throttled(0x1)
    const marker = await waitFor('the marker alert', () => published.slice(before).find((m) => m.type === 'pi_undervoltage' && m.change === 'open'))
    throttled(0)
    await waitFor('the marker resolved', () => published.find((m) => m.id === marker.id && m.change === 'resolve'))
    expect(published.slice(before).map((m) => `${m.type}:${m.change}`)).toEqual(['pi_undervoltage:open', 'pi_undervoltage:resolve'])
    expect((await fault(undefined, 'DELETE')).status).toBe(200)
  })

  test('clock_jump: the collector stamps samples an hour ahead until cleared', async () => {
    expect((await fault({ kind: 'clock_jump' })).status).toBe(200)
    const ahead = await waitFor('samples stamped ahead', () => {
      const ts = h.edge.ctx.state.lastSampleTs ?? 0
      return ts - Date.now() > 3_590_000 ? ts : null
    })
    expect(ahead - Date.now()).toBeLessThan(3_610_000)
    const cleared = await (await fault(undefined, 'DELETE')).json()
    expect(cleared.clock_offset_ms).toBe(0)
    expect(h.edge.ctx.simFaults!.now() - Date.now()).toBeLessThan(50)
  })

  test('refused input: an unknown servo, a servo for a fault that has none, an unknown kind, a non-admin', async () => {
    expect((await fault({ kind: 'overheat', servo_id: 42 })).status).toBe(404)
    expect((await fault({ kind: 'fall', servo_id: 3 })).status).toBe(400)
    expect((await fault({ kind: 'meltdown' })).status).toBe(400)
    const op = await h.api('/api/v1/sim/fault', { method: 'POST', token: await h.tokenFor('operator'), json: { kind: 'fall' } })
    expect(op.status).toBe(403)
    expect((await (await h.api('/api/v1/sim/fault', { token: await h.tokenFor('viewer') })).json()).active).toEqual([])
  })
})

describe('on hardware', () => {
  test('an edge driving a real bus refuses fault injection with 409 and says why', async () => {
    const sim = startLxSimulator({ seed: 3 })
    const i2c = new MemoryI2cBus()
    attachHatI2cDevices(i2c, sim.device.model)
    const port = ReopeningSerialPort.open(sim.pathFn, { baud: 115_200, minDelayMs: 20, maxDelayMs: 200 })
    const { driver } = await HatDriver.open({
      port,
      direction: HalfDuplexDirection.none(),
      i2c,
      servos: servoSpecs({ servoIds: '1-16' }),
      bus: { replyTimeoutMs: 25 },
    })
    const hw = await startTestEdge({}, { driver })
    try {
      const token = await hw.tokenFor('admin')
      for (const method of ['POST', 'DELETE'] as const) {
        const r = await hw.api('/api/v1/sim/fault', { method, token, ...(method === 'POST' ? { json: { kind: 'overheat', servo_id: 3 } } : {}) })
        expect(r.status).toBe(409)
        const body = await r.json()
        expect(body.error).toBe('conflict')
        expect(body.message).toContain('tonypi-hat')
        expect(body.message).toContain('TONYPI_PROFILE=sim')
      }
      const state = await (await hw.api('/api/v1/sim/fault', { token })).json()
      expect(state).toMatchObject({ profile: 'tonypi-hat', available: false, active: [] })
    } finally {
      await hw.stop()
      await sim.stop()
    }
  })
})
