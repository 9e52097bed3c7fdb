import { describe, expect, test } from 'bun:test'
import { computeReport, timeToLimit, type AlertRecord, type FieldFigures, type JobRecord, type ReportInput } from './figures.ts'
import type { Bucket } from './series.ts'
import { resolveTimeRange, TimeRangeError } from './time-range.ts'

const NOW = Date.UTC(2025, 5, 1, 12)
const FROM = NOW - 3_600_000
const series = (f: (k: number) => number, minutes = 60): Bucket[] =>
  Array.from({ length: minutes }, (_, k) => ({ ts: FROM + k * 60_000, n: 60, min: f(k) - 0.5, max: f(k) + 0.5, sum: f(k) * 60 }))

function input(over: Partial<ReportInput> = {}): ReportInput {
  return {
    robotId: 'tonypi-7',
    window: { from: FROM, to: NOW, preset: '1h' },
    limits: { servo_temperature_critical_c: 70, source: 'default' },
    servos: [
      { id: '2', name: 'left_knee', temperature_c: series((k) => 40 + 0.25 * k), voltage_v: series(() => 7.4) }, // +15 C/h
      { id: '1', name: 'left_hip', temperature_c: series(() => 35), voltage_v: series((k) => 7.4 - 0.001 * k) },
      { id: '3', temperature_c: series((k) => 50 - 0.1 * k), voltage_v: [] }, // cooling 6 C/h
      { id: '4', temperature_c: series((k) => 69 + 0.1 * k), voltage_v: [] }, // crosses the limit
      { id: '5', temperature_c: [], voltage_v: [] }, // silent
    ],
    alerts: [],
    jobs: [],
    ...over,
  }
}

const temp = (last: number, trend: number | null): FieldFigures => ({ min: 0, mean: 0, max: last, last, samples: 10, trend_per_h: trend, trend_span_min: 30 })

describe('time to limit', () => {
  test('hours until the critical limit at the current trend, only when heating', () => {
    expect(timeToLimit(temp(40, 15), 70)).toEqual({ hours: 2, basis: 'heating' })
    expect(timeToLimit(temp(40, 0.05), 70)).toEqual({ hours: null, basis: 'flat' })
    expect(timeToLimit(temp(40, -3), 70)).toEqual({ hours: null, basis: 'cooling' })
    expect(timeToLimit(temp(40, null), 70)).toEqual({ hours: null, basis: 'not_enough_data' })
    expect(timeToLimit(temp(72, -3), 70)).toEqual({ hours: 0, basis: 'at_or_over_limit' })
    expect(timeToLimit(null, 70)).toEqual({ hours: null, basis: 'not_enough_data' })
  })
})

describe('servo figures', () => {
  const { figures, charts } = computeReport(input(), 'maintenance')
  const servo = (id: string) => figures.servos!.find((s) => s.id === id)!

  test('per-servo statistics and trends, in servo order', () => {
    expect(figures.servos!.map((s) => s.id)).toEqual(['1', '2', '3', '4', '5'])
    expect(servo('2').temperature_c).toEqual({ min: 39.5, mean: 47.4, max: 55.3, last: 54.8, samples: 3600, trend_per_h: 15, trend_span_min: 59 })
    expect(servo('1').voltage_v!.trend_per_h).toBeCloseTo(-0.06, 5)
    expect(servo('1').name).toBe('left_hip')
    expect(servo('3').name).toBeNull()
  })

  test('time to limit for the heating servo; none for flat, cooling, over or silent ones', () => {
    expect(servo('2')).toMatchObject({ time_to_limit_h: 1, time_to_limit_basis: 'heating' }) // (70 - 54.8) / 15
    expect(servo('1')).toMatchObject({ time_to_limit_h: null, time_to_limit_basis: 'flat' })
    expect(servo('3')).toMatchObject({ time_to_limit_h: null, time_to_limit_basis: 'cooling' })
    expect(servo('4')).toMatchObject({ time_to_limit_h: 0, time_to_limit_basis: 'at_or_over_limit' })
    expect(servo('5')).toMatchObject({ temperature_c: null, time_to_limit_h: null, time_to_limit_basis: 'not_enough_data' })
  })

  test('a limit from an alert rule is used and named', () => {
    const f = computeReport(input({ limits: { servo_temperature_critical_c: 60, source: 'alert rule servo_temperature' } }), 'maintenance').figures
    expect(f.servos!.find((s) => s.id === '2')!.time_to_limit_h).toBe(0.3)
    expect(f.limits.source).toBe('alert rule servo_temperature')
  })

  test('chart data per servo, at most 90 points', () => {
    expect(charts.servo_temperature.map((s) => s.id)).toEqual(['1', '2', '3', '4', '5'])
    expect(charts.servo_temperature[1].points[0]).toEqual([FROM, 40])
    expect(charts.servo_temperature[4].points).toEqual([])
  })
})

describe('alerts, jobs, uptime', () => {
  const alert = (over: Partial<AlertRecord>): AlertRecord => ({
    id: 1,
    type: 'servo_temperature',
    severity: 'warning',
    source: '2',
    title: 't',
    value: 62,
    threshold: 60,
    created_at: NOW - 600_000,
    acknowledged: false,
    resolved: false,
    resolved_at: null,
    ...over,
  })
  const job = (over: Partial<JobRecord>): JobRecord => ({
    id: 1,
    task_name: 'scan',
    status: 'completed',
    items_done: 5,
    items_total: 5,
    percent: 100,
    reason: null,
    started_at: NOW - 1_200_000,
    finished_at: NOW - 600_000,
    ...over,
  })

  test('alerts active during the window are counted; earlier resolved ones are not', () => {
    const a = computeReport(
      input({
        alerts: [
          alert({ id: 1 }),
          alert({ id: 2, severity: 'critical', acknowledged: true, resolved: true, created_at: NOW - 1_800_000, resolved_at: NOW - 1_200_000 }),
          alert({ id: 3, type: 'battery', resolved: true, created_at: FROM - 7_200_000, resolved_at: FROM - 3_600_000 }), // before the window
          alert({ id: 4, type: 'fall', created_at: FROM - 60_000 }), // raised before, still open
        ],
      }),
      'maintenance',
    ).figures.alerts
    expect(a).toMatchObject({
      total: 3,
      open: 2,
      acknowledged: 1,
      by_severity: { warning: 2, critical: 1 },
      by_type: { servo_temperature: 2, fall: 1 },
      mean_time_to_resolve_min: 10,
    })
    expect(a.items!.map((x) => x.id)).toEqual([1, 2, 4])
  })

  test('job statistics: success rate over the jobs that ended, mean duration, items', () => {
    const j = computeReport(
      input({
        jobs: [
          job({ id: 1 }),
          job({ id: 2, status: 'failed', reason: 'fell', finished_at: NOW - 900_000 }),
          job({ id: 3, status: 'in_progress', finished_at: null, items_done: 2 }),
        ],
      }),
      'job',
    ).figures.jobs!
    expect(j).toMatchObject({
      total: 3,
      by_status: { completed: 1, failed: 1, in_progress: 1 },
      success_rate_percent: 50,
      mean_duration_min: 7.5,
      items_done: 12,
    })
    expect(j.items!.find((x) => x.id === 1)!.duration_min).toBe(10)
  })

  test('uptime: coverage, restarts from the uptime counter, service uptime', () => {
    const u = computeReport(
      input({
        activeMinutes: 45,
        serviceStartedAt: NOW - 7_200_000,
        systemUptimeS: [
          { ts: FROM, n: 60, min: 1000, max: 1059, sum: 0 },
          { ts: FROM + 60_000, n: 60, min: 1060, max: 1119, sum: 0 },
          { ts: FROM + 120_000, n: 30, min: 5, max: 34, sum: 0 }, // rebooted
        ],
      }),
      'performance',
    ).figures.uptime
    expect(u).toEqual({ window_h: 1, data_coverage_percent: 75, restarts: 1, system_uptime_h: 0.01, service_uptime_h: 2 })
  })
})

describe('report types choose the contents', () => {
  test('performance: servos, host, battery, uptime, alert summary, job summary, sync', () => {
    const f = computeReport(input(), 'performance').figures
    expect(Object.keys(f).sort()).toEqual(['alerts', 'battery', 'jobs', 'limits', 'report_type', 'robot_id', 'servos', 'sync', 'system', 'uptime', 'window'])
    expect(f.alerts.items).toBeUndefined()
    expect(f.jobs!.items).toBeUndefined()
    expect(f.sync).toBeNull()
  })

  test('job: jobs with items and alerts; no servos', () => {
    const f = computeReport(input(), 'job').figures
    expect(f.servos).toBeUndefined()
    expect(f.jobs!.items).toEqual([])
    expect(f.alerts.items).toEqual([])
  })

  test('maintenance: servos and alert items; no jobs', () => {
    const f = computeReport(input({ sync: { backlog_records: 12, lag_s: 4, last_sync_at: NOW - 4000 } }), 'maintenance').figures
    expect(f.jobs).toBeUndefined()
    expect(f.alerts.items).toEqual([])
    expect(f.sync).toEqual({ backlog_records: 12, lag_s: 4, last_sync_at: NOW - 4000 })
  })
})

describe('time ranges', () => {
  test('presets count back from now; explicit bounds are checked', () => {
    expect(resolveTimeRange('24h', NOW)).toEqual({ from: NOW - 86_400_000, to: NOW, preset: '24h' })
    expect(resolveTimeRange({ from: FROM, to: NOW + 60_000 }, NOW)).toEqual({ from: FROM, to: NOW, preset: null })
    expect(() => resolveTimeRange({ from: NOW, to: FROM }, NOW)).toThrow(TimeRangeError)
    expect(() => resolveTimeRange({ from: NOW - 40 * 86_400_000, to: NOW }, NOW)).toThrow(/at most 31 days/)
    expect(() => resolveTimeRange({ from: NOW + 1000, to: NOW + 2000 }, NOW)).toThrow(/future/)
    expect(() => resolveTimeRange('2w' as '1h', NOW)).toThrow(/one of 1h, 24h, 7d/)
  })
})
