// What can be charted from `robot/sensors`: each stream's fields with units, as the edge
// stores them (core/streams.ts).
import { FINE_WINDOW_MAX_MS, HISTORY_RESOLUTIONS } from '../../core/history-query.ts'
import type { StreamName } from '../lib/types.ts'

export interface FieldDef {
  label: string
  unit: string
  digits: number
  /** The smallest span the value axis shows, so sensor noise reads as noise. */
  minRange: number
}

export interface StreamDef {
  label: string
  perServo?: boolean
  fields: Record<string, FieldDef>
}

export const HISTORY_STREAMS: Partial<Record<StreamName, StreamDef>> = {
  servos: {
    label: 'Servos',
    perServo: true,
    fields: {
      position: { label: 'Position', unit: '', digits: 0, minRange: 10 },
      temperature_c: { label: 'Temperature', unit: '\u00b0C', digits: 1, minRange: 2 },
      voltage_v: { label: 'Voltage', unit: 'V', digits: 2, minRange: 0.2 },
    },
  },
  battery: {
    label: 'Battery',
    fields: { voltage_v: { label: 'Voltage', unit: 'V', digits: 2, minRange: 0.2 }, percent: { label: 'Charge', unit: '%', digits: 0, minRange: 5 } },
  },
  imu: {
    label: 'IMU',
    fields: {
      ax: { label: 'Accel x', unit: 'm/s\u00b2', digits: 2, minRange: 0.5 },
      ay: { label: 'Accel y', unit: 'm/s\u00b2', digits: 2, minRange: 0.5 },
      az: { label: 'Accel z', unit: 'm/s\u00b2', digits: 2, minRange: 0.5 },
      gx: { label: 'Gyro x', unit: '\u00b0/s', digits: 2, minRange: 2 },
      gy: { label: 'Gyro y', unit: '\u00b0/s', digits: 2, minRange: 2 },
      gz: { label: 'Gyro z', unit: '\u00b0/s', digits: 2, minRange: 2 },
      temp_c: { label: 'IMU temperature', unit: '\u00b0C', digits: 1, minRange: 2 },
    },
  },
  performance: {
    label: 'Raspberry Pi',
    fields: {
      cpu_percent: { label: 'CPU', unit: '%', digits: 1, minRange: 10 },
      mem_percent: { label: 'Memory', unit: '%', digits: 1, minRange: 5 },
      disk_percent: { label: 'Disk', unit: '%', digits: 1, minRange: 5 },
      cpu_temp_c: { label: 'CPU temperature', unit: '\u00b0C', digits: 1, minRange: 5 },
      load_1: { label: 'Load (1 min)', unit: '', digits: 2, minRange: 0.5 },
      net_rx_bps: { label: 'Network receive', unit: 'B/s', digits: 0, minRange: 1000 },
      net_tx_bps: { label: 'Network send', unit: 'B/s', digits: 0, minRange: 1000 },
    },
  },
}

export const HISTORY_WINDOWS: { label: string; ms: number }[] = [
  { label: '5 minutes', ms: 5 * 60_000 },
  { label: '15 minutes', ms: 15 * 60_000 },
  { label: '1 hour', ms: 3_600_000 },
  { label: '6 hours', ms: 6 * 3_600_000 },
  { label: '24 hours', ms: 24 * 3_600_000 },
  { label: '7 days', ms: 7 * 86_400_000 },
  { label: '30 days', ms: 30 * 86_400_000 },
]

/** What the battery sparklines span. */
export const BATTERY_SPAN_MS = 600_000

/** A sparkline's width, about: what its history is fetched for before it is drawn. */
export const SPARKLINE_PX = 320

/**
 * The resolution for a chart `widthPx` wide over `windowMs`: the coarsest bucket no wider than
 * two pixels (the min..max band keeps every peak), raw when the samples are that sparse anyway.
 */
export function chartResolution(windowMs: number, widthPx: number): string {
  const perBucket = (2 * windowMs) / Math.max(1, widthPx)
  let best = 'raw'
  for (const [name, ms] of Object.entries(HISTORY_RESOLUTIONS)) {
    if (ms === 0 || ms > perBucket) continue
    if (ms < 60_000 && windowMs > FINE_WINDOW_MAX_MS) continue
    if (ms > (HISTORY_RESOLUTIONS[best] ?? 0)) best = name
  }
  // Past an hour there are only rollups, at least a minute wide.
  return best === 'raw' && windowMs > FINE_WINDOW_MAX_MS ? '1m' : best
}
