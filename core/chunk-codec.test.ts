import { describe, expect, test } from 'bun:test'
import { decodeChunk, encodeChunk } from './chunk-codec.ts'
import type { Sample } from './streams.ts'

describe('chunk codec', () => {
  test('round-trips servo sweeps with sparse fields and several sources', () => {
    const samples: Sample[] = []
    for (let k = 0; k < 20; k++) {
      for (let id = 1; id <= 16; id++) {
        const values: Record<string, number> = { position: 500 + id * 3 - k }
        if (k === 0) {
          values.temperature_c = 30 + id / 10
          values.voltage_v = 7.412
        }
        samples.push({ stream: 'servos', ts: 1_700_000_000_000 + k * 50, source: String(id), values })
      }
    }
    const enc = encodeChunk('servos', samples)
    expect(enc.n).toBe(320)
    expect(enc.t0).toBe(1_700_000_000_000)
    expect(enc.t1).toBe(1_700_000_000_950)
    expect(decodeChunk('servos', enc.data)).toEqual(samples)
  })

  test('quantises to the field resolution and keeps negative values', () => {
    const s: Sample[] = [
      { stream: 'imu', ts: 10, values: { ax: -0.12345, ay: 9.80665, az: 0.0002 } },
      { stream: 'imu', ts: 20, values: { ax: 0.5, ay: -9.8, az: 1e-9 } },
    ]
    const out = decodeChunk('imu', encodeChunk('imu', s).data)
    expect(out[0].values.ax).toBe(-0.124)
    expect(out[0].values.ay).toBe(9.806)
    expect(out[1].values.ay).toBe(-9.8)
    expect(out[1].values.az).toBe(0)
  })

  test('sorts samples by time and keeps large counters exact', () => {
    const s: Sample[] = [
      { stream: 'performance', ts: 2000, values: { net_rx_bytes: 9_007_199_254_7 } },
      { stream: 'performance', ts: 1000, values: { net_rx_bytes: 1_234_567_890_123 } },
    ]
    const out = decodeChunk('performance', encodeChunk('performance', s).data)
    expect(out.map((x) => x.ts)).toEqual([1000, 2000])
    expect(out[0].values.net_rx_bytes).toBe(1_234_567_890_123)
    expect(out[1].values.net_rx_bytes).toBe(9_007_199_254_7)
  })

  test('an idle servo stream packs to under half a byte per sample', () => {
    const samples: Sample[] = []
    for (let k = 0; k < 20; k++)
      for (let id = 1; id <= 16; id++) {
        samples.push({ stream: 'servos', ts: 1_700_000_000_000 + k * 50, source: String(id), values: { position: 500 } })
      }
    expect(encodeChunk('servos', samples).data.length).toBeLessThan(320 / 2)
  })

  test('rejects an unknown version and truncated data', () => {
    expect(() => decodeChunk('imu', new Uint8Array([9, 1, 2]))).toThrow(/version/)
    const enc = encodeChunk('battery', [{ stream: 'battery', ts: 5, values: { voltage_v: 7.4 } }])
    expect(() => decodeChunk('battery', enc.data.subarray(0, enc.data.length - 2))).toThrow()
  })
})
