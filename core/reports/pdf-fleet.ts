// A fleet report as a PDF: title and window, the narrative (or why there is none), the fleet's
// totals, the robots that need attention with the reasons, one table row per robot, and bar
// charts. Every robot id, name and reason is recorded text and is drawn through Writer.text.
import type { FleetFigures, FleetRobotRow } from './fleet-figures.ts'
import { drawBarChart } from './pdf-bar-chart.ts'
import { countsLine, dash, MUTED, narrativeSection, num, renderDocument, titleBlock, typeTitle, type Column, type PdfOptions, type Writer } from './pdf-writer.ts'
import type { FleetReport } from './report.ts'

function summary(w: Writer, f: FleetFigures) {
  const t = f.fleet
  const rows: unknown[][] = [
    ['Robots in the report', `${f.robots_in_report} of ${f.robots_registered} registered${f.robots_omitted ? ` (${f.robots_omitted} left out)` : ''}`],
    ['Status now', countsLine(t.by_status_now)],
    ['Robots with no data in the window', t.robots_without_data],
    ['Mean data coverage (%)', num(t.mean_online_percent, 1)],
    ['Alerts in the window', `${t.alerts.total} (${t.alerts.open} still open); by severity: ${countsLine(t.alerts.by_severity)}`],
  ]
  if (t.jobs) {
    rows.push(['Jobs', `${t.jobs.total}; by status: ${countsLine(t.jobs.by_status)}`], ['Job success rate (%)', num(t.jobs.success_rate_percent, 1)], ['Items done', t.jobs.items_done])
  }
  if (t.servos) {
    rows.push(
      ['Servos reporting', `${t.servos.servos}; ${t.servos.heating} heating, ${t.servos.at_or_over_limit} at or over their limit`],
      ['Hottest servo', t.servos.hottest ? `robot ${t.servos.hottest.robot_id}, servo ${t.servos.hottest.servo_id}: ${num(t.servos.hottest.max_c, 1)} °C` : dash],
      ['First servo to reach its limit', t.servos.first_to_limit
        ? `robot ${t.servos.first_to_limit.robot_id}, servo ${t.servos.first_to_limit.servo_id}: ${t.servos.first_to_limit.hours === 0 ? 'already there' : `in ${num(t.servos.first_to_limit.hours, 1)} h`}`
        : 'none heating'],
    )
  }
  if (t.battery) rows.push(['Lowest battery', t.battery.lowest ? `robot ${t.battery.lowest.robot_id}: ${num(t.battery.lowest.min_percent, 1)} %` : dash])
  if (t.sync) {
    rows.push(
      ['Sync with the hub', `${t.sync.robots_synced} robot(s) synced, ${t.sync.robots_never_synced} never; ${t.sync.backlog_records} record(s) waiting`],
      ['Longest sync lag', t.sync.max_lag ? `robot ${t.sync.max_lag.robot_id}: ${num(t.sync.max_lag.lag_s / 60, 1)} min` : dash],
    )
  }
  w.keyValues('Fleet', rows)
}

function attention(w: Writer, f: FleetFigures) {
  w.heading('Robots needing attention')
  if (f.attention.length === 0) { w.paragraph('None: no robot has a finding in these figures.'); return }
  w.table(
    [{ title: 'Rank', width: 30, align: 'right' }, { title: 'Robot', width: 90 }, { title: 'Score', width: 34, align: 'right' }, { title: 'Why', width: 346 }],
    f.attention.map((a) => [a.rank, a.robot_id, a.score, a.reasons.join('; ')]),
  )
  w.paragraph('Score: a fixed weighting of the findings (a servo at its limit 100, within an hour of it 80, emergency stop 30, each critical alert 25, ...), used only to order the list.', { size: 8, color: MUTED })
}

const hoursToLimit = (r: FleetRobotRow) => {
  const f = r.servos?.first_to_limit
  return !f ? dash : f.basis === 'at_or_over_limit' ? 'at limit' : num(f.hours, 1)
}

function robotsTable(w: Writer, f: FleetFigures) {
  w.heading('Robots')
  if (f.robots.length === 0) { w.paragraph('No robots.'); return }
  const has = (k: 'jobs' | 'servos' | 'battery' | 'sync') => f.robots.some((r) => r[k] !== undefined)
  // Widths fit each header's longest word in DejaVu Sans Bold 8 pt (the widest font used), so
  // headers wrap between words only.
  const cols: [Column, (r: FleetRobotRow) => unknown][] = [
    [{ title: 'Robot', width: 110 }, (r) => (r.name ? `${r.robot_id} (${r.name})` : r.robot_id)],
    [{ title: 'Now', width: 44 }, (r) => r.status_now.replace('_', ' ')],
    [{ title: 'Data (%)', width: 30, align: 'right' }, (r) => num(r.online_percent, 1)],
    [{ title: 'Alerts open / all', width: 36, align: 'right' }, (r) => `${r.alerts.open} / ${r.alerts.total}`],
    [{ title: 'Crit. alerts', width: 34, align: 'right' }, (r) => r.alerts.by_severity.critical ?? 0],
  ]
  if (has('jobs')) {
    cols.push(
      [{ title: 'Jobs done / all', width: 30, align: 'right' }, (r) => (r.jobs ? `${r.jobs.by_status.completed ?? 0} / ${r.jobs.total}` : dash)],
      [{ title: 'Jobs OK (%)', width: 28, align: 'right' }, (r) => num(r.jobs?.success_rate_percent, 1)],
    )
  }
  if (has('servos')) {
    cols.push(
      [{ title: 'Hottest servo (max °C)', width: 70 }, (r) => (r.servos?.hottest ? `${r.servos.hottest.id}${r.servos.hottest.name ? ` ${r.servos.hottest.name}` : ''}: ${num(r.servos.hottest.max_c, 1)}` : dash)],
      [{ title: 'Hours to limit', width: 34, align: 'right' }, hoursToLimit],
    )
  }
  if (has('battery')) cols.push([{ title: 'Battery min (%)', width: 41, align: 'right' }, (r) => num(r.battery?.min_percent, 1)])
  if (has('sync')) cols.push([{ title: 'Sync lag (min)', width: 32, align: 'right' }, (r) => (r.sync ? num(r.sync.lag_s === null ? null : r.sync.lag_s / 60, 1) : 'never')])
  w.table(cols.map(([c]) => c), f.robots.map((r) => cols.map(([, cell]) => cell(r))))
  w.paragraph('Data: share of the window\'s minutes with any data from the robot. Hours to limit: for the servo that reaches its robot\'s critical temperature first at its present trend.', { size: 8, color: MUTED })
}

export function renderFleetPdf(r: FleetReport, opts: PdfOptions = {}): Promise<Buffer> {
  const f = r.figures
  return renderDocument(
    { title: `TonyPi fleet ${r.report_type} report #${r.id}`, subject: 'fleet', createdAt: r.created_at, footer: `TonyPi report #${r.id} · fleet` },
    opts,
    (w) => {
      titleBlock(w, r, `TonyPi fleet ${typeTitle(r.report_type).toLowerCase()} report`, `Fleet of ${f.robots_in_report} robot(s)`, f.window.hours)
      narrativeSection(w, r)
      summary(w, f)
      attention(w, f)
      robotsTable(w, f)
      for (const c of r.charts.bars) drawBarChart(w, c)
    },
  )
}
