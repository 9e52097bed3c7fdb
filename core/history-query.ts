// What a history request (`GET robot/sensors`) may ask, the same of the edge's store and the
// hub's InfluxDB: resolutions, and which fields of a stream. A chart asks for about one point
// per pixel it has, and only the fields it draws.
import type { StreamName } from './streams.ts'

/** Bucket widths in ms; `raw` is every sample. */
export const HISTORY_RESOLUTIONS: Readonly<Record<string, number>> = {
  raw: 0,
  '1s': 1_000,
  '2s': 2_000,
  '5s': 5_000,
  '10s': 10_000,
  '15s': 15_000,
  '30s': 30_000,
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
}

/** Buckets under a minute are made from raw samples: worth it for windows up to an hour. */
export const FINE_WINDOW_MAX_MS = 3_600_000

/** The resolution's name for a bucket width (e.g. 2000 -> '2s'). */
export function resolutionName(bucketMs: number): string {
  return Object.keys(HISTORY_RESOLUTIONS).find((k) => HISTORY_RESOLUTIONS[k] === bucketMs) ?? `${bucketMs / 60_000}m`
}

/** The fields each stream may be asked for; `performance` also has one `cpuN_percent` per core. */
export const STREAM_FIELDS: Readonly<Record<StreamName, readonly string[]>> = {
  servos: ['position', 'temperature_c', 'voltage_v', 'torque'],
  imu: ['ax', 'ay', 'az', 'gx', 'gy', 'gz', 'temp_c'],
  battery: ['voltage_v', 'percent'],
  performance: [
    'cpu_percent',
    'load_1',
    'load_5',
    'load_15',
    'mem_percent',
    'mem_total_bytes',
    'mem_used_bytes',
    'disk_total_bytes',
    'disk_used_bytes',
    'disk_free_bytes',
    'disk_percent',
    'cpu_temp_c',
    'net_rx_bytes',
    'net_tx_bytes',
    'net_rx_bps',
    'net_tx_bps',
    'uptime_s',
    'throttled',
  ],
  sensors: ['value'],
}
const PER_CORE_FIELD = /^cpu\d{1,3}_percent$/

/** `fields` checked against the stream, or the reason it cannot be; undefined asks for all. */
export function checkFields(stream: StreamName, fields: readonly string[] | undefined): { ok: true; fields: string[] | null } | { ok: false; message: string } {
  if (fields === undefined) return { ok: true, fields: null }
  const out = [...new Set(fields)]
  if (out.length === 0) return { ok: false, message: 'name at least one field, or leave it out for all' }
  const allowed = STREAM_FIELDS[stream]
  for (const f of out) {
    if (typeof f !== 'string' || !(allowed.includes(f) || (stream === 'performance' && PER_CORE_FIELD.test(f)))) {
      return { ok: false, message: `${stream} has the fields ${allowed.join(', ')}${stream === 'performance' ? ', cpuN_percent' : ''}` }
    }
  }
  return { ok: true, fields: out }
}

/** A `fields` query parameter ("a,b") as a list; undefined when absent. */
export function parseFieldsParam(v: string | undefined): string[] | undefined {
  return v === undefined
    ? undefined
    : v
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean)
}
