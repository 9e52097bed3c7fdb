// A robot's report as a PDF: title, robot and window, the narrative (or why there is none),
// figures tables, per-servo temperature charts in vector graphics, alerts and jobs. A fleet
// report goes to pdf-fleet.ts; both draw with pdf-writer.ts, which keeps recorded text text.
import type { FieldFigures, ReportFigures } from './figures.ts'
import { renderFleetPdf } from './pdf-fleet.ts'
import {
  countsLine, dash, LIMIT, LINE, MUTED, narrativeSection, num, range, renderDocument, titleBlock, trend, typeTitle, utc, INK, RULE,
  type PdfOptions, type Writer,
} from './pdf-writer.ts'
import type { AnyReport, Report } from './report.ts'

export type { PdfOptions } from './pdf-writer.ts'

function fieldRows(label: string, unit: string, f: FieldFigures | null | undefined, digits: number): unknown[][] {
  return [[`${label} min / mean / max (${unit})`, range(f, digits)], [`${label} trend (${unit}/h)`, trend(f, digits + 2)], [`${label} last (${unit})`, f ? num(f.last, digits) : dash]]
}

const TTL_WORDS: Record<string, string> = { flat: 'flat', cooling: 'cooling', not_enough_data: 'no trend', at_or_over_limit: 'at limit' }

function servoTable(w: Writer, f: ReportFigures) {
  if (!f.servos) return
  w.heading('Servos')
  const limit = f.limits.servo_temperature_critical_c
  if (f.servos.length === 0) { w.paragraph('No servo data in this window.'); return }
  w.table(
    [
      { title: 'Servo', width: 100 }, { title: 'Temp. min / mean / max (°C)', width: 90 }, { title: 'Trend (°C/h)', width: 58, align: 'right' },
      { title: `Hours to ${limit} °C`, width: 56, align: 'right' }, { title: 'Voltage min / mean / max (V)', width: 100 },
      { title: 'Trend (V/h)', width: 52, align: 'right' }, { title: 'Samples', width: 40, align: 'right' },
    ],
    f.servos.map((s) => [
      s.name ? `${s.id} ${s.name}` : s.id, range(s.temperature_c, 1), trend(s.temperature_c, 2),
      s.time_to_limit_basis === 'heating' ? num(s.time_to_limit_h, 1) : TTL_WORDS[s.time_to_limit_basis ?? ''] ?? dash,
      range(s.voltage_v, 3), trend(s.voltage_v, 4), String(s.temperature_c?.samples ?? s.voltage_v?.samples ?? 0),
    ]),
  )
  w.paragraph(`Critical limit ${limit} °C (${f.limits.source}). Trends are least-squares slopes over the window; "flat" is under 0.1 °C/h.`, { size: 8, color: MUTED })
}

function temperatureCharts(w: Writer, r: Report) {
  const series = r.charts.servo_temperature.filter((s) => s.points.length > 0)
  if (!r.figures.servos) return
  w.heading('Servo temperatures')
  if (series.length === 0) { w.paragraph('No temperature readings in this window.'); return }
  const doc = w.doc
  const limit = r.figures.limits.servo_temperature_critical_c
  const values = series.flatMap((s) => s.points.map((p) => p[1]))
  let lo = Math.floor(Math.min(...values) - 1)
  let hi = Math.ceil(Math.max(...values) + 1)
  // Show the limit when it is near enough to matter; far away it would flatten every line.
  if (limit - hi <= 15) hi = Math.max(hi, limit + 2)
  if (hi - lo < 5) hi = lo + 5
  const t0 = r.time_range.from, t1 = Math.max(r.time_range.to, t0 + 1)
  const cols = 4, gap = 10, boxW = (w.width - gap * (cols - 1)) / cols, boxH = 62, titleH = 11
  let rowY = doc.y
  series.forEach((s, i) => {
    const col = i % cols
    if (col === 0) {
      if (i > 0) rowY += titleH + boxH + gap
      if (rowY + titleH + boxH > w.bottom) { doc.addPage(); rowY = doc.y }
    }
    const x = w.left + col * (boxW + gap)
    const peak = `max ${num(Math.max(...s.points.map((p) => p[1])), 1)} °C`
    doc.font('body').fontSize(7).fillColor(INK)
    const peakW = doc.widthOfString(peak) + 4
    doc.text(w.text(`${s.id}${s.name ? ` ${s.name}` : ''}`, 40), x, rowY, { width: boxW - peakW, lineBreak: false, ellipsis: true, height: titleH })
    doc.text(peak, x + boxW - peakW, rowY, { width: peakW, align: 'right', lineBreak: false, height: titleH })
    const y = rowY + titleH
    doc.rect(x, y, boxW, boxH).lineWidth(0.5).strokeColor(RULE).stroke()
    const px = (t: number) => x + ((t - t0) / (t1 - t0)) * boxW
    const py = (v: number) => y + boxH - ((v - lo) / (hi - lo)) * boxH
    if (limit >= lo && limit <= hi) {
      doc.moveTo(x, py(limit)).lineTo(x + boxW, py(limit)).lineWidth(0.6).dash(2, { space: 2 }).strokeColor(LIMIT).stroke().undash()
    }
    // A gap in the data stays a gap: no line across a time with no readings.
    const steps = s.points.slice(1).map((p, k) => p[0] - s.points[k][0]).sort((a, b) => a - b)
    const maxStep = (steps[Math.floor(steps.length / 2)] ?? 0) * 3
    doc.lineWidth(0.9).strokeColor(LINE)
    s.points.forEach(([t, v], k) => {
      const X = Math.min(x + boxW, Math.max(x, px(t))), Y = py(v)
      if (k === 0 || t - s.points[k - 1][0] > maxStep) doc.moveTo(X, Y)
      else doc.lineTo(X, Y)
    })
    if (s.points.length === 1) doc.circle(px(s.points[0][0]), py(s.points[0][1]), 1).fill(LINE)
    else doc.stroke()
  })
  doc.y = rowY + titleH + boxH + 6
  w.paragraph(`Each box: ${utc(t0)} to ${utc(t1)} UTC across, ${lo} to ${hi} °C up; dashed red line: the ${limit} °C critical limit.`, { size: 8, color: MUTED })
}

function otherFigures(w: Writer, f: ReportFigures) {
  const u = f.uptime
  w.keyValues('Uptime', [
    ['Window (h)', num(u.window_h, 2)], ['Data coverage (%)', num(u.data_coverage_percent, 1)],
    ['Restarts of the host', u.restarts ?? dash], ['Host uptime at the end (h)', num(u.system_uptime_h, 2)],
    ['Monitoring service uptime (h)', num(u.service_uptime_h, 2)],
  ])
  if (f.system !== undefined) {
    w.keyValues('Host computer', f.system
      ? [...fieldRows('CPU', '%', f.system.cpu_percent, 1), ...fieldRows('Memory', '%', f.system.mem_percent, 1), ...fieldRows('CPU temperature', '°C', f.system.cpu_temp_c, 1)]
      : [['Host figures', 'not available']])
  }
  if (f.battery !== undefined) {
    w.keyValues('Battery', f.battery
      ? [...fieldRows('Charge', '%', f.battery.percent, 1), ...fieldRows('Voltage', 'V', f.battery.voltage_v, 3), ['Hours to empty at this trend', num(f.battery.time_to_empty_h, 1)]]
      : [['Battery figures', 'not available']])
  }
  if (f.sync !== undefined) {
    w.keyValues('Sync with the hub', f.sync
      ? [['Records waiting', f.sync.backlog_records], ['Lag (s)', num(f.sync.lag_s, 0)], ['Last sync', `${utc(f.sync.last_sync_at)} UTC`], ['Records dropped', f.sync.dropped_records ?? dash]]
      : [['Sync', 'not configured on this robot']])
  }
}

function alertsSection(w: Writer, f: ReportFigures) {
  const a = f.alerts
  w.heading('Alerts')
  w.paragraph(`${a.total} alert(s) active in the window: ${a.open} still open, ${a.acknowledged} acknowledged. By severity: ${countsLine(a.by_severity)}. By type: ${countsLine(a.by_type)}. Mean time to resolve: ${num(a.mean_time_to_resolve_min, 1)} min.`)
  if (!a.items?.length) return
  w.table(
    [{ title: 'Raised (UTC)', width: 72 }, { title: 'Severity', width: 46 }, { title: 'Type', width: 70 }, { title: 'Source', width: 44 },
      { title: 'Title', width: 150 }, { title: 'Value / threshold', width: 58, align: 'right' }, { title: 'State', width: 60 }],
    a.items.map((x) => [utc(x.created_at), x.severity, x.type, x.source, x.title, `${num(x.value, 2)} / ${num(x.threshold, 2)}`,
      x.resolved ? `resolved ${utc(x.resolved_at)}` : x.acknowledged ? 'acknowledged' : 'open']),
  )
  if (a.items_omitted) w.paragraph(`${a.items_omitted} older alert(s) not listed.`, { size: 8, color: MUTED })
}

function jobsSection(w: Writer, f: ReportFigures) {
  const j = f.jobs
  if (!j) return
  w.heading('Jobs')
  w.paragraph(`${j.total} job(s) in the window. By status: ${countsLine(j.by_status)}. Success rate: ${num(j.success_rate_percent, 1)} %. Mean duration: ${num(j.mean_duration_min, 1)} min. Items done: ${j.items_done}.`)
  if (!j.items?.length) return
  w.table(
    [{ title: 'Started (UTC)', width: 72 }, { title: 'Task', width: 150 }, { title: 'Status', width: 60 }, { title: 'Items', width: 50, align: 'right' },
      { title: 'Duration (min)', width: 50, align: 'right' }, { title: 'Reason', width: 118 }],
    j.items.map((x) => [utc(x.started_at), x.task_name, x.status, `${x.items_done ?? dash} / ${x.items_total ?? dash}`, num(x.duration_min, 1), x.reason ?? '']),
  )
  if (j.items_omitted) w.paragraph(`${j.items_omitted} older job(s) not listed.`, { size: 8, color: MUTED })
}

function renderRobotPdf(r: Report, opts: PdfOptions): Promise<Buffer> {
  return renderDocument(
    { title: `TonyPi ${r.report_type} report #${r.id}`, subject: `robot ${r.robot_id}`, createdAt: r.created_at, footer: `TonyPi report #${r.id} · robot ${r.robot_id}` },
    opts,
    (w) => {
      titleBlock(w, r, `TonyPi ${typeTitle(r.report_type)} report`, `Robot ${r.robot_id}`, r.figures.window.hours)
      narrativeSection(w, r)
      servoTable(w, r.figures)
      temperatureCharts(w, r)
      otherFigures(w, r.figures)
      alertsSection(w, r.figures)
      jobsSection(w, r.figures)
    },
  )
}

/** The layout follows what the report is about: one robot, or the fleet. */
export function renderReportPdf(r: AnyReport, opts: PdfOptions = {}): Promise<Buffer> {
  return r.scope === 'fleet' ? renderFleetPdf(r, opts) : renderRobotPdf(r, opts)
}
