// A fleet report's numbers: one summary row per robot, taken from that robot's own
// `computeReport` figures (so a fleet row and a robot report never disagree), the fleet's
// totals over those rows, a ranking of the robots that need attention, and bar charts.
// Pure, like figures.ts: the hub hands over each robot's figures and what it knows of the
// robot now (its registry status).
import { rankAttention, type AttentionEntry } from './fleet-attention.ts'
import { windowFigures, type FieldFigures, type ReportFigures, type ReportType, type SyncHealth, type TimeToLimitBasis } from './figures.ts'
import { roundTo } from './series.ts'
import type { ReportWindow } from './time-range.ts'

/** One robot of the fleet, as the hub hands it over. */
export interface FleetMember {
  robot_id: string
  name: string | null
  /** The hub's registry status when the report was made (online, offline, ...). */
  status_now: string
  last_seen_at: number | null
  /** The robot's own figures for the window, from computeReport with the report's type. */
  figures: ReportFigures
}

/** Which robots a fleet report covers, so a reader can tell when the table is partial. */
export interface FleetCoverage {
  window: ReportWindow
  /** Robots registered on the hub. */
  registered: number
  /** Registered robots not in the report (beyond the hub's cap). */
  omitted: number
}

// --- Rows ----------------------------------------------------------------------------------

export interface FleetServoSummary {
  /** Servos that sent anything in the window, and those with temperature readings. */
  servos: number
  with_temperature: number
  heating: number
  at_or_over_limit: number
  /** This robot's critical servo temperature (its alert rule's, or the default). */
  critical_c: number
  /** The servo with the highest temperature in the window. */
  hottest: {
    id: string
    name: string | null
    max_c: number
    last_c: number
    trend_per_h: number | null
    time_to_limit_h: number | null
    time_to_limit_basis: TimeToLimitBasis
  } | null
  /** The servo that reaches (or has reached) its limit first; null when none is heating. */
  first_to_limit: { id: string; name: string | null; hours: number; basis: 'heating' | 'at_or_over_limit' } | null
}

export interface FleetRobotRow {
  robot_id: string
  name: string | null
  status_now: string
  last_seen_at: string | null
  /** Share of the window's minutes with any data from the robot: how much of it the robot was up and heard. */
  online_percent: number | null
  restarts: number | null
  alerts: { total: number; open: number; by_severity: Record<string, number> }
  /** Absent where the report type has no jobs (maintenance). */
  jobs?: { total: number; by_status: Record<string, number>; success_rate_percent: number | null; items_done: number }
  /** Absent where the report type has no servos (job). */
  servos?: FleetServoSummary
  /** null: no battery data; absent where the report type has no battery. */
  battery?: { min_percent: number | null; last_percent: number | null; min_voltage_v: number | null; time_to_empty_h: number | null } | null
  /** null: the robot has never synced with this hub; absent where the report type has no sync. */
  sync?: SyncHealth | null
}

// --- Fleet totals --------------------------------------------------------------------------

export interface FleetTotals {
  robots: number
  by_status_now: Record<string, number>
  robots_without_data: number
  mean_online_percent: number | null
  alerts: { total: number; open: number; by_severity: Record<string, number> }
  jobs?: { total: number; by_status: Record<string, number>; success_rate_percent: number | null; items_done: number }
  servos?: {
    servos: number
    heating: number
    at_or_over_limit: number
    hottest: { robot_id: string; servo_id: string; max_c: number } | null
    first_to_limit: { robot_id: string; servo_id: string; hours: number } | null
  }
  battery?: { lowest: { robot_id: string; min_percent: number } | null }
  sync?: { robots_synced: number; robots_never_synced: number; backlog_records: number; max_lag: { robot_id: string; lag_s: number } | null }
}

export interface FleetFigures {
  scope: 'fleet'
  report_type: ReportType
  window: ReportFigures['window']
  robots_registered: number
  robots_in_report: number
  robots_omitted: number
  fleet: FleetTotals
  /** Robots with anything worth a look, most urgent first (fleet-attention.ts says how). */
  attention: AttentionEntry[]
  robots: FleetRobotRow[]
}

// --- Charts --------------------------------------------------------------------------------

/** A horizontal bar chart: one bar per robot, drawn as vector graphics in the PDF. */
export interface BarChart {
  title: string
  unit: string
  /** The axis runs from 0 to this (or to the largest bar when null). */
  max: number | null
  /** A dashed line at this value (a limit), with its label. */
  limit: { value: number; label: string } | null
  bars: { label: string; value: number }[]
  /** What the chart says when it has no bars. */
  empty: string
  /** Bars left out beyond MAX_BARS. */
  omitted: number
}

export interface FleetCharts {
  bars: BarChart[]
}

/** Enough bars to see the fleet's spread on one page; the table lists every robot. */
export const MAX_BARS = 30

// --- Computation ---------------------------------------------------------------------------

const add = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v
}
const iso = (ts: number | null) => (ts === null ? null : new Date(ts).toISOString())
const minBy = <T>(xs: readonly T[], key: (x: T) => number): T | null => xs.reduce<T | null>((a, x) => (a === null || key(x) < key(a) ? x : a), null)
const maxBy = <T>(xs: readonly T[], key: (x: T) => number): T | null => minBy(xs, (x) => -key(x))
const ENDED = ['completed', 'failed', 'cancelled']

function servoSummary(f: ReportFigures): FleetServoSummary | undefined {
  if (!f.servos) return undefined
  const hot = maxBy(
    f.servos.filter((s) => s.temperature_c),
    (s) => s.temperature_c!.max,
  )
  const limited = f.servos.filter((s) => (s.time_to_limit_basis === 'heating' || s.time_to_limit_basis === 'at_or_over_limit') && s.time_to_limit_h != null)
  const first = minBy(limited, (s) => s.time_to_limit_h!)
  const t = hot?.temperature_c as FieldFigures | undefined
  return {
    servos: f.servos.length,
    with_temperature: f.servos.filter((s) => s.temperature_c).length,
    heating: f.servos.filter((s) => s.time_to_limit_basis === 'heating').length,
    at_or_over_limit: f.servos.filter((s) => s.time_to_limit_basis === 'at_or_over_limit').length,
    critical_c: f.limits.servo_temperature_critical_c,
    hottest:
      hot && t
        ? {
            id: hot.id,
            name: hot.name,
            max_c: t.max,
            last_c: t.last,
            trend_per_h: t.trend_per_h,
            time_to_limit_h: hot.time_to_limit_h ?? null,
            time_to_limit_basis: hot.time_to_limit_basis ?? 'not_enough_data',
          }
        : null,
    first_to_limit: first
      ? { id: first.id, name: first.name, hours: first.time_to_limit_h!, basis: first.time_to_limit_basis as 'heating' | 'at_or_over_limit' }
      : null,
  }
}

export function fleetRow(m: FleetMember): FleetRobotRow {
  const f = m.figures
  const row: FleetRobotRow = {
    robot_id: m.robot_id,
    name: m.name,
    status_now: m.status_now,
    last_seen_at: iso(m.last_seen_at),
    online_percent: f.uptime.data_coverage_percent,
    restarts: f.uptime.restarts,
    alerts: { total: f.alerts.total, open: f.alerts.open, by_severity: { ...f.alerts.by_severity } },
  }
  if (f.jobs)
    row.jobs = { total: f.jobs.total, by_status: { ...f.jobs.by_status }, success_rate_percent: f.jobs.success_rate_percent, items_done: f.jobs.items_done }
  const servos = servoSummary(f)
  if (servos) row.servos = servos
  if (f.battery !== undefined) {
    row.battery = f.battery
      ? {
          min_percent: f.battery.percent?.min ?? null,
          last_percent: f.battery.percent?.last ?? null,
          min_voltage_v: f.battery.voltage_v?.min ?? null,
          time_to_empty_h: f.battery.time_to_empty_h,
        }
      : null
  }
  if (f.sync !== undefined) row.sync = f.sync
  return row
}

function totals(rows: readonly FleetRobotRow[]): FleetTotals {
  const byStatus: Record<string, number> = {}
  for (const r of rows) byStatus[r.status_now] = (byStatus[r.status_now] ?? 0) + 1
  const online = rows.map((r) => r.online_percent).filter((v): v is number => v !== null)
  const alerts = { total: 0, open: 0, by_severity: {} as Record<string, number> }
  for (const r of rows) {
    alerts.total += r.alerts.total
    alerts.open += r.alerts.open
    add(alerts.by_severity, r.alerts.by_severity)
  }
  const out: FleetTotals = {
    robots: rows.length,
    by_status_now: byStatus,
    robots_without_data: rows.filter((r) => !r.online_percent).length,
    mean_online_percent: online.length ? roundTo(online.reduce((a, b) => a + b, 0) / online.length, 0.1) : null,
    alerts,
  }
  const withJobs = rows.filter((r) => r.jobs)
  if (withJobs.length) {
    const byStatusJobs: Record<string, number> = {}
    for (const r of withJobs) add(byStatusJobs, r.jobs!.by_status)
    const ended = ENDED.reduce((a, s) => a + (byStatusJobs[s] ?? 0), 0)
    out.jobs = {
      total: withJobs.reduce((a, r) => a + r.jobs!.total, 0),
      by_status: byStatusJobs,
      success_rate_percent: ended ? roundTo(((byStatusJobs.completed ?? 0) / ended) * 100, 0.1) : null,
      items_done: withJobs.reduce((a, r) => a + r.jobs!.items_done, 0),
    }
  }
  const withServos = rows.filter((r) => r.servos)
  if (withServos.length) {
    const hot = maxBy(
      withServos.filter((r) => r.servos!.hottest),
      (r) => r.servos!.hottest!.max_c,
    )
    const first = minBy(
      withServos.filter((r) => r.servos!.first_to_limit),
      (r) => r.servos!.first_to_limit!.hours,
    )
    out.servos = {
      servos: withServos.reduce((a, r) => a + r.servos!.servos, 0),
      heating: withServos.reduce((a, r) => a + r.servos!.heating, 0),
      at_or_over_limit: withServos.reduce((a, r) => a + r.servos!.at_or_over_limit, 0),
      hottest: hot ? { robot_id: hot.robot_id, servo_id: hot.servos!.hottest!.id, max_c: hot.servos!.hottest!.max_c } : null,
      first_to_limit: first ? { robot_id: first.robot_id, servo_id: first.servos!.first_to_limit!.id, hours: first.servos!.first_to_limit!.hours } : null,
    }
  }
  if (rows.some((r) => r.battery !== undefined)) {
    const low = minBy(
      rows.filter((r) => r.battery?.min_percent != null),
      (r) => r.battery!.min_percent!,
    )
    out.battery = { lowest: low ? { robot_id: low.robot_id, min_percent: low.battery!.min_percent! } : null }
  }
  if (rows.some((r) => r.sync !== undefined)) {
    const synced = rows.filter((r) => r.sync)
    const lag = maxBy(
      synced.filter((r) => r.sync!.lag_s !== null),
      (r) => r.sync!.lag_s!,
    )
    out.sync = {
      robots_synced: synced.length,
      robots_never_synced: rows.length - synced.length,
      backlog_records: synced.reduce((a, r) => a + r.sync!.backlog_records, 0),
      max_lag: lag ? { robot_id: lag.robot_id, lag_s: lag.sync!.lag_s! } : null,
    }
  }
  return out
}

function barChart(
  title: string,
  unit: string,
  rows: readonly FleetRobotRow[],
  value: (r: FleetRobotRow) => number | null | undefined,
  order: 'ascending' | 'descending',
  empty: string,
  opts: { max?: number; limit?: BarChart['limit']; skipZero?: boolean } = {},
): BarChart {
  const bars = rows
    .flatMap((r) => {
      const v = value(r)
      return v === null || v === undefined || (opts.skipZero && v === 0) ? [] : [{ label: r.robot_id, value: v }]
    })
    .sort((a, b) => (order === 'ascending' ? a.value - b.value : b.value - a.value) || a.label.localeCompare(b.label))
  return { title, unit, max: opts.max ?? null, limit: opts.limit ?? null, bars: bars.slice(0, MAX_BARS), empty, omitted: Math.max(0, bars.length - MAX_BARS) }
}

function charts(rows: readonly FleetRobotRow[]): FleetCharts {
  // Worst first in every chart: the robots a reader is looking for are at the top.
  const out: BarChart[] = [
    barChart('Data coverage in the window (least first)', '%', rows, (r) => r.online_percent ?? 0, 'ascending', 'No robots.', { max: 100 }),
  ]
  const withServos = rows.filter((r) => r.servos)
  if (withServos.length) {
    const limits = [...new Set(withServos.map((r) => r.servos!.critical_c))]
    // One dashed line only when every robot has the same limit; else the lowest, said so.
    const limit = {
      value: Math.min(...limits),
      label: limits.length === 1 ? `${limits[0]} °C critical limit` : `${Math.min(...limits)} °C: the lowest of the robots' critical limits`,
    }
    out.push(
      barChart(
        'Hottest servo per robot (hottest first)',
        '°C',
        withServos,
        (r) => r.servos!.hottest?.max_c,
        'descending',
        'No servo temperatures in the window.',
        { limit },
      ),
    )
  }
  out.push(
    barChart('Alerts in the window per robot (most first)', 'alerts', rows, (r) => r.alerts.total, 'descending', 'No alerts in the window.', {
      skipZero: true,
    }),
  )
  return { bars: out }
}

export function computeFleetReport(members: readonly FleetMember[], coverage: FleetCoverage, type: ReportType): { figures: FleetFigures; charts: FleetCharts } {
  const rows = members.map(fleetRow).sort((a, b) => a.robot_id.localeCompare(b.robot_id))
  return {
    figures: {
      scope: 'fleet',
      report_type: type,
      window: windowFigures(coverage.window),
      robots_registered: coverage.registered,
      robots_in_report: rows.length,
      robots_omitted: coverage.omitted,
      fleet: totals(rows),
      attention: rankAttention(rows),
      robots: rows,
    },
    charts: charts(rows),
  }
}
