// The numbers a report states, computed from data a store hands over through `ReportInput`.
// Pure: the edge fills the input from SQLite, the hub from its own databases; both get the
// same figures, and the narrative is checked against exactly these.
import { downsample, linearTrend, roundTo, seriesStats, type Bucket, type SeriesStats, type Trend } from './series.ts'
import type { ReportWindow } from './time-range.ts'

export const REPORT_TYPES = ['performance', 'job', 'maintenance'] as const
export type ReportType = (typeof REPORT_TYPES)[number]
export const isReportType = (s: unknown): s is ReportType => (REPORT_TYPES as readonly unknown[]).includes(s)

export interface ServoSeries {
  id: string
  name?: string
  temperature_c: Bucket[]
  voltage_v: Bucket[]
}

export interface AlertRecord {
  id: number
  type: string
  severity: string
  source: string
  title: string
  value: number | null
  threshold: number | null
  created_at: number
  acknowledged: boolean
  resolved: boolean
  resolved_at: number | null
}

export interface JobRecord {
  id: number
  task_name: string
  status: string
  items_done: number | null
  items_total: number | null
  percent: number | null
  reason: string | null
  started_at: number
  finished_at: number | null
}

export interface SyncHealth {
  backlog_records: number
  lag_s: number | null
  last_sync_at: number | null
  dropped_records?: number
}

export interface ReportLimits {
  servo_temperature_critical_c: number
  /** Where the limit came from (an alert rule, or the default), so a reader can tell. */
  source: string
}

export interface ReportInput {
  robotId: string
  window: ReportWindow
  limits: ReportLimits
  servos: ServoSeries[]
  battery?: { percent: Bucket[]; voltage_v: Bucket[] } | null
  /** The host's CPU, memory and temperature (the Pi's on the edge). */
  system?: { cpu_percent: Bucket[]; mem_percent: Bucket[]; cpu_temp_c: Bucket[] } | null
  /** Uptime counter of the host (seconds); a drop between buckets is a restart. */
  systemUptimeS?: Bucket[]
  /** Minutes of the window in which anything was recorded. */
  activeMinutes?: number | null
  /** When the monitoring service itself started. */
  serviceStartedAt?: number | null
  alerts: AlertRecord[]
  jobs: JobRecord[]
  /** Absent or null where there is no sync (an edge not yet paired with a hub). */
  sync?: SyncHealth | null
}

// --- Output --------------------------------------------------------------------------------

export interface FieldFigures {
  min: number
  mean: number
  max: number
  last: number
  samples: number
  trend_per_h: number | null
  trend_span_min: number | null
}

export type TimeToLimitBasis = 'heating' | 'at_or_over_limit' | 'flat' | 'cooling' | 'not_enough_data'

export interface ServoFigures {
  id: string
  name: string | null
  temperature_c: FieldFigures | null
  voltage_v: FieldFigures | null
  /** Hours until the temperature reaches the critical limit at the current trend; null unless heating. */
  time_to_limit_h?: number | null
  time_to_limit_basis?: TimeToLimitBasis
}

export interface AlertFigures {
  total: number
  open: number
  acknowledged: number
  by_severity: Record<string, number>
  by_type: Record<string, number>
  mean_time_to_resolve_min: number | null
  items?: AlertRecord[]
  items_omitted?: number
}

export interface JobFigures {
  total: number
  by_status: Record<string, number>
  /** Completed out of those that ended (completed, failed, cancelled). */
  success_rate_percent: number | null
  mean_duration_min: number | null
  items_done: number
  items?: (JobRecord & { duration_min: number | null })[]
  items_omitted?: number
}

export interface UptimeFigures {
  window_h: number
  data_coverage_percent: number | null
  restarts: number | null
  system_uptime_h: number | null
  service_uptime_h: number | null
}

export interface BatteryFigures {
  percent: FieldFigures | null
  voltage_v: FieldFigures | null
  /** Hours until empty at the current discharge trend; null unless discharging. */
  time_to_empty_h: number | null
}

export interface SystemFigures {
  cpu_percent: FieldFigures | null
  mem_percent: FieldFigures | null
  cpu_temp_c: FieldFigures | null
}

export interface ReportFigures {
  robot_id: string
  report_type: ReportType
  window: { from: string; to: string; hours: number; preset: string | null }
  limits: ReportLimits
  servos?: ServoFigures[]
  system?: SystemFigures | null
  battery?: BatteryFigures | null
  uptime: UptimeFigures
  alerts: AlertFigures
  jobs?: JobFigures
  /** null: this robot does not sync (or no figures were available). */
  sync?: SyncHealth | null
}

/** Drawing data for the charts: kept beside the figures, not in the prompt. */
export interface ReportCharts {
  servo_temperature: { id: string; name: string | null; points: [number, number][] }[]
}

export interface ReportContents {
  figures: ReportFigures
  charts: ReportCharts
}

// --- What each report type holds -----------------------------------------------------------

interface Sections {
  servos: boolean
  system: boolean
  battery: boolean
  alertItems: boolean
  jobs: 'none' | 'summary' | 'items'
  sync: boolean
}

export const REPORT_SECTIONS: Record<ReportType, Sections> = {
  performance: { servos: true, system: true, battery: true, alertItems: false, jobs: 'summary', sync: true },
  job: { servos: false, system: false, battery: false, alertItems: true, jobs: 'items', sync: false },
  maintenance: { servos: true, system: false, battery: true, alertItems: true, jobs: 'none', sync: true },
}

/** Slopes below this (per hour) are measurement noise for a servo's integer-degree sensor. */
export const FLAT_TEMPERATURE_TREND_C_PER_H = 0.1
const FLAT_BATTERY_TREND_PERCENT_PER_H = 0.5
const MAX_LISTED = 50
export const MAX_CHART_POINTS = 90

const PRECISION: Record<string, number> = { temperature_c: 0.1, voltage_v: 0.001, percent: 0.1, cpu_percent: 0.1, mem_percent: 0.1, cpu_temp_c: 0.1 }

function fieldFigures(buckets: readonly Bucket[] | undefined, step: number): FieldFigures | null {
  const s: SeriesStats | null = seriesStats(buckets ?? [])
  if (!s) return null
  const t: Trend | null = linearTrend(buckets ?? [])
  return {
    min: roundTo(s.min, step),
    mean: roundTo(s.mean, step),
    max: roundTo(s.max, step),
    last: roundTo(s.last, step),
    samples: s.samples,
    // Two more digits than the value: a slow drift is what a trend is for.
    trend_per_h: t ? roundTo(t.per_hour, step / 100) : null,
    trend_span_min: t ? roundTo(t.span_min, 0.1) : null,
  }
}

export function timeToLimit(temp: FieldFigures | null, limitC: number): { hours: number | null; basis: TimeToLimitBasis } {
  if (!temp) return { hours: null, basis: 'not_enough_data' }
  if (temp.last >= limitC) return { hours: 0, basis: 'at_or_over_limit' }
  if (temp.trend_per_h === null) return { hours: null, basis: 'not_enough_data' }
  if (temp.trend_per_h < -FLAT_TEMPERATURE_TREND_C_PER_H) return { hours: null, basis: 'cooling' }
  if (temp.trend_per_h <= FLAT_TEMPERATURE_TREND_C_PER_H) return { hours: null, basis: 'flat' }
  return { hours: roundTo((limitC - temp.last) / temp.trend_per_h, 0.1), basis: 'heating' }
}

const iso = (ts: number) => new Date(ts).toISOString()

/** The window as a report states it (robot and fleet reports alike). */
export function windowFigures(w: ReportWindow): ReportFigures['window'] {
  return { from: iso(w.from), to: iso(w.to), hours: roundTo((w.to - w.from) / 3_600_000, 0.01), preset: w.preset }
}
const count = <T>(xs: readonly T[], key: (x: T) => string) => {
  const out: Record<string, number> = {}
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1
  return out
}
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null)
const roundOrNull = (v: number | null, step: number) => (v === null ? null : roundTo(v, step))

function alertFigures(all: readonly AlertRecord[], w: ReportWindow, withItems: boolean): AlertFigures {
  // Active at some moment of the window: raised before it ended, not resolved before it began.
  const xs = all
    .filter((a) => a.created_at <= w.to && !(a.resolved && a.resolved_at !== null && a.resolved_at < w.from))
    .sort((a, b) => b.created_at - a.created_at || b.id - a.id)
  const resolveTimes = xs.filter((a) => a.resolved && a.resolved_at !== null).map((a) => (a.resolved_at! - a.created_at) / 60_000)
  const out: AlertFigures = {
    total: xs.length,
    open: xs.filter((a) => !a.resolved).length,
    acknowledged: xs.filter((a) => a.acknowledged).length,
    by_severity: count(xs, (a) => a.severity),
    by_type: count(xs, (a) => a.type),
    mean_time_to_resolve_min: roundOrNull(mean(resolveTimes), 0.1),
  }
  if (withItems) {
    out.items = xs.slice(0, MAX_LISTED).map((a) => ({ ...a }))
    out.items_omitted = Math.max(0, xs.length - MAX_LISTED)
  }
  return out
}

function jobFigures(all: readonly JobRecord[], w: ReportWindow, withItems: boolean): JobFigures {
  const xs = all
    .filter((j) => j.started_at <= w.to && (j.finished_at === null || j.finished_at >= w.from))
    .sort((a, b) => b.started_at - a.started_at || b.id - a.id)
  const ended = xs.filter((j) => ['completed', 'failed', 'cancelled'].includes(j.status))
  const completed = ended.filter((j) => j.status === 'completed').length
  const durations = ended.filter((j) => j.finished_at !== null).map((j) => (j.finished_at! - j.started_at) / 60_000)
  const out: JobFigures = {
    total: xs.length,
    by_status: count(xs, (j) => j.status),
    success_rate_percent: ended.length ? roundTo((completed / ended.length) * 100, 0.1) : null,
    mean_duration_min: roundOrNull(mean(durations), 0.1),
    items_done: xs.reduce((a, j) => a + (j.items_done ?? 0), 0),
  }
  if (withItems) {
    out.items = xs
      .slice(0, MAX_LISTED)
      .map((j) => ({ ...j, duration_min: j.finished_at !== null ? roundTo((j.finished_at - j.started_at) / 60_000, 0.1) : null }))
    out.items_omitted = Math.max(0, xs.length - MAX_LISTED)
  }
  return out
}

/** Restarts: the uptime counter of a bucket starting below where the previous one ended. */
function countRestarts(uptime: readonly Bucket[] | undefined): number | null {
  const bs = (uptime ?? []).filter((b) => b.n > 0).sort((a, b) => a.ts - b.ts)
  if (bs.length === 0) return null
  let restarts = 0
  for (let i = 1; i < bs.length; i++) if (bs[i].min < bs[i - 1].max) restarts++
  return restarts
}

function uptimeFigures(input: ReportInput): UptimeFigures {
  const w = input.window
  const windowMin = (w.to - w.from) / 60_000
  const up = (input.systemUptimeS ?? []).filter((b) => b.n > 0)
  const lastUp = up.length ? up.reduce((a, b) => (b.ts >= a.ts ? b : a)).max : null
  const started = input.serviceStartedAt ?? null
  return {
    window_h: roundTo(windowMin / 60, 0.01),
    data_coverage_percent: input.activeMinutes == null ? null : roundTo(Math.min(100, (input.activeMinutes / Math.max(1, Math.ceil(windowMin))) * 100), 0.1),
    restarts: countRestarts(input.systemUptimeS),
    system_uptime_h: lastUp === null ? null : roundTo(lastUp / 3600, 0.01),
    service_uptime_h: started !== null && started <= w.to ? roundTo((w.to - started) / 3_600_000, 0.01) : null,
  }
}

function batteryFigures(b: NonNullable<ReportInput['battery']>): BatteryFigures | null {
  const percent = fieldFigures(b.percent, PRECISION.percent)
  const voltage = fieldFigures(b.voltage_v, PRECISION.voltage_v)
  if (!percent && !voltage) return null
  const discharging = percent && percent.trend_per_h !== null && percent.trend_per_h < -FLAT_BATTERY_TREND_PERCENT_PER_H
  return { percent, voltage_v: voltage, time_to_empty_h: discharging ? roundTo(percent.last / -percent.trend_per_h!, 0.1) : null }
}

const byServoId = (a: { id: string }, b: { id: string }) => Number(a.id) - Number(b.id) || a.id.localeCompare(b.id)

export function computeReport(input: ReportInput, type: ReportType): ReportContents {
  const sec = REPORT_SECTIONS[type]
  const w = input.window
  const figures: ReportFigures = {
    robot_id: input.robotId,
    report_type: type,
    window: windowFigures(w),
    limits: { ...input.limits },
    uptime: uptimeFigures(input),
    alerts: alertFigures(input.alerts, w, sec.alertItems),
  }
  const charts: ReportCharts = { servo_temperature: [] }
  if (sec.servos) {
    const servos = [...input.servos].sort(byServoId)
    figures.servos = servos.map((s) => {
      const temperature = fieldFigures(s.temperature_c, PRECISION.temperature_c)
      const ttl = timeToLimit(temperature, input.limits.servo_temperature_critical_c)
      return {
        id: s.id,
        name: s.name ?? null,
        temperature_c: temperature,
        voltage_v: fieldFigures(s.voltage_v, PRECISION.voltage_v),
        time_to_limit_h: ttl.hours,
        time_to_limit_basis: ttl.basis,
      }
    })
    charts.servo_temperature = servos.map((s) => ({
      id: s.id,
      name: s.name ?? null,
      points: downsample(s.temperature_c, MAX_CHART_POINTS).map((b): [number, number] => [b.ts, roundTo(b.sum / b.n, 0.1)]),
    }))
  }
  if (sec.system) {
    const s = input.system
    figures.system = s
      ? { cpu_percent: fieldFigures(s.cpu_percent, 0.1), mem_percent: fieldFigures(s.mem_percent, 0.1), cpu_temp_c: fieldFigures(s.cpu_temp_c, 0.1) }
      : null
  }
  if (sec.battery) figures.battery = input.battery ? batteryFigures(input.battery) : null
  if (sec.jobs !== 'none') figures.jobs = jobFigures(input.jobs, w, sec.jobs === 'items')
  if (sec.sync) figures.sync = input.sync ?? null
  return { figures, charts }
}
