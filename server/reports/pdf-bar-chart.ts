// A horizontal bar chart in vector graphics: one row per bar (a robot), its label on the left,
// its value on the right, an optional dashed limit line. Rows break across pages like a table,
// so a long fleet never runs off the page; the limit is drawn per row for the same reason.
import type { BarChart } from '../../core/reports/fleet-figures.ts'
import { LIMIT, LINE, MUTED, RULE, INK, type Writer } from './pdf-writer.ts'

const LABEL_W = 120
const VALUE_W = 56
const ROW_H = 12
const BAR_H = 8

const show = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1))

export function drawBarChart(w: Writer, c: BarChart) {
  w.heading(c.title)
  if (c.bars.length === 0) {
    w.paragraph(c.empty, { color: MUTED })
    return
  }
  const doc = w.doc
  const x0 = w.left + LABEL_W
  const plotW = w.width - LABEL_W - VALUE_W
  const top = Math.max(c.max ?? 0, c.limit?.value ?? 0, ...c.bars.map((b) => b.value))
  const hi = top > 0 ? top : 1
  const px = (v: number) => x0 + (Math.min(Math.max(v, 0), hi) / hi) * plotW
  for (const b of c.bars) {
    w.ensure(ROW_H)
    const y = doc.y
    doc.font('body').fontSize(7).fillColor(INK)
    doc.text(w.text(b.label, 40), w.left, y + 2, { width: LABEL_W - 6, lineBreak: false, ellipsis: true, height: ROW_H })
    doc
      .rect(x0, y + (ROW_H - BAR_H) / 2, plotW, BAR_H)
      .lineWidth(0.3)
      .strokeColor(RULE)
      .stroke()
    const over = c.limit !== null && b.value >= c.limit.value
    if (b.value > 0) doc.rect(x0, y + (ROW_H - BAR_H) / 2, Math.max(0.5, px(b.value) - x0), BAR_H).fill(over ? LIMIT : LINE)
    if (c.limit) {
      const xl = px(c.limit.value)
      doc
        .moveTo(xl, y)
        .lineTo(xl, y + ROW_H)
        .lineWidth(0.8)
        .dash(1.5, { space: 1.5 })
        .strokeColor(LIMIT)
        .stroke()
        .undash()
    }
    doc
      .font('body')
      .fontSize(7)
      .fillColor(INK)
      .text(`${show(b.value)} ${c.unit}`, x0 + plotW + 4, y + 2, { width: VALUE_W - 4, lineBreak: false, height: ROW_H })
    doc.y = y + ROW_H
  }
  doc.x = w.left
  doc.moveDown(0.4)
  const notes = [`Bars from 0 to ${show(hi)} ${c.unit}.`]
  if (c.limit) notes.push(`Dashed red line: ${c.limit.label}; red bars are at or over it.`)
  if (c.omitted) notes.push(`${c.omitted} more robot(s) not drawn; the table lists every robot.`)
  w.paragraph(notes.join(' '), { size: 8, color: MUTED })
}
