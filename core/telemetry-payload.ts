// The JSON payloads of the robot topic tree (`tonypi/{id}/servos|imu|battery|performance|
// sensors`), both ways: the edge encodes its samples, the hub decodes them back. Kept in
// one file so the two ends cannot drift apart.
import type { Sample } from './streams.ts'
import { attitudeFromAccel } from './units.ts'
import { isObj } from './json-object.ts'

export class TelemetryPayloadError extends Error {}

export function encodeTelemetry(robotId: string, stream: Sample['stream'], samples: Sample[]): Record<string, unknown> {
  const ts = samples[samples.length - 1].ts
  switch (stream) {
    case 'servos':
      return { robot_id: robotId, ts, servos: samples.map((s) => ({ id: Number(s.source), ts: s.ts, ...s.values })) }
    case 'imu': {
      const v = samples[samples.length - 1].values
      const accel: [number, number, number] = [v.ax, v.ay, v.az]
      return { robot_id: robotId, ts, accel, gyro: [v.gx, v.gy, v.gz], temp_c: v.temp_c, ...attitudeFromAccel(accel) }
    }
    case 'sensors':
      return { robot_id: robotId, ts, sensors: samples.map((s) => ({ sensor: s.source, ts: s.ts, ...s.values })) }
    default:
      return { robot_id: robotId, ts, ...Object.assign({}, ...samples.map((s) => s.values)) }
  }
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

// Field names already seen to be valid: the same dozen arrive thousands of times a second.
const validNames = new Set<string>()
const NAME = /^[a-z][a-z0-9_]{0,47}$/

function validName(k: string): boolean {
  if (validNames.has(k)) return true
  if (!NAME.test(k)) return false
  if (validNames.size < 1024) validNames.add(k)
  return true
}

function numbers(o: Record<string, unknown>, skip: Set<string>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const k in o) {
    const v = o[k]
    if (!skip.has(k) && finite(v) && validName(k)) out[k] = v
  }
  return out
}

function tsOf(v: unknown, what: string): number {
  if (!finite(v) || v < 1e12 || v > 1e13) throw new TelemetryPayloadError(`${what}: ts is not epoch milliseconds`)
  return Math.round(v)
}

const META = new Set(['robot_id', 'ts', 'id', 'sensor', 'roll_deg', 'pitch_deg'])

/** Samples from a robot-topic payload; throws TelemetryPayloadError with the reason. */
export function decodeTelemetry(stream: Sample['stream'], payload: unknown): Sample[] {
  if (!isObj(payload)) throw new TelemetryPayloadError('payload is not a JSON object')
  const ts = tsOf(payload.ts, stream)
  switch (stream) {
    case 'servos': {
      if (!Array.isArray(payload.servos)) throw new TelemetryPayloadError('servos is not an array')
      return payload.servos.map((s, i) => {
        if (!isObj(s) || !Number.isInteger(s.id) || (s.id as number) < 0 || (s.id as number) > 253) throw new TelemetryPayloadError(`servos[${i}]: bad id`)
        return { stream, ts: s.ts === undefined ? ts : tsOf(s.ts, `servos[${i}]`), source: String(s.id), values: numbers(s, META) }
      })
    }
    case 'imu': {
      const a = payload.accel
      const g = payload.gyro
      if (!Array.isArray(a) || a.length !== 3 || !a.every(finite) || !Array.isArray(g) || g.length !== 3 || !g.every(finite)) {
        throw new TelemetryPayloadError('imu: accel and gyro must be three numbers each')
      }
      const values: Record<string, number> = { ax: a[0], ay: a[1], az: a[2], gx: g[0], gy: g[1], gz: g[2] }
      if (finite(payload.temp_c)) values.temp_c = payload.temp_c
      return [{ stream, ts, values }]
    }
    case 'sensors': {
      if (!Array.isArray(payload.sensors)) throw new TelemetryPayloadError('sensors is not an array')
      return payload.sensors.map((s, i) => {
        if (!isObj(s) || typeof s.sensor !== 'string' || !/^[a-z][a-z0-9_]{0,47}$/.test(s.sensor))
          throw new TelemetryPayloadError(`sensors[${i}]: bad sensor name`)
        return { stream, ts: s.ts === undefined ? ts : tsOf(s.ts, `sensors[${i}]`), source: s.sensor, values: numbers(s, META) }
      })
    }
    default: {
      const values = numbers(payload, META)
      if (!Object.keys(values).length) throw new TelemetryPayloadError(`${stream}: no numeric field`)
      return [{ stream, ts, values }]
    }
  }
}
