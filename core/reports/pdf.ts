// A report as a PDF: title, robot and window, the narrative (or why there is none), figures
// tables, per-servo temperature charts in vector graphics, alerts and jobs. Every string from
// the report goes through pdfSafeText and is drawn with pdfkit's text(), which writes glyph
// codes in hex: recorded text is shown, never interpreted (LEGACY.md flaw 12).
import PDFDocument from 'pdfkit'
import type { FieldFigures, ReportFigures } from './figures.ts'
import type { PdfFonts } from './pdf-fonts.ts'
import { pdfSafeText, winAnsiCanDraw } from './pdf-safe-text.ts'
import type { Report } from './report.ts'

export interface PdfOptions {
  /** A Unicode TrueType font; without one, Helvetica, and what it cannot draw shows as '?'. */
  fonts?: PdfFonts | null
  /** Uncompressed content streams, for inspecting the output. */
  compress?: boolean
}

const MARGIN = 48
const CELL_MAX_CHARS = 400
const INK = '#1f2328'
const MUTED = '#57606a'
const RULE = '#d0d7de'
const LINE = '#0969da'
const LIMIT = '#cf222e'

interface Column { title: string; width: number; align?: 'left' | 'right' }

interface Glyphs { hasGlyphForCodePoint?(cp: number): boolean }

class Writer {
  readonly left = MARGIN
  readonly width: number
  readonly bottom: number
  private readonly canDraw: (cp: number) => boolean
  private readonly replacement: string

  constructor(readonly doc: PDFKit.PDFDocument, embedded: boolean) {
    this.width = doc.page.width - 2 * MARGIN
    this.bottom = doc.page.height - MARGIN
    if (embedded) {
      // fontkit's glyph table, reached through pdfkit's font object (pdfkit is pinned).
      const glyphs = (name: string) => { doc.font(name); return (doc as unknown as { _font?: { font?: Glyphs } })._font?.font }
      const r = glyphs('body'), b = glyphs('bold')
      this.canDraw = (cp) => (r?.hasGlyphForCodePoint?.(cp) ?? true) && (b?.hasGlyphForCodePoint?.(cp) ?? true)
      this.replacement = this.canDraw(0xfffd) ? '\ufffd' : '?'
    } else {
      this.canDraw = winAnsiCanDraw
      this.replacement = '?'
    }
  }

  text(v: unknown, maxChars?: number): string {
    return pdfSafeText(v, { canDraw: this.canDraw, replacement: this.replacement, maxChars })
  }

  ensure(height: number) {
    if (this.doc.y + height > this.bottom) this.doc.addPage()
  }

  heading(title: string) {
    this.ensure(70)
    this.doc.moveDown(0.8).font('bold').fontSize(13).fillColor(INK).text(this.text(title), this.left, this.doc.y, { width: this.width })
    this.doc.moveDown(0.3)
  }

  paragraph(s: unknown, opts: { size?: number; color?: string } = {}) {
    this.doc.font('body').fontSize(opts.size ?? 10).fillColor(opts.color ?? INK).text(this.text(s), this.left, this.doc.y, { width: this.width })
    this.doc.moveDown(0.4)
  }

  table(columns: Column[], rows: unknown[][]) {
    const doc = this.doc
    const pad = 3, size = 8
    const scale = this.width / columns.reduce((a, c) => a + c.width, 0)
    const cols = columns.map((c) => ({ ...c, width: c.width * scale }))
    const rowHeight = (cells: string[], font: string) => {
      doc.font(font).fontSize(size)
      return Math.max(...cells.map((t, i) => doc.heightOfString(t || ' ', { width: cols[i].width - 2 * pad }))) + 2 * pad
    }
    const drawRow = (cells: string[], font: string, shade: boolean) => {
      const h = rowHeight(cells, font)
      const y = doc.y
      if (shade) doc.rect(this.left, y, this.width, h).fill('#f6f8fa')
      let x = this.left
      doc.font(font).fontSize(size).fillColor(INK)
      cells.forEach((t, i) => {
        doc.text(t, x + pad, y + pad, { width: cols[i].width - 2 * pad, align: cols[i].align ?? 'left' })
        x += cols[i].width
      })
      doc.moveTo(this.left, y + h).lineTo(this.left + this.width, y + h).lineWidth(0.5).strokeColor(RULE).stroke()
      doc.y = y + h
    }
    const header = cols.map((c) => this.text(c.title))
    const body = rows.map((r) => r.map((v) => this.text(v, CELL_MAX_CHARS)))
    this.ensure(rowHeight(header, 'bold') + (body[0] ? rowHeight(body[0], 'body') : 0))
    drawRow(header, 'bold', true)
    for (const cells of body) {
      if (doc.y + rowHeight(cells, 'body') > this.bottom) { doc.addPage(); drawRow(header, 'bold', true) }
      drawRow(cells, 'body', false)
    }
    doc.x = this.left
    doc.moveDown(0.6)
  }
}

const dash = '–'
const num = (v: number | null | undefined, digits: number) => (v === null || v === undefined || !Number.isFinite(v) ? dash : v.toFixed(digits))
const utc = (ts: number | null | undefined) => (ts === null || ts === undefined ? dash : `${new Date(ts).toISOString().slice(0, 16).replace('T', ' ')}`)
const range = (f: FieldFigures | null | undefined, digits: number) => (f ? `${num(f.min, digits)} / ${num(f.mean, digits)} / ${num(f.max, digits)}` : dash)
const trend = (f: FieldFigures | null | undefined, digits: number) => (f && f.trend_per_h !== null ? `${f.trend_per_h > 0 ? '+' : ''}${f.trend_per_h.toFixed(digits)}` : dash)

function fieldRows(label: string, unit: string, f: FieldFigures | null | undefined, digits: number): unknown[][] {
  return [[`${label} min / mean / max (${unit})`, range(f, digits)], [`${label} trend (${unit}/h)`, trend(f, digits + 2)], [`${label} last (${unit})`, f ? num(f.last, digits) : dash]]
}

const TTL_WORDS: Record<string, string> = { flat: 'flat', cooling: 'cooling', not_enough_data: 'no trend', at_or_over_limit: 'at limit' }

function header(w: Writer, r: Report) {
  const doc = w.doc
  const type = r.report_type[0].toUpperCase() + r.report_type.slice(1)
  doc.font('bold').fontSize(20).fillColor(INK).text(w.text(`TonyPi ${type} report`), w.left, MARGIN, { width: w.width })
  doc.moveDown(0.3)
  w.paragraph(`Robot ${r.robot_id}  ·  report #${r.id}`, { size: 11 })
  w.paragraph(`Window: ${utc(r.time_range.from)} to ${utc(r.time_range.to)} UTC (${r.figures.window.hours} h)`, { size: 10, color: MUTED })
  w.paragraph(`Generated ${utc(r.created_at)} UTC by ${r.created_by}`, { size: 10, color: MUTED })
  doc.moveTo(w.left, doc.y).lineTo(w.left + w.width, doc.y).lineWidth(1).strokeColor(RULE).stroke()
}

function narrative(w: Writer, r: Report) {
  w.heading('Narrative and recommendations')
  if (r.narrative) {
    w.paragraph(r.narrative)
    w.paragraph('Written by a language model from the figures in this report; check it against them.', { size: 8, color: MUTED })
  } else {
    w.paragraph(`No narrative: ${r.narrative_error ?? 'not requested'}.`, { color: MUTED })
  }
}

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

function keyValues(w: Writer, title: string, rows: unknown[][]) {
  w.heading(title)
  w.table([{ title: 'Figure', width: 220 }, { title: 'Value', width: 280 }], rows)
}

function otherFigures(w: Writer, f: ReportFigures) {
  const u = f.uptime
  keyValues(w, 'Uptime', [
    ['Window (h)', num(u.window_h, 2)], ['Data coverage (%)', num(u.data_coverage_percent, 1)],
    ['Restarts of the host', u.restarts ?? dash], ['Host uptime at the end (h)', num(u.system_uptime_h, 2)],
    ['Monitoring service uptime (h)', num(u.service_uptime_h, 2)],
  ])
  if (f.system !== undefined) {
    keyValues(w, 'Host computer', f.system
      ? [...fieldRows('CPU', '%', f.system.cpu_percent, 1), ...fieldRows('Memory', '%', f.system.mem_percent, 1), ...fieldRows('CPU temperature', '°C', f.system.cpu_temp_c, 1)]
      : [['Host figures', 'not available']])
  }
  if (f.battery !== undefined) {
    keyValues(w, 'Battery', f.battery
      ? [...fieldRows('Charge', '%', f.battery.percent, 1), ...fieldRows('Voltage', 'V', f.battery.voltage_v, 3), ['Hours to empty at this trend', num(f.battery.time_to_empty_h, 1)]]
      : [['Battery figures', 'not available']])
  }
  if (f.sync !== undefined) {
    keyValues(w, 'Sync with the hub', f.sync
      ? [['Records waiting', f.sync.backlog_records], ['Lag (s)', num(f.sync.lag_s, 0)], ['Last sync', `${utc(f.sync.last_sync_at)} UTC`], ['Records dropped', f.sync.dropped_records ?? dash]]
      : [['Sync', 'not configured on this robot']])
  }
}

const countsLine = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'

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

function footers(w: Writer, r: Report) {
  const doc = w.doc
  const pages = doc.bufferedPageRange()
  for (let i = pages.start; i < pages.start + pages.count; i++) {
    doc.switchToPage(i)
    // Text in the bottom margin would otherwise make pdfkit start a new page.
    const bottom = doc.page.margins.bottom
    doc.page.margins.bottom = 0
    doc.font('body').fontSize(7).fillColor(MUTED)
      .text(w.text(`TonyPi report #${r.id} · robot ${r.robot_id} · page ${i + 1} of ${pages.count}`), w.left, doc.page.height - MARGIN + 16, { width: w.width, align: 'center', lineBreak: false })
    doc.page.margins.bottom = bottom
  }
}

export function renderReportPdf(r: Report, opts: PdfOptions = {}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4', margin: MARGIN, bufferPages: true, compress: opts.compress ?? true,
    info: { Title: `TonyPi ${r.report_type} report #${r.id}`, Author: 'TonyPi Monitor', Subject: `robot ${r.robot_id}`, CreationDate: new Date(r.created_at) },
  })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  doc.registerFont('body', opts.fonts?.regular ?? 'Helvetica')
  doc.registerFont('bold', opts.fonts?.bold ?? 'Helvetica-Bold')
  const w = new Writer(doc, Boolean(opts.fonts))
  header(w, r)
  narrative(w, r)
  servoTable(w, r.figures)
  temperatureCharts(w, r)
  otherFigures(w, r.figures)
  alertsSection(w, r.figures)
  jobsSection(w, r.figures)
  footers(w, r)
  doc.end()
  return done
}
