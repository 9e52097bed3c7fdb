import { describe, expect, test } from 'bun:test'
import { computeReport, type AlertRecord, type JobRecord, type ReportInput, type ReportType } from './figures.ts'
import { computeFleetReport, MAX_BARS, type FleetMember } from './fleet-figures.ts'
import { buildFleetPrompt, figuresInPrompt } from './prompt.ts'
import type { Bucket } from './series.ts'

const NOW = Date.UTC(2025, 5, 1, 12)
const FROM = NOW - 3_600_000
const WINDOW = { from: FROM, to: NOW, preset: '1h' as const }
const series = (f: (k: number) => number, minutes = 60): Bucket[] =>
  Array.from({ length: minutes }, (_, k) => ({ ts: FROM + k * 60_000, n: 60, min: f(k), max: f(k), sum: f(k) * 60 }))
const alert = (over: Partial<AlertRecord>): AlertRecord => ({
  id: 1,
  type: 'servo_temperature',
  severity: 'warning',
  source: '1',
  title: 't',
  value: 1,
  threshold: 1,
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

function input(robotId: string, over: Partial<ReportInput> = {}): ReportInput {
  return {
    robotId,
    window: WINDOW,
    limits: { servo_temperature_critical_c: 75, source: 'default' },
    servos: [],
    alerts: [],
    jobs: [],
    activeMinutes: 60,
    ...over,
  }
}

/** Four robots: one overheating, one healthy, one silent, one on a low battery with a failed job. */
const inputs: Record<string, ReportInput> = {
  'a-hot': input('a-hot', {
    servos: [
      { id: '1', name: 'left_knee', temperature_c: series(() => 78), voltage_v: series(() => 7.3) }, // over the limit
      { id: '2', temperature_c: series((k) => 45 + 0.25 * k), voltage_v: [] }, // +15 C/h from 59.75: ~1 h to 75
    ],
    alerts: [alert({ id: 1, severity: 'critical' }), alert({ id: 2, resolved: true, resolved_at: NOW - 60_000 })],
    battery: { percent: series(() => 70), voltage_v: series(() => 7.6) },
    sync: { backlog_records: 20_000, lag_s: 7_200, last_sync_at: NOW - 7_200_000 },
  }),
  'b-ok': input('b-ok', {
    servos: [{ id: '1', temperature_c: series(() => 40), voltage_v: series(() => 7.4) }],
    battery: { percent: series((k) => 90 - k * 0.1), voltage_v: series(() => 7.8) },
    jobs: [job({ id: 1 }), job({ id: 2 }), job({ id: 3 })],
    sync: { backlog_records: 0, lag_s: 5, last_sync_at: NOW - 5_000 },
  }),
  'c-silent': input('c-silent', { activeMinutes: 0 }),
  'd-lowbat': input('d-lowbat', {
    servos: [{ id: '4', temperature_c: series(() => 50), voltage_v: [] }],
    battery: { percent: series((k) => 40 - k * 0.5), voltage_v: series(() => 6.4) }, // ends at 10.5 %
    jobs: [job({ id: 4, status: 'failed', reason: 'fell' }), job({ id: 5 })],
    activeMinutes: 24,
  }),
}

const members = (type: ReportType): FleetMember[] =>
  Object.entries(inputs).map(([id, inp]) => ({
    robot_id: id,
    name: id === 'a-hot' ? 'Hot one' : null,
    status_now: id === 'c-silent' ? 'offline' : 'online',
    last_seen_at: id === 'c-silent' ? null : NOW - 1000,
    figures: computeReport(inp, type).figures,
  }))

describe('fleet figures', () => {
  const { figures, charts } = computeFleetReport(members('performance'), { window: WINDOW, registered: 5, omitted: 1 }, 'performance')
  const row = (id: string) => figures.robots.find((r) => r.robot_id === id)!

  test("one row per robot, from that robot's own figures", () => {
    expect(figures.robots.map((r) => r.robot_id)).toEqual(['a-hot', 'b-ok', 'c-silent', 'd-lowbat'])
    expect(figures).toMatchObject({ scope: 'fleet', report_type: 'performance', robots_registered: 5, robots_in_report: 4, robots_omitted: 1 })
    const own = computeReport(inputs['a-hot'], 'performance').figures
    const a = row('a-hot')
    expect(a.servos!.hottest).toMatchObject({ id: '1', name: 'left_knee', max_c: 78, time_to_limit_basis: 'at_or_over_limit' })
    expect(a.servos!.first_to_limit).toEqual({ id: '1', name: 'left_knee', hours: 0, basis: 'at_or_over_limit' })
    expect(a.servos!.heating).toBe(1)
    expect(a.servos!.critical_c).toBe(75)
    expect(a.alerts).toEqual({ total: 2, open: 1, by_severity: { critical: 1, warning: 1 } })
    expect(a.online_percent).toBe(own.uptime.data_coverage_percent)
    expect(a.sync).toEqual(inputs['a-hot'].sync!)
    expect(row('b-ok').jobs).toEqual({ total: 3, by_status: { completed: 3 }, success_rate_percent: 100, items_done: 15 })
    expect(row('b-ok').servos!.first_to_limit).toBeNull()
    expect(row('c-silent')).toMatchObject({ online_percent: 0, battery: null, sync: null, servos: { servos: 0, hottest: null } })
    expect(row('d-lowbat').battery!.min_percent).toBe(10.5)
    expect(row('d-lowbat').online_percent).toBe(40)
  })

  test('fleet totals add the rows up', () => {
    expect(figures.fleet).toEqual({
      robots: 4,
      by_status_now: { online: 3, offline: 1 },
      robots_without_data: 1,
      mean_online_percent: 60,
      alerts: { total: 2, open: 1, by_severity: { critical: 1, warning: 1 } },
      jobs: { total: 5, by_status: { completed: 4, failed: 1 }, success_rate_percent: 80, items_done: 25 },
      servos: {
        servos: 4,
        heating: 1,
        at_or_over_limit: 1,
        hottest: { robot_id: 'a-hot', servo_id: '1', max_c: 78 },
        first_to_limit: { robot_id: 'a-hot', servo_id: '1', hours: 0 },
      },
      battery: { lowest: { robot_id: 'd-lowbat', min_percent: 10.5 } },
      sync: { robots_synced: 2, robots_never_synced: 2, backlog_records: 20_000, max_lag: { robot_id: 'a-hot', lag_s: 7_200 } },
    })
  })

  test('attention: the overheating robot first, each place with the figures behind it; the healthy one not listed', () => {
    expect(figures.attention.map((a) => a.robot_id)).toEqual(['a-hot', 'd-lowbat', 'c-silent'])
    const [a, d, c] = figures.attention
    expect(a.rank).toBe(1)
    expect(a.reasons[0]).toBe('servo 1 (Left knee) is at or over its 75 °C limit')
    expect(a.reasons).toContain('1 critical alert(s) in the window')
    expect(a.reasons).toContain('last synced 2 h ago')
    expect(a.reasons).toContain('20000 records waiting to sync')
    expect(d.reasons).toEqual(['battery fell to 10.5 %', 'job success 50 % (1 failed)', 'data for only 40 % of the window'])
    expect(c.reasons).toEqual(['no data from it in the window'])
    expect(a.score).toBeGreaterThan(d.score)
    expect(d.score).toBeGreaterThan(c.score)
  })

  test('charts: coverage (least first), hottest servo against the limit, alerts (only robots with any)', () => {
    expect(charts.bars.map((b) => b.title)).toEqual([
      'Data coverage in the window (least first)',
      'Hottest servo per robot (hottest first)',
      'Alerts in the window per robot (most first)',
    ])
    const [coverage, hottest, alerts] = charts.bars
    expect(coverage.bars).toEqual([
      { label: 'c-silent', value: 0 },
      { label: 'd-lowbat', value: 40 },
      { label: 'a-hot', value: 100 },
      { label: 'b-ok', value: 100 },
    ])
    expect(coverage.max).toBe(100)
    expect(hottest.bars.map((b) => b.label)).toEqual(['a-hot', 'd-lowbat', 'b-ok'])
    expect(hottest.limit).toEqual({ value: 75, label: '75 °C critical limit' })
    expect(alerts.bars).toEqual([{ label: 'a-hot', value: 2 }])
  })

  test('the report type chooses the columns: a job report has no servos, a maintenance report no jobs', () => {
    const job = computeFleetReport(members('job'), { window: WINDOW, registered: 4, omitted: 0 }, 'job').figures
    expect(job.robots[0].servos).toBeUndefined()
    expect(job.fleet.servos).toBeUndefined()
    expect(job.fleet.jobs!.total).toBe(5)
    const maint = computeFleetReport(members('maintenance'), { window: WINDOW, registered: 4, omitted: 0 }, 'maintenance')
    expect(maint.figures.robots[0].jobs).toBeUndefined()
    expect(maint.figures.attention[0].robot_id).toBe('a-hot')
    expect(maint.charts.bars).toHaveLength(3)
  })

  test('a large fleet: every robot in the table, at most MAX_BARS bars', () => {
    const many: FleetMember[] = Array.from({ length: MAX_BARS + 5 }, (_, i) => ({
      robot_id: `r${String(i).padStart(3, '0')}`,
      name: null,
      status_now: 'online',
      last_seen_at: NOW,
      figures: computeReport(input(`r${i}`, { activeMinutes: i }), 'job').figures,
    }))
    const { figures: f, charts: c } = computeFleetReport(many, { window: WINDOW, registered: many.length, omitted: 0 }, 'job')
    expect(f.robots).toHaveLength(MAX_BARS + 5)
    expect(c.bars[0].bars).toHaveLength(MAX_BARS)
    expect(c.bars[0].omitted).toBe(5)
  })
})

describe('the fleet prompt', () => {
  const { figures } = computeFleetReport(members('maintenance'), { window: WINDOW, registered: 6, omitted: 2 }, 'maintenance')
  const prompt = buildFleetPrompt(figures)

  test('carries the fleet figures verbatim, and says how many robots and what is left out', () => {
    expect(figuresInPrompt(prompt)).toEqual(JSON.parse(JSON.stringify(figures)))
    expect(prompt).toContain('a fleet of 4 HiWonder TonyPi humanoid robots (2 more are registered but not in these figures)')
    expect(prompt).toContain('NARRATIVE')
    expect(prompt).toContain('RECOMMENDATIONS')
    expect(prompt).toContain('Keep the attention order')
    expect(prompt).toContain('Quote numbers exactly')
  })
})
