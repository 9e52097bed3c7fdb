// What every report PDF is drawn with: the page writer (headings, paragraphs, tables that
// break across pages and whose columns are never narrower than their headers' words), the
// title block, the narrative section, page footers and the document's life cycle. Every string
// from a report goes through pdfSafeText and is drawn with pdfkit's text(), which writes glyph
// codes in hex: recorded text is shown, never interpreted (LEGACY.md flaw 12). pdf.ts lays out
// the sections of report-layout.ts with it.
import PDFDocument from 'pdfkit'
import { utc } from '../../core/reports/labels.ts'
import type { PdfFonts } from './pdf-fonts.ts'
import { pdfSafeText, winAnsiCanDraw } from './pdf-safe-text.ts'
import type { ReportHeader } from '../../core/reports/report.ts'

export interface PdfOptions {
  /** A Unicode TrueType font; without one, Helvetica, and what it cannot draw shows as '?'. */
  fonts?: PdfFonts | null
  /** Uncompressed content streams, for inspecting the output. */
  compress?: boolean
}

export const MARGIN = 48
const CELL_MAX_CHARS = 400
export const INK = '#1f2328'
export const MUTED = '#57606a'
export const RULE = '#d0d7de'
export const LINE = '#0969da'
export const LIMIT = '#cf222e'

export interface Column {
  title: string
  width: number
  align?: 'left' | 'right'
}

/** A heading is kept with at least this much of what follows it (about three table rows). */
const KEEP_WITH_HEADING = 56
/** A table this tall or less is not split across pages. */
const SHORT_TABLE = 200

/** The runs of `text` a line never breaks inside, as pdfkit measures them: each word with its
 * trailing space, a slash or closing mark kept on its word's line ("done / ", as Unicode line
 * breaking never starts a line with one). */
export function unbreakable(text: string): string[] {
  return text.split(/\s+(?![/)\]},.;:!?])/).map((w) => `${w} `)
}

/**
 * Column widths summing to `total`: each the share its declared width asks for, but never less
 * than `min` (its longest word), the difference taken from the columns with room to spare.
 */
export function fitColumns(declared: readonly number[], min: readonly number[], total: number): number[] {
  const sum = declared.reduce((a, b) => a + b, 0)
  let widths = declared.map((d) => (d / sum) * total)
  for (let pass = 0; pass < declared.length; pass++) {
    const short = widths.map((w, i) => Math.max(0, min[i] - w))
    const need = short.reduce((a, b) => a + b, 0)
    if (need <= 0.01) break
    const spare = widths.map((w, i) => (short[i] > 0 ? 0 : Math.max(0, w - min[i])))
    const room = spare.reduce((a, b) => a + b, 0)
    if (room <= 0) break
    const take = Math.min(need, room)
    widths = widths.map((w, i) => (short[i] > 0 ? min[i] : w - (spare[i] / room) * take))
  }
  return widths
}

interface Glyphs {
  hasGlyphForCodePoint?(cp: number): boolean
}

export class Writer {
  readonly left = MARGIN
  readonly width: number
  readonly bottom: number
  private readonly canDraw: (cp: number) => boolean
  private readonly replacement: string

  constructor(
    readonly doc: PDFKit.PDFDocument,
    embedded: boolean,
  ) {
    this.width = doc.page.width - 2 * MARGIN
    this.bottom = doc.page.height - MARGIN
    if (embedded) {
      // fontkit's glyph table, reached through pdfkit's font object (pdfkit is pinned).
      const glyphs = (name: string) => {
        doc.font(name)
        return (doc as unknown as { _font?: { font?: Glyphs } })._font?.font
      }
      const r = glyphs('body'),
        b = glyphs('bold')
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
    this.ensure(KEEP_WITH_HEADING)
    this.doc.moveDown(0.8).font('bold').fontSize(13).fillColor(INK).text(this.text(title), this.left, this.doc.y, { width: this.width })
    this.doc.moveDown(0.3)
  }

  paragraph(s: unknown, opts: { size?: number; color?: string } = {}) {
    this.doc
      .font('body')
      .fontSize(opts.size ?? 10)
      .fillColor(opts.color ?? INK)
      .text(this.text(s), this.left, this.doc.y, { width: this.width })
    this.doc.moveDown(0.4)
  }

  table(columns: Column[], rows: unknown[][]) {
    const doc = this.doc
    const pad = 3
    const header = columns.map((c) => this.text(c.title))
    const body = rows.map((r) => r.map((v) => this.text(v, CELL_MAX_CHARS)))
    // No column narrower than its header's longest word, so "Samples" never breaks into
    // "Sample / s", nor a number column than its widest number; text cells wrap as they must.
    // A table with too many columns for that at 8 pt is set smaller, down to 6 pt.
    const mins = (size: number) => {
      const widest = (font: string, words: string[]) => {
        doc.font(font).fontSize(size)
        return Math.max(0, ...words.map((w) => doc.widthOfString(w)))
      }
      return columns.map(
        (c, i) =>
          Math.max(
            widest('bold', unbreakable(header[i])),
            c.align === 'right'
              ? widest(
                  'body',
                  body.map((r) => r[i] ?? ''),
                )
              : 0,
          ) +
          2 * pad +
          1,
      )
    }
    let size = 8
    let min = mins(size)
    while (size > 6 && min.reduce((a, b) => a + b, 0) > this.width) min = mins((size -= 0.5))
    const widths = fitColumns(
      columns.map((c) => c.width),
      min,
      this.width,
    )
    const cols = columns.map((c, i) => ({ ...c, width: widths[i] }))
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
      doc
        .moveTo(this.left, y + h)
        .lineTo(this.left + this.width, y + h)
        .lineWidth(0.5)
        .strokeColor(RULE)
        .stroke()
      doc.y = y + h
    }
    // A short table stays on one page; a long one starts with its header and a row at least.
    const whole = rowHeight(header, 'bold') + body.reduce((a, r) => a + rowHeight(r, 'body'), 0)
    this.ensure(whole <= SHORT_TABLE ? whole : rowHeight(header, 'bold') + (body[0] ? rowHeight(body[0], 'body') : 0))
    drawRow(header, 'bold', true)
    for (const cells of body) {
      if (doc.y + rowHeight(cells, 'body') > this.bottom) {
        doc.addPage()
        drawRow(header, 'bold', true)
      }
      drawRow(cells, 'body', false)
    }
    doc.x = this.left
    doc.moveDown(0.6)
  }

  keyValues(title: string, rows: unknown[][]) {
    this.heading(title)
    this.table(
      [
        { title: 'Figure', width: 220 },
        { title: 'Value', width: 280 },
      ],
      rows,
    )
  }
}

/** Title, subject line (robot or fleet), window and author, then a rule. */
export function titleBlock(w: Writer, r: ReportHeader, title: string, subject: string, hours: number) {
  const doc = w.doc
  doc.font('bold').fontSize(20).fillColor(INK).text(w.text(title), w.left, MARGIN, { width: w.width })
  doc.moveDown(0.3)
  w.paragraph(`${subject}  ·  report #${r.id}`, { size: 11 })
  w.paragraph(`Window: ${utc(r.time_range.from)} to ${utc(r.time_range.to)} UTC (${hours} h)`, { size: 10, color: MUTED })
  w.paragraph(`Generated ${utc(r.created_at)} UTC by ${r.created_by}`, { size: 10, color: MUTED })
  doc
    .moveTo(w.left, doc.y)
    .lineTo(w.left + w.width, doc.y)
    .lineWidth(1)
    .strokeColor(RULE)
    .stroke()
}

export function narrativeSection(w: Writer, r: ReportHeader) {
  w.heading('Narrative and recommendations')
  if (r.narrative) {
    w.paragraph(r.narrative)
    w.paragraph('Written by a language model from the figures in this report; check it against them.', { size: 8, color: MUTED })
  } else {
    w.paragraph(`No narrative: ${r.narrative_error ?? 'not requested'}.`, { color: MUTED })
  }
}

function footers(w: Writer, label: string) {
  const doc = w.doc
  const pages = doc.bufferedPageRange()
  for (let i = pages.start; i < pages.start + pages.count; i++) {
    doc.switchToPage(i)
    // Text in the bottom margin would otherwise make pdfkit start a new page.
    const bottom = doc.page.margins.bottom
    doc.page.margins.bottom = 0
    doc
      .font('body')
      .fontSize(7)
      .fillColor(MUTED)
      .text(w.text(`${label} · page ${i + 1} of ${pages.count}`), w.left, doc.page.height - MARGIN + 16, { width: w.width, align: 'center', lineBreak: false })
    doc.page.margins.bottom = bottom
  }
}

export interface DocumentInfo {
  title: string
  subject: string
  createdAt: number
  /** Starts each page's footer ("TonyPi report #7 · robot x"); the page number follows. */
  footer: string
}

/** An A4 document, drawn by `draw`, footed on every page, as one buffer. */
export function renderDocument(info: DocumentInfo, opts: PdfOptions, draw: (w: Writer) => void): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    compress: opts.compress ?? true,
    info: { Title: info.title, Author: 'TonyPi Monitor', Subject: info.subject, CreationDate: new Date(info.createdAt) },
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
  draw(w)
  footers(w, info.footer)
  doc.end()
  return done
}
