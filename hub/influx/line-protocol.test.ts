import { describe, expect, test } from 'bun:test'
import type { Sample } from '../../core/streams.ts'
import { encodeSamples, escapeKey, escapeMeasurement, escapeStringField, escapeTagValue, formatLine, samplePoints } from './line-protocol.ts'

describe('escaping', () => {
  test('measurement: commas and spaces, not equals signs', () => {
    expect(escapeMeasurement('a b,c=d')).toBe('a\\ b\\,c=d')
  })

  test('tag keys, tag values and field keys: commas, equals signs and spaces', () => {
    expect(escapeKey('k=1, x')).toBe('k\\=1\\,\\ x')
    expect(escapeTagValue('a b,c=d')).toBe('a\\ b\\,c\\=d')
  })

  test('string fields: double quotes and backslashes, inside quotes', () => {
    expect(escapeStringField('say "hi" \\o/')).toBe('"say \\"hi\\" \\\\o/"')
    expect(escapeStringField('two\nlines')).toBe('"two\nlines"')
  })

  // InfluxDB does not undo `\\` in names, and a trailing backslash swallows the delimiter:
  // such a name cannot arrive intact, so it is refused rather than stored mangled.
  test('names with a backslash, a newline or nothing are refused', () => {
    for (const bad of ['a\\', 'a\\b', 'a\nb', 'a\rb', 'a\u0000', '']) {
      expect(() => escapeTagValue(bad)).toThrow(/cannot be written/)
    }
  })
})

describe('formatLine', () => {
  test('sorted tags, float fields, integer ms timestamp', () => {
    const r = formatLine({
      measurement: 'servos',
      tags: { servo_id: '3', robot_id: 'r 1' },
      fields: { position: 500, voltage_v: 7.412 },
      ts: 1_700_000_000_123.4,
    })
    expect(r).toEqual({ line: 'servos,robot_id=r\\ 1,servo_id=3 position=500,voltage_v=7.412 1700000000123' })
  })

  test('string and boolean fields', () => {
    const r = formatLine({ measurement: 'm', tags: {}, fields: { s: 'a "b"', ok: true }, ts: 1 })
    expect(r).toEqual({ line: 'm s="a \\"b\\"",ok=true 1' })
  })

  test('NaN and Infinity are dropped; a line left with no field is skipped', () => {
    expect(formatLine({ measurement: 'm', tags: {}, fields: { a: NaN, b: 1 }, ts: 1 })).toEqual({ line: 'm b=1 1' })
    expect(formatLine({ measurement: 'm', tags: {}, fields: { a: NaN, b: Infinity, c: -Infinity }, ts: 1 })).toEqual({ skip: 'no_fields' })
  })

  test('empty and absent tags are left out (InfluxDB refuses an empty tag value)', () => {
    expect(formatLine({ measurement: 'm', tags: { a: '', b: undefined, c: 'x' }, fields: { v: 1 }, ts: 1 })).toEqual({ line: 'm,c=x v=1 1' })
  })

  test('bad names and timestamps are skipped with their reason', () => {
    expect(formatLine({ measurement: 'm', tags: { robot_id: 'r\\' }, fields: { v: 1 }, ts: 1 })).toEqual({ skip: 'bad_name' })
    expect(formatLine({ measurement: 'm', tags: {}, fields: { v: 1 }, ts: NaN })).toEqual({ skip: 'bad_timestamp' })
  })
})

describe('samples', () => {
  test("each stream's measurement and source tag; the robot's timestamp", () => {
    const samples: Sample[] = [
      { stream: 'servos', ts: 1000, source: '7', values: { position: 512, temperature_c: 41.5 } },
      { stream: 'sensors', ts: 1001, source: 'ultrasonic_distance', values: { value: 23.4 } },
      { stream: 'imu', ts: 1002, values: { ax: 0.01, ay: 9.8 } },
      { stream: 'battery', ts: 1003, values: { voltage_v: 7.9, percent: 81 } },
    ]
    expect(encodeSamples('tonypi-01', samples).lines).toEqual([
      'servos,robot_id=tonypi-01,servo_id=7 position=512,temperature_c=41.5 1000',
      'sensors,robot_id=tonypi-01,sensor=ultrasonic_distance value=23.4 1001',
      'imu,robot_id=tonypi-01 ax=0.01,ay=9.8 1002',
      'battery,robot_id=tonypi-01 voltage_v=7.9,percent=81 1003',
    ])
  })

  test("performance's net_* fields go to the network measurement", () => {
    const s: Sample = { stream: 'performance', ts: 5, values: { cpu_percent: 12.5, cpu0_percent: 20, net_rx_bps: 1500, net_tx_bytes: 9e9 } }
    expect(encodeSamples('r1', [s]).lines).toEqual([
      'performance,robot_id=r1 cpu_percent=12.5,cpu0_percent=20 5',
      'network,robot_id=r1 net_rx_bps=1500,net_tx_bytes=9000000000 5',
    ])
    expect(samplePoints('r1', { stream: 'performance', ts: 5, values: { net_rx_bps: 1 } }).map((p) => p.measurement)).toEqual(['network'])
  })

  test('skipped points are counted by reason', () => {
    const r = encodeSamples('r1', [
      { stream: 'battery', ts: 1, values: { voltage_v: NaN } },
      { stream: 'sensors', ts: 1, source: 'bad\nname', values: { value: 1 } },
      { stream: 'battery', ts: Infinity, values: { percent: 1 } },
      { stream: 'performance', ts: 1, values: {} },
      { stream: 'battery', ts: 1, values: { percent: 50 } },
    ])
    expect(r.lines).toEqual(['battery,robot_id=r1 percent=50 1'])
    expect(r.skipped).toEqual({ no_fields: 2, bad_name: 1, bad_timestamp: 1 })
    expect(r.skippedTotal).toBe(4)
  })
})

describe('encodeSamples', () => {
  test('makes exactly the lines formatLine makes of samplePoints, skips counted alike', () => {
    const samples: Sample[] = [
      { stream: 'servos', ts: 1_700_000_000_000, source: '3', values: { position: 512, temperature_c: 41.5, voltage_v: NaN } },
      { stream: 'servos', ts: 1_700_000_000_050, source: 'a b,c', values: { position: 1 } },
      { stream: 'imu', ts: 1_700_000_000_010, values: { ax: 0.01, ay: -9.81, az: 0.2 } },
      { stream: 'imu', ts: NaN, values: { ax: 1 } },
      { stream: 'performance', ts: 1_700_000_001_000, values: { cpu_percent: 12.5, net_rx_bytes: 1000, net_tx_bps: 20 } },
      { stream: 'performance', ts: 1_700_000_002_000, values: { net_rx_bytes: 5 } },
      { stream: 'performance', ts: 1_700_000_003_000, values: {} },
      { stream: 'sensors', ts: 1_700_000_004_000, source: 'ultrasonic', values: { value: 42 } },
      { stream: 'sensors', ts: 1_700_000_004_000, source: 'bad\\name', values: { value: 1 } },
      { stream: 'battery', ts: 1_700_000_005_000, values: { 'bad\nkey': 1, voltage_v: 7.4 } },
      { stream: 'battery', ts: 1_700_000_006_000, values: { voltage_v: Infinity } },
    ]
    const expected = { lines: [] as string[], skipped: { no_fields: 0, bad_name: 0, bad_timestamp: 0 } as Record<string, number> }
    for (const s of samples)
      for (const p of samplePoints('robot 1', s)) {
        const r = formatLine(p)
        if ('line' in r) expected.lines.push(r.line)
        else expected.skipped[r.skip]++
      }
    const got = encodeSamples('robot 1', samples)
    expect(got.lines).toEqual(expected.lines)
    expect(got.skipped).toEqual(expected.skipped as typeof got.skipped)
    expect(got.skippedTotal).toBe(Object.values(expected.skipped).reduce((a, b) => a + b, 0))
  })
})
