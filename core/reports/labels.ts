// The words and number formats of a report, one table for the dashboard and the PDF: what each
// report type and measure is called, with its unit and digits, how times and ranges are
// written. report-layout.ts builds both from it, so a figure reads the same on the screen and
// on paper.
import type { FieldFigures, ReportType, TimeToLimitBasis } from './figures.ts'

export const REPORT_TYPE_LABEL: Record<ReportType, string> = { performance: 'Performance', job: 'Jobs', maintenance: 'Maintenance' }

/** "Performance", or the type itself for one this version does not know. */
export function reportTypeLabel(type: string): string {
  return REPORT_TYPE_LABEL[type as ReportType] ?? type
}

export interface Measure {
  label: string
  unit: string
  /** Digits its values are shown with; a trend gets two more (a slow drift is what it is for). */
  digits: number
}

/** Every measured series a report states. */
export const MEASURES = {
  servo_temperature: { label: 'Temperature', unit: '°C', digits: 1 },
  servo_voltage: { label: 'Voltage', unit: 'V', digits: 3 },
  cpu_percent: { label: 'CPU', unit: '%', digits: 1 },
  mem_percent: { label: 'Memory', unit: '%', digits: 1 },
  cpu_temp_c: { label: 'CPU temperature', unit: '°C', digits: 1 },
  battery_percent: { label: 'Battery charge', unit: '%', digits: 1 },
  battery_voltage: { label: 'Battery voltage', unit: 'V', digits: 3 },
} as const satisfies Record<string, Measure>

/** Hours to the servo limit when no number can be given, in words. */
export const TIME_TO_LIMIT_WORDS: Record<TimeToLimitBasis, string> = {
  heating: 'heating',
  flat: 'flat',
  cooling: 'cooling',
  not_enough_data: 'no trend',
  at_or_over_limit: 'at limit',
}

export const dash = '–'

export const num = (v: number | null | undefined, digits: number) => (v === null || v === undefined || !Number.isFinite(v) ? dash : v.toFixed(digits))

/** Reports state times in UTC, said once in their headings: "2026-01-05 14:03". */
export const utc = (ts: number | string | null | undefined) => {
  if (ts === null || ts === undefined) return dash
  const d = new Date(ts)
  return Number.isNaN(d.getTime()) ? dash : d.toISOString().slice(0, 16).replace('T', ' ')
}

export const range = (f: FieldFigures | null | undefined, digits: number) =>
  f ? `${num(f.min, digits)} / ${num(f.mean, digits)} / ${num(f.max, digits)}` : dash

export const trend = (f: FieldFigures | null | undefined, digits: number) =>
  f && f.trend_per_h !== null ? `${f.trend_per_h > 0 ? '+' : ''}${f.trend_per_h.toFixed(digits)}` : dash

/** "critical 2, warning 1", with the record's words made readable. */
export const countsLine = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`)
    .join(', ') || 'none'

/** "4 alerts", "1 alert". */
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`
