// A report as a PDF: title, robot (or fleet) and window, the narrative (or why there is none),
// then the sections of report-layout.ts, the same facts and tables the dashboard shows, with
// the charts only paper has: per-servo temperature small multiples, the fleet's bar charts.
// Drawn with pdf-writer.ts, which keeps recorded text text.
import { jointLabel } from '../../core/servo-label.ts'
import { drawBarChart } from './pdf-bar-chart.ts'
import { INK, LIMIT, LINE, MUTED, narrativeSection, renderDocument, RULE, titleBlock, type PdfOptions, type Writer } from './pdf-writer.ts'
import { num, reportTypeLabel, utc } from '../../core/reports/labels.ts'
import { reportBlocks, type ReportBlock } from '../../core/reports/report-layout.ts'
import type { AnyReport, Report } from '../../core/reports/report.ts'

export type { PdfOptions } from './pdf-writer.ts'

const CHART_TITLE_PT = 7
const CHART_TITLE_MIN_PT = 5.5

/** `text` at the largest size from `pt` down to CHART_TITLE_MIN_PT that fits `width`; cut only past that. */
function fittedText(w: Writer, text: string, x: number, y: number, width: number) {
  const doc = w.doc.font('body')
  let pt = CHART_TITLE_PT
  while (pt > CHART_TITLE_MIN_PT && doc.fontSize(pt).widthOfString(text) > width) pt -= 0.5
  doc.fontSize(pt).fillColor(INK).text(text, x, y, { width, lineBreak: false, ellipsis: true, height: 11 })
}

function temperatureCharts(w: Writer, r: Report) {
  const series = r.charts.servo_temperature.filter((s) => s.points.length > 0)
  if (!r.figures.servos) return
  w.heading('Servo temperatures')
  if (series.length === 0) {
    w.paragraph('No temperature readings in this window.')
    return
  }
  const doc = w.doc
  const limit = r.figures.limits.servo_temperature_critical_c
  const values = series.flatMap((s) => s.points.map((p) => p[1]))
  const lo = Math.floor(Math.min(...values) - 1)
  let hi = Math.ceil(Math.max(...values) + 1)
  // Show the limit when it is near enough to matter; far away it would flatten every line.
  if (limit - hi <= 15) hi = Math.max(hi, limit + 2)
  if (hi - lo < 5) hi = lo + 5
  const t0 = r.time_range.from,
    t1 = Math.max(r.time_range.to, t0 + 1)
  const cols = 4,
    gap = 10,
    boxW = (w.width - gap * (cols - 1)) / cols,
    boxH = 62,
    titleH = 11
  let rowY = doc.y
  series.forEach((s, i) => {
    const col = i % cols
    if (col === 0) {
      if (i > 0) rowY += titleH + boxH + gap
      if (rowY + titleH + boxH > w.bottom) {
        doc.addPage()
        rowY = doc.y
      }
    }
    const x = w.left + col * (boxW + gap)
    // The servo's name has the title row to itself; its peak sits inside the box.
    fittedText(w, w.text(`${s.id}${s.name ? ` ${jointLabel(s.name)}` : ''}`, 40), x, rowY, boxW)
    const y = rowY + titleH
    doc.rect(x, y, boxW, boxH).lineWidth(0.5).strokeColor(RULE).stroke()
    doc
      .font('body')
      .fontSize(6)
      .fillColor(MUTED)
      .text(`max ${num(Math.max(...s.points.map((p) => p[1])), 1)} °C`, x + 2, y + 2, { width: boxW - 4, align: 'right', lineBreak: false, height: 8 })
    const px = (t: number) => x + ((t - t0) / (t1 - t0)) * boxW
    const py = (v: number) => y + boxH - ((v - lo) / (hi - lo)) * boxH
    if (limit >= lo && limit <= hi) {
      doc
        .moveTo(x, py(limit))
        .lineTo(x + boxW, py(limit))
        .lineWidth(0.6)
        .dash(2, { space: 2 })
        .strokeColor(LIMIT)
        .stroke()
        .undash()
    }
    // A gap in the data stays a gap: no line across a time with no readings.
    const steps = s.points
      .slice(1)
      .map((p, k) => p[0] - s.points[k][0])
      .sort((a, b) => a - b)
    const maxStep = (steps[Math.floor(steps.length / 2)] ?? 0) * 3
    doc.lineWidth(0.9).strokeColor(LINE)
    s.points.forEach(([t, v], k) => {
      const X = Math.min(x + boxW, Math.max(x, px(t))),
        Y = py(v)
      if (k === 0 || t - s.points[k - 1][0] > maxStep) doc.moveTo(X, Y)
      else doc.lineTo(X, Y)
    })
    if (s.points.length === 1) doc.circle(px(s.points[0][0]), py(s.points[0][1]), 1).fill(LINE)
    else doc.stroke()
  })
  doc.y = rowY + titleH + boxH + 6
  w.paragraph(`Each box: ${utc(t0)} to ${utc(t1)} UTC across, ${lo} to ${hi} °C up; dashed red line: the ${limit} °C critical limit.`, {
    size: 8,
    color: MUTED,
  })
}

function drawBlock(w: Writer, b: ReportBlock, r: AnyReport) {
  switch (b.kind) {
    case 'facts':
      w.keyValues(b.title, b.rows)
      if (b.note) w.paragraph(b.note, { size: 8, color: MUTED })
      return
    case 'table':
      w.heading(b.title)
      if (b.intro) w.paragraph(b.intro)
      if (b.rows.length) w.table(b.columns, b.rows)
      else if (b.empty) w.paragraph(b.empty, { color: MUTED })
      if (b.note) w.paragraph(b.note, { size: 8, color: MUTED })
      return
    case 'servo-charts':
      if (r.scope !== 'fleet') temperatureCharts(w, r)
      return
    case 'bar-charts':
      if (r.scope === 'fleet') for (const c of r.charts.bars) drawBarChart(w, c)
  }
}

/** The layout follows what the report is about: one robot, or the fleet. */
export function renderReportPdf(r: AnyReport, opts: PdfOptions = {}): Promise<Buffer> {
  const fleet = r.scope === 'fleet'
  const kind = reportTypeLabel(r.report_type)
  const subject = fleet ? `Fleet of ${r.figures.robots_in_report} robot${r.figures.robots_in_report === 1 ? '' : 's'}` : `Robot ${r.robot_id}`
  return renderDocument(
    {
      title: `TonyPi ${fleet ? 'fleet ' : ''}${kind.toLowerCase()} report #${r.id}`,
      subject: fleet ? 'fleet' : `robot ${r.robot_id}`,
      createdAt: r.created_at,
      footer: `TonyPi report #${r.id} · ${fleet ? 'fleet' : `robot ${r.robot_id}`}`,
    },
    opts,
    (w) => {
      titleBlock(w, r, `TonyPi ${fleet ? 'fleet ' : ''}${fleet ? kind.toLowerCase() : kind} report`, subject, r.figures.window.hours)
      narrativeSection(w, r)
      for (const b of reportBlocks(r)) drawBlock(w, b, r)
    },
  )
}
