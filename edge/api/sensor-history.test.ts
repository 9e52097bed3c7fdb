import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../core/log.ts'
import { openEdgeDatabase } from '../store/database.ts'
import { SampleStore } from '../store/sample-store.ts'
import { sensorHistory } from './sensor-history.ts'

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)
const NOW = T0 + 10 * 60_000
let dir: string
let store: SampleStore

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sensor-history-'))
  store = new SampleStore(openEdgeDatabase(join(dir, 'edge.db')), { quotaBytes: 1e9, retentionRawMs: 1e12, retentionRollupMs: 1e12, log: silentLogger })
  // Ten minutes: performance at 1 Hz, two servos at 20 Hz with their health at 1 Hz.
  for (let s = 0; s < 600; s++) {
    const base = T0 + s * 1000
    store.add({
      stream: 'performance',
      ts: base,
      values: { cpu_percent: s % 10, mem_percent: 40, cpu0_percent: 7, disk_used_bytes: 8e9 + s, net_rx_bps: 1000 + s },
    })
    for (let k = 0; k < 20; k++)
      for (const id of [1, 2]) store.add({ stream: 'servos', ts: base + k * 50, source: String(id), values: { position: 500 + id + k } })
    for (const id of [1, 2]) store.add({ stream: 'servos', ts: base + 500, source: String(id), values: { temperature_c: 40 + id, voltage_v: 7.4 } })
    store.flush(base + 1000)
  }
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('robot/sensors on the edge', () => {
  test('a sparkline of ten minutes at 2 s: about a pixel a point, only the fields it draws', () => {
    const h = sensorHistory(store, { stream: 'performance', from: T0, to: T0 + 600_000 - 1, resolution: '2s', fields: ['cpu_percent', 'net_rx_bps'] }, NOW)
    expect(h.resolution).toBe('2s')
    expect(h.points).toHaveLength(300)
    expect(h.points[1]).toEqual({
      ts: T0 + 2000,
      n: 2,
      cpu_percent: 2.5,
      cpu_percent_min: 2,
      cpu_percent_max: 3,
      net_rx_bps: 1002.5,
      net_rx_bps_min: 1002,
      net_rx_bps_max: 1003,
    })
  })

  test('a servo chart of fifteen minutes at 1 s: min, mean and max of twenty sweeps, per servo', () => {
    const h = sensorHistory(store, { stream: 'servos', source: '2', from: T0, to: T0 + 60_000 - 1, resolution: '1s', fields: ['position'] }, NOW)
    expect(h.points).toHaveLength(60)
    expect(h.points[0]).toEqual({ ts: T0, servo_id: 2, n: 20, position: 511.5, position_min: 502, position_max: 521 })
  })

  test('fields narrow raw points and minute rollups too; raw points without them are left out', () => {
    const raw = sensorHistory(store, { stream: 'servos', source: '1', from: T0, to: T0 + 999, fields: ['temperature_c'] }, NOW)
    expect(raw.points).toEqual([{ ts: T0 + 500, servo_id: 1, temperature_c: 41 }])
    const minute = sensorHistory(store, { stream: 'performance', from: T0, to: T0 + 120_000 - 1, resolution: '1m', fields: ['mem_percent'] }, NOW)
    expect(minute.points).toEqual([
      { ts: T0, n: 60, mem_percent: 40, mem_percent_min: 40, mem_percent_max: 40 },
      { ts: T0 + 60_000, n: 60, mem_percent: 40, mem_percent_min: 40, mem_percent_max: 40 },
    ])
  })

  test('refused with the reason: an unknown field, fine buckets over a long window, an unknown resolution', () => {
    expect(() => sensorHistory(store, { stream: 'servos', fields: ['colour'] }, NOW)).toThrow(
      /fields: servos has the fields position, temperature_c, voltage_v, torque/,
    )
    expect(() => sensorHistory(store, { stream: 'servos', from: T0 - 2 * 3_600_000, to: T0, resolution: '5s' }, NOW)).toThrow(
      /under a minute are served for windows up to 60 minutes/,
    )
    expect(() => sensorHistory(store, { stream: 'servos', resolution: '3s' }, NOW)).toThrow(/resolution must be auto or one of raw, 1s, 2s/)
  })
})
