// Sample streams: what the collector measures, the bus carries and the store packs.
// Each field has a resolution so the store can pack values as small integers without
// losing anything the hardware can resolve.

export const STREAM_NAMES = ['servos', 'imu', 'battery', 'performance', 'sensors'] as const
export type StreamName = (typeof STREAM_NAMES)[number]

/**
 * One measurement of one source at one time. `source` tells apart things of one stream
 * (a servo id, a sensor name); absent values are absent, never zero.
 */
export interface Sample {
  stream: StreamName
  ts: number
  source?: string
  values: Record<string, number>
}

/** Resolution per field: finer than what the hardware can tell apart. LX positions are
 * integers and voltages millivolts; the MPU6050's noise (about 0.4 mg/sqrt(Hz), so ~0.03
 * m/s^2 rms at its default bandwidth, and ~0.03 deg/s for the gyro) is ten times coarser
 * than the 0.002 m/s^2 and 0.01 deg/s kept here. */
const RESOLUTION: Record<StreamName, Record<string, number>> = {
  servos: { position: 1, temperature_c: 0.1, voltage_v: 0.001, torque: 1 },
  imu: { ax: 0.002, ay: 0.002, az: 0.002, gx: 0.01, gy: 0.01, gz: 0.01, temp_c: 0.01 },
  battery: { voltage_v: 0.001, percent: 0.1 },
  performance: {
    cpu_percent: 0.1,
    load_1: 0.01,
    load_5: 0.01,
    load_15: 0.01,
    mem_percent: 0.1,
    mem_total_bytes: 1,
    mem_used_bytes: 1,
    disk_total_bytes: 1,
    disk_used_bytes: 1,
    disk_percent: 0.1,
    cpu_temp_c: 0.1,
    net_rx_bytes: 1,
    net_tx_bytes: 1,
    net_rx_bps: 1,
    net_tx_bps: 1,
    uptime_s: 1,
    throttled: 1,
  },
  sensors: { value: 0.001 },
}

export function fieldResolution(stream: StreamName, field: string): number {
  const r = RESOLUTION[stream][field]
  if (r !== undefined) return r
  if (field.endsWith('_percent')) return 0.1
  if (field.endsWith('_bytes') || field.endsWith('_bps')) return 1
  return 0.001
}

export function isStreamName(s: string): s is StreamName {
  return (STREAM_NAMES as readonly string[]).includes(s)
}
