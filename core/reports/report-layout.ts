// A report as readers see it, whether on the dashboard or in the PDF: its sections in order,
// each a set of labelled facts or a table with titled columns, every value already written out
// with its unit (labels.ts). The PDF adds its charts where a section says so; the dashboard
// draws the same facts and tables, so the two never disagree on a word or a digit.
import { jointLabel } from '../servo-label.ts'
import type { FieldFigures, ReportFigures } from './figures.ts'
import type { FleetFigures, FleetRobotRow } from './fleet-figures.ts'
import { countsLine, dash, MEASURES, num, plural, range, trend, TIME_TO_LIMIT_WORDS, utc, type Measure } from './labels.ts'
import type { AnyReport } from './report.ts'

export interface ReportColumn {
  title: string
  /** Relative width on paper (the PDF scales the row to the page). */
  width: number
  align?: 'left' | 'right'
}

export type ReportBlock =
  | { kind: 'facts'; key: string; title: string; rows: [label: string, value: string][]; note?: string }
  | { kind: 'table'; key: string; title: string; intro?: string; columns: ReportColumn[]; rows: string[][]; empty?: string; note?: string }
  /** The PDF's small multiples of servo temperatures, after the servo table. */
  | { kind: 'servo-charts' }
  /** The PDF's fleet bar charts. */
  | { kind: 'bar-charts' }

const servoName = (id: string, name: string | null | undefined) => (name ? `${id} ${jointLabel(name)}` : id)

function servoTable(f: ReportFigures): ReportBlock[] {
  if (!f.servos) return []
  const limit = f.limits.servo_temperature_critical_c
  const t = MEASURES.servo_temperature
  const v = MEASURES.servo_voltage
  return [
    {
      kind: 'table',
      key: 'servos',
      title: 'Servos',
      columns: [
        { title: 'Servo', width: 104 },
        { title: `${t.label} min / mean / max (${t.unit})`, width: 96 },
        { title: `Trend (${t.unit} per h)`, width: 54, align: 'right' },
        { title: `Hours to ${limit} ${t.unit}`, width: 54, align: 'right' },
        { title: `${v.label} min / mean / max (${v.unit})`, width: 100 },
        { title: `Trend (${v.unit} per h)`, width: 54, align: 'right' },
        { title: 'Samples', width: 48, align: 'right' },
      ],
      rows: f.servos.map((s) => [
        servoName(s.id, s.name),
        range(s.temperature_c, t.digits),
        trend(s.temperature_c, t.digits + 1),
        s.time_to_limit_basis === 'heating' ? num(s.time_to_limit_h, 1) : TIME_TO_LIMIT_WORDS[s.time_to_limit_basis ?? 'not_enough_data'],
        range(s.voltage_v, v.digits),
        trend(s.voltage_v, v.digits + 1),
        String(s.temperature_c?.samples ?? s.voltage_v?.samples ?? 0),
      ]),
      empty: 'No servo data in this window.',
      note: `Critical limit ${limit} ${t.unit} (${f.limits.source.replace(/_/g, ' ')}). Trends are least-squares slopes over the window; "flat" is under 0.1 ${t.unit}/h.`,
    },
    { kind: 'servo-charts' },
  ]
}

function measureRow(m: Measure, f: FieldFigures | null | undefined): string[] {
  return [
    `${m.label} (${m.unit})`,
    num(f?.min, m.digits),
    num(f?.mean, m.digits),
    num(f?.max, m.digits),
    num(f?.last, m.digits),
    trend(f, m.digits + 1),
    f ? String(f.samples) : dash,
  ]
}

/** The Raspberry Pi and the battery: one row per measure, not three. */
function hostTable(f: ReportFigures): ReportBlock[] {
  if (f.system === undefined && f.battery === undefined) return []
  const rows: string[][] = []
  const notes: string[] = []
  if (f.system !== undefined) {
    rows.push(
      measureRow(MEASURES.cpu_percent, f.system?.cpu_percent),
      measureRow(MEASURES.mem_percent, f.system?.mem_percent),
      measureRow(MEASURES.cpu_temp_c, f.system?.cpu_temp_c),
    )
    if (!f.system) notes.push('No Raspberry Pi figures in this window.')
  }
  if (f.battery !== undefined) {
    rows.push(measureRow(MEASURES.battery_percent, f.battery?.percent), measureRow(MEASURES.battery_voltage, f.battery?.voltage_v))
    if (!f.battery) notes.push('No battery figures in this window.')
    else
      notes.push(
        f.battery.time_to_empty_h !== null
          ? `At this trend the battery is empty in ${num(f.battery.time_to_empty_h, 1)} h.`
          : 'The battery is not discharging at a measurable rate.',
      )
  }
  return [
    {
      kind: 'table',
      key: 'host',
      title: f.system !== undefined ? 'Raspberry Pi and battery' : 'Battery',
      columns: [
        { title: 'Measure', width: 130 },
        { title: 'Min', width: 50, align: 'right' },
        { title: 'Mean', width: 50, align: 'right' },
        { title: 'Max', width: 50, align: 'right' },
        { title: 'Last', width: 50, align: 'right' },
        { title: 'Trend (per h)', width: 60, align: 'right' },
        { title: 'Samples', width: 48, align: 'right' },
      ],
      rows,
      note: notes.join(' '),
    },
  ]
}

function uptimeFacts(f: ReportFigures): ReportBlock {
  const u = f.uptime
  const rows: [string, string][] = [
    ['Window (h)', num(u.window_h, 2)],
    ['Data coverage (%)', num(u.data_coverage_percent, 1)],
    ['Restarts of the host', u.restarts === null ? dash : String(u.restarts)],
    ['Host uptime at the end (h)', num(u.system_uptime_h, 2)],
    ['Monitoring service uptime (h)', num(u.service_uptime_h, 2)],
  ]
  if (f.sync === null) rows.push(['Sync with the hub', 'not configured on this robot'])
  else if (f.sync) {
    rows.push(
      ['Records waiting to sync', String(f.sync.backlog_records)],
      ['Sync lag (s)', num(f.sync.lag_s, 0)],
      ['Last sync (UTC)', utc(f.sync.last_sync_at)],
      ['Records dropped before syncing', f.sync.dropped_records === undefined ? dash : String(f.sync.dropped_records)],
    )
  }
  return { kind: 'facts', key: 'uptime', title: f.sync !== undefined ? 'Uptime and sync' : 'Uptime', rows }
}

function alertsTable(f: ReportFigures): ReportBlock {
  const a = f.alerts
  return {
    kind: 'table',
    key: 'alerts',
    title: 'Alerts',
    intro: `${plural(a.total, 'alert')} active in the window: ${a.open} still open, ${a.acknowledged} acknowledged. By severity: ${countsLine(a.by_severity)}. By type: ${countsLine(a.by_type)}. Mean time to resolve: ${num(a.mean_time_to_resolve_min, 1)} min.`,
    columns: [
      { title: 'Raised (UTC)', width: 84 },
      { title: 'Severity', width: 50 },
      { title: 'Alert', width: 200 },
      { title: 'Value / threshold', width: 70, align: 'right' },
      { title: 'State', width: 90 },
    ],
    rows: (a.items ?? []).map((x) => [
      utc(x.created_at),
      x.severity,
      x.title,
      `${num(x.value, 2)} / ${num(x.threshold, 2)}`,
      x.resolved ? `resolved ${utc(x.resolved_at)}` : x.acknowledged ? 'acknowledged' : 'open',
    ]),
    note: a.items_omitted ? `${plural(a.items_omitted, 'older alert')} not listed.` : undefined,
  }
}

function jobsTable(f: ReportFigures): ReportBlock[] {
  const j = f.jobs
  if (!j) return []
  return [
    {
      kind: 'table',
      key: 'jobs',
      title: 'Jobs',
      intro: `${plural(j.total, 'job')} in the window. By status: ${countsLine(j.by_status)}. Success rate: ${num(j.success_rate_percent, 1)} %. Mean duration: ${num(j.mean_duration_min, 1)} min. Items done: ${j.items_done}.`,
      columns: [
        { title: 'Started (UTC)', width: 84 },
        { title: 'Task', width: 150 },
        { title: 'Status', width: 64 },
        { title: 'Items', width: 50, align: 'right' },
        { title: 'Duration (min)', width: 56, align: 'right' },
        { title: 'Reason', width: 110 },
      ],
      rows: (j.items ?? []).map((x) => [
        utc(x.started_at),
        x.task_name,
        x.status.replace(/_/g, ' '),
        `${x.items_done ?? dash} / ${x.items_total ?? dash}`,
        num(x.duration_min, 1),
        x.reason ?? '',
      ]),
      note: j.items_omitted ? `${plural(j.items_omitted, 'older job')} not listed.` : undefined,
    },
  ]
}

function robotBlocks(f: ReportFigures): ReportBlock[] {
  return [...servoTable(f), ...hostTable(f), uptimeFacts(f), alertsTable(f), ...jobsTable(f)]
}

// --- fleet ---------------------------------------------------------------------------------

function fleetFacts(f: FleetFigures): ReportBlock {
  const t = f.fleet
  const rows: [string, string][] = [
    ['Robots in the report', `${f.robots_in_report} of ${f.robots_registered} registered${f.robots_omitted ? ` (${f.robots_omitted} left out)` : ''}`],
    ['Status now', countsLine(t.by_status_now)],
    ['Robots with no data in the window', String(t.robots_without_data)],
    ['Mean data coverage (%)', num(t.mean_online_percent, 1)],
    ['Alerts in the window', `${t.alerts.total} (${t.alerts.open} still open); by severity: ${countsLine(t.alerts.by_severity)}`],
  ]
  if (t.jobs)
    rows.push(
      ['Jobs', `${t.jobs.total}; by status: ${countsLine(t.jobs.by_status)}`],
      ['Job success rate (%)', num(t.jobs.success_rate_percent, 1)],
      ['Items done', String(t.jobs.items_done)],
    )
  if (t.servos) {
    rows.push(
      ['Servos reporting', `${t.servos.servos}; ${t.servos.heating} heating, ${t.servos.at_or_over_limit} at or over their limit`],
      [
        'Hottest servo',
        t.servos.hottest ? `robot ${t.servos.hottest.robot_id}, servo ${t.servos.hottest.servo_id}: ${num(t.servos.hottest.max_c, 1)} °C` : dash,
      ],
      [
        'First servo to reach its limit',
        t.servos.first_to_limit
          ? `robot ${t.servos.first_to_limit.robot_id}, servo ${t.servos.first_to_limit.servo_id}: ${t.servos.first_to_limit.hours === 0 ? 'already there' : `in ${num(t.servos.first_to_limit.hours, 1)} h`}`
          : 'none heating',
      ],
    )
  }
  if (t.battery) rows.push(['Lowest battery', t.battery.lowest ? `robot ${t.battery.lowest.robot_id}: ${num(t.battery.lowest.min_percent, 1)} %` : dash])
  if (t.sync) {
    rows.push(
      [
        'Sync with the hub',
        `${plural(t.sync.robots_synced, 'robot')} synced, ${t.sync.robots_never_synced} never; ${plural(t.sync.backlog_records, 'record')} waiting`,
      ],
      ['Longest sync lag', t.sync.max_lag ? `robot ${t.sync.max_lag.robot_id}: ${num(t.sync.max_lag.lag_s / 60, 1)} min` : dash],
    )
  }
  return { kind: 'facts', key: 'fleet', title: 'Fleet', rows }
}

const hoursToLimit = (r: FleetRobotRow) => {
  const f = r.servos?.first_to_limit
  return !f ? dash : f.basis === 'at_or_over_limit' ? 'at limit' : num(f.hours, 1)
}

function robotsTable(f: FleetFigures): ReportBlock {
  const has = (k: 'jobs' | 'servos' | 'battery' | 'sync') => f.robots.some((r) => r[k] !== undefined)
  const cols: [ReportColumn, (r: FleetRobotRow) => string][] = [
    [{ title: 'Robot', width: 110 }, (r) => (r.name ? `${r.robot_id} (${r.name})` : r.robot_id)],
    [{ title: 'Status now', width: 48 }, (r) => r.status_now.replace(/_/g, ' ')],
    [{ title: 'Data (%)', width: 34, align: 'right' }, (r) => num(r.online_percent, 1)],
    [{ title: 'Alerts open / all', width: 40, align: 'right' }, (r) => `${r.alerts.open} / ${r.alerts.total}`],
    [{ title: 'Critical alerts', width: 40, align: 'right' }, (r) => String(r.alerts.by_severity.critical ?? 0)],
  ]
  if (has('jobs')) {
    cols.push(
      [{ title: 'Jobs done / all', width: 36, align: 'right' }, (r) => (r.jobs ? `${r.jobs.by_status.completed ?? 0} / ${r.jobs.total}` : dash)],
      [{ title: 'Jobs OK (%)', width: 34, align: 'right' }, (r) => num(r.jobs?.success_rate_percent, 1)],
    )
  }
  if (has('servos')) {
    cols.push(
      [
        { title: 'Hottest servo (max °C)', width: 76 },
        (r) => (r.servos?.hottest ? `${servoName(r.servos.hottest.id, r.servos.hottest.name)}: ${num(r.servos.hottest.max_c, 1)}` : dash),
      ],
      [{ title: 'Hours to limit', width: 38, align: 'right' }, hoursToLimit],
    )
  }
  if (has('battery')) cols.push([{ title: 'Battery min (%)', width: 44, align: 'right' }, (r) => num(r.battery?.min_percent, 1)])
  if (has('sync'))
    cols.push([{ title: 'Sync lag (min)', width: 36, align: 'right' }, (r) => (r.sync ? num(r.sync.lag_s === null ? null : r.sync.lag_s / 60, 1) : 'never')])
  return {
    kind: 'table',
    key: 'robots',
    title: 'Robots',
    columns: cols.map(([c]) => c),
    rows: f.robots.map((r) => cols.map(([, cell]) => cell(r))),
    empty: 'No robots.',
    note: "Data: share of the window's minutes with any data from the robot. Hours to limit: for the servo that reaches its robot's critical temperature first at its present trend.",
  }
}

function fleetBlocks(f: FleetFigures): ReportBlock[] {
  return [
    fleetFacts(f),
    {
      kind: 'table',
      key: 'attention',
      title: 'Robots needing attention',
      columns: [
        { title: 'Rank', width: 30, align: 'right' },
        { title: 'Robot', width: 90 },
        { title: 'Score', width: 34, align: 'right' },
        { title: 'Why', width: 346 },
      ],
      rows: f.attention.map((a) => [String(a.rank), a.robot_id, String(a.score), a.reasons.join('; ')]),
      empty: 'None: no robot has a finding in these figures.',
      note: 'Score: a fixed weighting of the findings (a servo at its limit 100, within an hour of it 80, emergency stop 30, each critical alert 25, ...), used only to order the list.',
    },
    robotsTable(f),
    { kind: 'bar-charts' },
  ]
}

/** The sections of a report, in reading order, after its title and narrative. */
export function reportBlocks(r: Pick<AnyReport, 'scope' | 'figures'>): ReportBlock[] {
  return r.scope === 'fleet' ? fleetBlocks(r.figures as FleetFigures) : robotBlocks(r.figures as ReportFigures)
}
