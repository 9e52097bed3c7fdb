// The hub's InfluxDB reads against a real influxd: the edge's answer shapes, and injection
// attempts that must be refused or harmless (another robot's data never leaks, nothing is dropped).

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { silentLogger } from '../../core/log.ts'
import type { Sample } from '../../core/streams.ts'
import { InvalidQueryInput, identifier, stringLiteral } from './influxql.ts'
import { InfluxQuery, InfluxQueryError, planSensorHistory } from './query.ts'
import { startTestInflux, type TestInflux } from '../../test/support/test-influx.ts'
import { InfluxWriter } from './writer.ts'

let influx: TestInflux
const T0 = Date.UTC(2021, 5, 1, 12, 0, 0) // on a minute boundary, so 1m buckets are whole
const NOW = T0 + 10 * 60_000

/** Two minutes of one robot at 1 Hz; `base` sets its values apart from the other robot's. */
function fixture(base: number): Sample[] {
  const out: Sample[] = []
  for (let i = 0; i < 120; i++) {
    const ts = T0 + i * 1000
    for (const id of [1, 2]) out.push({ stream: 'servos', ts, source: String(id), values: { position: base + i, temperature_c: 40 + id, voltage_v: 7.4 } })
    out.push({ stream: 'sensors', ts, source: 'ultrasonic_distance', values: { value: base + i } })
    out.push({ stream: 'sensors', ts, source: 'light_level', values: { value: 50 } })
    out.push({ stream: 'battery', ts, values: { voltage_v: 7.9, percent: base } })
    out.push({ stream: 'imu', ts, values: { ax: 0, ay: 9.8, az: 0, gx: 0, gy: 0, gz: base } })
    out.push({ stream: 'performance', ts, values: { cpu_percent: base / 100, cpu0_percent: 10, mem_percent: 40, net_rx_bps: base + i, net_tx_bps: 5 } })
  }
  return out
}

beforeAll(async () => {
  influx = await startTestInflux('query')
  const w = new InfluxWriter({ url: influx.service.url, db: influx.service.db, ...influx.auth, log: silentLogger })
  w.write('r1', fixture(500))
  w.write('r2', fixture(9000))
  w.write('victim', fixture(9000))
  await w.close()
})
afterAll(async () => {
  await influx?.remove()
})

const window = { from: T0, to: T0 + 120_000 }
/** r1's values are all below 9000; r2's and victim's all at or above. */
const leaked = (points: Record<string, unknown>[]) => points.filter((p) => Object.values(p).some((v) => typeof v === 'number' && v >= 9000 && v < 1e12))

describe('robot/sensors', () => {
  test('raw points in the edge shape, with the servo id as a number', async () => {
    const h = await influx.query.sensorHistory({ robotId: 'r1', stream: 'servos', ...window }, NOW)
    expect(h).toMatchObject({ robot_id: 'r1', stream: 'servos', resolution: 'raw', from: T0, to: T0 + 120_000, truncated: false })
    expect(h.points).toHaveLength(240)
    expect(h.points[0]).toEqual({ ts: T0, servo_id: 1, position: 500, temperature_c: 41, voltage_v: 7.4 })
    expect(h.points[1]).toEqual({ ts: T0, servo_id: 2, position: 500, temperature_c: 42, voltage_v: 7.4 })
    expect(leaked(h.points)).toEqual([])
  })

  test('one servo, one sensor, some fields', async () => {
    const s = await influx.query.sensorHistory({ robotId: 'r1', stream: 'servos', servoId: '2', fields: ['position'], ...window }, NOW)
    expect(s.points).toHaveLength(120)
    expect(s.points[5]).toEqual({ ts: T0 + 5000, servo_id: 2, position: 505 })
    const d = await influx.query.sensorHistory({ robotId: 'r1', stream: 'sensors', source: 'ultrasonic_distance', ...window }, NOW)
    expect(d.points).toHaveLength(120)
    expect(d.points[0]).toEqual({ ts: T0, sensor: 'ultrasonic_distance', value: 500 })
  })

  test('buckets: mean as the field, with _min, _max and n, per servo', async () => {
    const h = await influx.query.sensorHistory({ robotId: 'r1', stream: 'servos', resolution: '1m', ...window }, NOW)
    expect(h.resolution).toBe('1m')
    expect(h.points).toHaveLength(4)
    expect(h.points[0]).toEqual({
      ts: T0,
      servo_id: 1,
      n: 60,
      position: 529.5,
      position_min: 500,
      position_max: 559,
      temperature_c: 41,
      temperature_c_min: 41,
      temperature_c_max: 41,
      voltage_v: 7.4,
      voltage_v_min: 7.4,
      voltage_v_max: 7.4,
    })
    const f = await influx.query.sensorHistory({ robotId: 'r1', stream: 'servos', resolution: '1m', fields: ['temperature_c'], ...window }, NOW)
    expect(f.points[3]).toEqual({ ts: T0 + 60_000, servo_id: 2, n: 60, temperature_c: 42, temperature_c_min: 42, temperature_c_max: 42 })
  })

  test('buckets under a minute for a chart of a short window: only the fields asked for, as on the edge', async () => {
    const h = await influx.query.sensorHistory(
      { robotId: 'r1', stream: 'performance', resolution: '10s', fields: ['cpu_percent', 'net_rx_bps'], ...window },
      NOW,
    )
    expect(h.resolution).toBe('10s')
    expect(h.points).toHaveLength(12)
    expect(h.points[1]).toEqual({
      ts: T0 + 10_000,
      n: 10,
      cpu_percent: 5,
      cpu_percent_min: 5,
      cpu_percent_max: 5,
      net_rx_bps: 514.5,
      net_rx_bps_min: 510,
      net_rx_bps_max: 519,
    })
    expect(() => planSensorHistory({ robotId: 'r1', stream: 'imu', resolution: '2s', from: T0, to: T0 + 2 * 3_600_000 }, NOW)).toThrow(
      /under a minute are served for windows up to 60 minutes/,
    )
  })

  test('auto picks raw for short windows and about 500 buckets for long ones', () => {
    expect(planSensorHistory({ robotId: 'r1', stream: 'imu', from: T0, to: T0 + 15 * 60_000 }, NOW).bucketMs).toBe(0)
    expect(planSensorHistory({ robotId: 'r1', stream: 'imu', from: T0, to: T0 + 7 * 86_400_000 }, NOW)).toMatchObject({
      bucketMs: 21 * 60_000,
      resolution: '21m',
    })
    expect(planSensorHistory({ robotId: 'r1', stream: 'imu' }, NOW)).toMatchObject({ from: NOW - 60_000, to: NOW, bucketMs: 0 })
  })

  test('performance brings its network fields back together', async () => {
    const h = await influx.query.sensorHistory({ robotId: 'r1', stream: 'performance', ...window }, NOW)
    expect(h.points).toHaveLength(120)
    expect(h.points[7]).toEqual({ ts: T0 + 7000, cpu_percent: 5, cpu0_percent: 10, mem_percent: 40, net_rx_bps: 507, net_tx_bps: 5 })
    const b = await influx.query.sensorHistory({ robotId: 'r1', stream: 'performance', resolution: '1m', ...window }, NOW)
    expect(b.points[1]).toMatchObject({ ts: T0 + 60_000, cpu_percent: 5, net_rx_bps: 589.5, net_rx_bps_min: 560, net_rx_bps_max: 619, n: 60 })
  })

  test('a limit keeps the latest points and says so', async () => {
    const h = await influx.query.sensorHistory({ robotId: 'r1', stream: 'battery', limit: 10, ...window }, NOW)
    expect(h.truncated).toBe(true)
    expect(h.points.map((p) => p.ts)).toEqual(Array.from({ length: 10 }, (_, i) => T0 + (110 + i) * 1000))
  })

  test('pi/performance: latest, and a window when asked', async () => {
    const p = await influx.query.performance({ robotId: 'r1' }, NOW)
    expect(p).toEqual({ robot_id: 'r1', latest: { ts: T0 + 119_000, cpu_percent: 5, cpu0_percent: 10, mem_percent: 40, net_rx_bps: 619, net_tx_bps: 5 } })
    const w = await influx.query.performance({ robotId: 'r1', ...window, resolution: '1m' }, NOW)
    expect(w.window?.points).toHaveLength(2)
    expect(await influx.query.performance({ robotId: 'nobody' }, NOW)).toEqual({ robot_id: 'nobody', latest: null })
  })

  test('bad parameters are refused before anything is sent', () => {
    const bad: [Parameters<typeof planSensorHistory>[0], RegExp][] = [
      [{ robotId: 'r1', stream: 'servo' }, /stream/],
      [{ robotId: 'r1', stream: 'imu', resolution: '2m' }, /resolution/],
      [{ robotId: 'r1', stream: 'imu', from: T0, to: T0 + 7 * 3_600_000, resolution: 'raw' }, /6 hours/],
      [{ robotId: 'r1', stream: 'imu', from: T0 + 1, to: T0 }, /from/],
      [{ robotId: 'r1', stream: 'imu', from: 0, to: 401 * 86_400_000 }, /400 days/],
      [{ robotId: 'r1', stream: 'imu', from: 0, to: 300 * 86_400_000, resolution: '1m' }, /coarser/],
      [{ robotId: 'r1', stream: 'imu', fields: ['position'] }, /fields/],
      [{ robotId: 'r1', stream: 'imu', servoId: 1 }, /servo_id/],
      [{ robotId: 'r1', stream: 'servos', servoId: 254 }, /servo_id/],
      [{ robotId: 'r1', stream: 'battery', source: 'x' }, /source/],
      [{ robotId: 'r1', stream: 'imu', limit: 0 }, /limit/],
    ]
    for (const [req, msg] of bad) expect(() => planSensorHistory(req, NOW)).toThrow(msg)
  })
})

describe('injection attempts', () => {
  const evilIds = [
    "x' OR 1=1 --",
    "r1' OR robot_id = 'r2",
    'r1\\"; DROP MEASUREMENT servos',
    "r1\\'; DROP MEASUREMENT servos; SELECT * FROM servos WHERE robot_id = '",
    "r1'\nDROP MEASUREMENT servos\n'",
    "r1\\' OR '1'='1",
    'r2\\',
    "r1' OR robot_id =~ /.*/ --",
  ]

  async function measurements(): Promise<string[]> {
    return (await influx.query.query('SHOW MEASUREMENTS')).flatMap((s) => s.values.map((v) => String(v[0])))
  }

  test('hostile robot ids, sensor names, fields, resolutions and times are refused', async () => {
    for (const robotId of evilIds) {
      await expect(influx.query.sensorHistory({ robotId, stream: 'servos', ...window }, NOW)).rejects.toThrow(InvalidQueryInput)
      await expect(influx.query.performance({ robotId }, NOW)).rejects.toThrow(InvalidQueryInput)
    }
    const base = { robotId: 'r1', ...window }
    const attempts: Parameters<typeof planSensorHistory>[0][] = [
      { ...base, stream: 'sensors', source: "light_level' OR robot_id = 'r2" },
      { ...base, stream: 'sensors', source: 'x\nDROP MEASUREMENT sensors' },
      { ...base, stream: 'servos', servoId: "1' OR '1'='1" },
      { ...base, stream: 'servos', source: '1 OR 1=1' },
      { ...base, stream: 'servos', fields: ['position") FROM "servos"; DROP MEASUREMENT "servos'] },
      { ...base, stream: 'servos', fields: ['*'] },
      { ...base, stream: 'servos; DROP MEASUREMENT servos' },
      { ...base, stream: 'servos', resolution: '1m), "robot_id' },
      { ...base, stream: 'servos', resolution: 'toString' },
      { robotId: 'r1', stream: 'servos', from: '0 OR 1=1', to: T0 },
      { robotId: 'r1', stream: 'servos', from: T0, to: `${T0}ms OR time > 0` },
      { robotId: 'r1', stream: 'servos', from: T0 + 0.5, to: T0 + 1000 },
      { ...base, stream: 'servos', limit: '10; DROP MEASUREMENT servos' },
    ]
    for (const req of attempts) expect(() => planSensorHistory(req, NOW)).toThrow(InvalidQueryInput)
    expect(await measurements()).toContain('servos')
  })

  test('the same text as an escaped literal is harmless against the real InfluxDB', async () => {
    const before = await measurements()
    const countAll = async () => (await influx.query.query('SELECT count("position") FROM "servos"'))[0].values[0][1]
    const total = await countAll()
    for (const evil of [...evilIds, 'r1', 'victim\\', '\\', "'", "\\'"]) {
      const q = `SELECT * FROM ${identifier('servos')} WHERE ${identifier('robot_id')} = ${stringLiteral(evil)}`
      // Compared as one whole string, the text matches no robot: no rows at all, so nothing of r2 or victim.
      expect(await influx.query.query(q)).toEqual(evil === 'r1' ? expect.any(Array) : [])
    }
    expect(await measurements()).toEqual(before)
    expect(await countAll()).toBe(total)
  })

  test('which is not a given: pasted in unescaped, the same text leaks another robot or is stopped by the guard', async () => {
    const naive = (id: string) => `SELECT * FROM "servos" WHERE "robot_id" = '${id}'`
    const leak = await influx.query.query(naive("r1' OR robot_id = 'r2"))
    expect(leaked(leak.flatMap((s) => s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]])))))).not.toEqual([])
    // A second statement never reaches InfluxDB, whatever the builder let through.
    await expect(influx.query.query(naive("r1'; DROP MEASUREMENT servos; SELECT * FROM servos WHERE robot_id = '"))).rejects.toThrow(/one statement/)
    expect(await measurements()).toContain('servos')
  })
})

describe("InfluxDB's errors", () => {
  test('a statement InfluxDB refuses comes back with its message', async () => {
    const err = await influx.query.query('SELECT * FROM').catch((e) => e)
    expect(err).toBeInstanceOf(InfluxQueryError)
    expect((err as InfluxQueryError).influxMessage).toContain('error parsing query')
  })

  test('wrong credentials and an unreachable InfluxDB are told apart', async () => {
    const wrong = new InfluxQuery({ url: influx.service.url, db: influx.service.db, user: influx.auth.user, password: 'wrong' })
    const e1 = (await wrong.query('SHOW MEASUREMENTS').catch((e) => e)) as InfluxQueryError
    expect([e1.status, e1.influxMessage]).toEqual([401, 'authorization failed'])
    const gone = new InfluxQuery({ url: 'http://127.0.0.1:1', db: 'tonypi', timeoutMs: 2000 })
    const e2 = (await gone.query('SHOW MEASUREMENTS').catch((e) => e)) as InfluxQueryError
    expect(e2.status).toBe(0)
    expect(e2.message).toContain('no answer')
  })
})
