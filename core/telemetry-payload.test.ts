import { describe, expect, test } from 'bun:test'
import type { Sample } from './streams.ts'
import { decodeTelemetry, encodeTelemetry, TelemetryPayloadError } from './telemetry-payload.ts'

const T = 1_790_000_000_000

describe('robot topic payloads', () => {
  test('round-trip every stream', () => {
    const cases: Sample[][] = [
      [
        { stream: 'servos', ts: T, source: '1', values: { position: 500 } },
        { stream: 'servos', ts: T, source: '2', values: { position: 390, temperature_c: 31 } },
      ],
      [{ stream: 'imu', ts: T, values: { ax: 0.1, ay: 9.8, az: -0.2, gx: 1, gy: 2, gz: 3, temp_c: 30 } }],
      [{ stream: 'battery', ts: T, values: { voltage_v: 7.9, percent: 80 } }],
      [{ stream: 'performance', ts: T, values: { cpu_percent: 12, cpu0_percent: 10, net_rx_bps: 2000 } }],
      [{ stream: 'sensors', ts: T, source: 'ultrasonic_distance', values: { value: 42 } }],
    ]
    for (const samples of cases) {
      const payload = JSON.parse(JSON.stringify(encodeTelemetry('r1', samples[0].stream, samples)))
      expect(decodeTelemetry(samples[0].stream, payload)).toEqual(samples)
    }
  })

  test('malformed payloads give a reason', () => {
    expect(() => decodeTelemetry('battery', 'x')).toThrow(TelemetryPayloadError)
    expect(() => decodeTelemetry('battery', { ts: 'now', voltage_v: 7 })).toThrow(/epoch milliseconds/)
    expect(() => decodeTelemetry('battery', { ts: T })).toThrow(/no numeric field/)
    expect(() => decodeTelemetry('servos', { ts: T, servos: [{ id: 999 }] })).toThrow(/bad id/)
    expect(() => decodeTelemetry('imu', { ts: T, accel: [1, 2], gyro: [1, 2, 3] })).toThrow(/three numbers/)
    expect(() => decodeTelemetry('sensors', { ts: T, sensors: [{ sensor: 'DROP TABLE' }] })).toThrow(/bad sensor name/)
  })
})
