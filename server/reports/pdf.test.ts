// The PDF: well formed, and every recorded string drawn as the literal text it is, whatever
// it contains (LEGACY.md flaw 12). Read back through the fonts' own character maps.
import { describe, expect, test } from 'bun:test'
import { jointLabel } from '../../core/servo-label.ts'
import { TONYPI_SERVOS } from '../../core/tonypi-servos.ts'
import { computeReport, type ReportType } from '../../core/reports/figures.ts'
import { systemReportFonts, type PdfFonts } from './pdf-fonts.ts'
import { pdfTextLines } from '../../test/support/pdf-reader.ts'
import { pdfSafeText, winAnsiCanDraw } from './pdf-safe-text.ts'
import { renderReportPdf } from './pdf.ts'
import type { Report } from '../../core/reports/report.ts'

const NOW = Date.UTC(2025, 5, 1, 12)
const FROM = NOW - 3_600_000
const HOSTILE = '<script>alert(1)</script> (x) \\) %PDF-1.7 %%EOF endobj'
const LONG_WORD = 'W'.repeat(700)

function report(type: ReportType, over: Partial<Omit<Report, 'scope'>> = {}): Report {
  const servos = Array.from({ length: 6 }, (_, i) => ({
    id: String(i + 1),
    name: `joint_${i + 1}`,
    temperature_c: Array.from({ length: 60 }, (_, k) => ({ ts: FROM + k * 60_000, n: 60, min: 30, max: 31 + k * 0.2, sum: 60 * (30.5 + k * 0.1 * i) })),
    voltage_v: Array.from({ length: 60 }, (_, k) => ({ ts: FROM + k * 60_000, n: 60, min: 7.3, max: 7.5, sum: 60 * 7.4 })),
  }))
  const { figures, charts } = computeReport(
    {
      robotId: 'tonypi-7',
      window: { from: FROM, to: NOW, preset: '1h' },
      limits: { servo_temperature_critical_c: 70, source: 'default' },
      servos,
      alerts: [
        {
          id: 1,
          type: 'servo_temperature',
          severity: 'warning',
          source: '3',
          title: `alert ${HOSTILE}`,
          value: 62,
          threshold: 60,
          created_at: NOW - 60_000,
          acknowledged: false,
          resolved: false,
          resolved_at: null,
        },
      ],
      jobs: [
        {
          id: 1,
          task_name: `job ${HOSTILE}`,
          status: 'failed',
          items_done: 1,
          items_total: 4,
          percent: 25,
          reason: `reason ${LONG_WORD}`,
          started_at: FROM + 60_000,
          finished_at: FROM + 120_000,
        },
      ],
    },
    type,
  )
  return {
    id: 42,
    scope: 'robot',
    robot_id: 'tonypi-7',
    report_type: type,
    time_range: { from: FROM, to: NOW },
    created_at: NOW,
    created_by: 'operator-user',
    figures,
    charts,
    narrative: `narrative ${HOSTILE}\nGreek Ωμέγα, CJK 日本, emoji 🤖, bidi \u202Egnp.exe\u202C, nul \u0000.\n${LONG_WORD}`,
    narrative_error: null,
    ...over,
  }
}

const text = (pdf: Buffer) => pdfTextLines(pdf).join('\n')
// Each render parses the TrueType fonts (~0.1 s): render each variant once, share it.
const renders = new Map<string, Promise<Buffer>>()
const rendered = (type: ReportType, fonts: 'unicode' | null, compress = true) => {
  const key = `${type}|${fonts}|${compress}`
  if (!renders.has(key)) renders.set(key, renderReportPdf(report(type), { fonts: fonts ? unicodeFonts() : null, compress }))
  return renders.get(key)!
}
const unicodeFonts = (): PdfFonts => {
  const f = systemReportFonts()
  if (!f) throw new Error('no Unicode TrueType font found: install fonts-dejavu-core (Debian) for reports beyond Windows-1252')
  return f
}

describe('report PDF', () => {
  test('is a complete PDF: header, one page object per footer page, trailer and %%EOF', async () => {
    const pdf = await rendered('maintenance', 'unicode')
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect(pdf.toString('latin1').trimEnd()).toEndWith('%%EOF')
    expect(pdf.toString('latin1')).toContain('trailer')
    const pages = (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length
    const t = text(pdf)
    expect(t).toContain(`page ${pages} of ${pages}`)
    expect(t).toContain('TonyPi Maintenance report')
    expect(t).toContain('Robot tonypi-7  ·  report #42')
  })

  for (const [name, fonts, replacement] of [
    ['an embedded Unicode font', 'unicode', '\ufffd'],
    ['the standard Helvetica', null, '?'],
  ] as const) {
    test(`hostile text is drawn as literal text, with ${name}`, async () => {
      const t = text(await rendered('job', fonts))
      expect(t).toContain(`narrative ${HOSTILE}`)
      expect(t).toContain('job <script>alert(1)</script> (x)') // a table cell: may wrap after this
      expect(t.replace(/\n/g, ' ')).toContain(`alert ${HOSTILE}`.slice(0, 20))
      // What the font cannot show, and what would show text in another order, becomes a visible mark.
      expect(t).toContain(`bidi ${replacement}gnp.exe${replacement}, nul ${replacement}.`)
      expect(t).toContain(`CJK ${replacement}${replacement}, emoji ${replacement},`)
      expect(t).toContain(fonts ? 'Greek Ωμέγα' : 'Greek ?????')
    })
  }

  test('no recorded string reaches the file as PDF syntax: all text is hex glyph codes', async () => {
    const raw = (await rendered('job', 'unicode', false)).toString('latin1')
    expect(raw).not.toContain('<script>')
    expect(raw).not.toContain('endobj (x)')
    expect(raw.match(/%PDF/g)).toHaveLength(1)
    expect(raw.match(/%%EOF/g)).toHaveLength(1)
  })

  test('very long lines wrap inside the page instead of running off it', async () => {
    const lines = pdfTextLines(await rendered('job', 'unicode'))
    const ws = lines.filter((l) => /^W+$/.test(l))
    expect(ws.length).toBeGreaterThan(5)
    expect(Math.max(...ws.map((l) => l.length))).toBeLessThan(120)
    expect(ws.join('').length).toBeGreaterThanOrEqual(LONG_WORD.length) // narrative in full; the table cell is cut
  })

  test('temperature charts are vector paths, one line segment per point', async () => {
    const raw = (await rendered('maintenance', 'unicode', false)).toString('latin1')
    const segments = (raw.match(/^[\d.-]+ [\d.-]+ l$/gm) ?? []).length
    expect(segments).toBeGreaterThanOrEqual(6 * 59)
    expect(text(Buffer.from(raw, 'latin1'))).toContain('1 Joint 1\nmax 30.5 °C')
  })

  test("a robot's sixteen servos: headers never broken inside a word, every chart titled in full, no near-empty last page", async () => {
    const servos = TONYPI_SERVOS.map((s) => ({
      id: String(s.id),
      name: s.name,
      temperature_c: Array.from({ length: 60 }, (_, k) => ({ ts: FROM + k * 60_000, n: 60, min: 30, max: 31, sum: 60 * (30.5 + k * 0.01 * s.id) })),
      voltage_v: Array.from({ length: 60 }, (_, k) => ({ ts: FROM + k * 60_000, n: 60, min: 7.3, max: 7.5, sum: 60 * 7.4 })),
    }))
    const flat = (v: number) => Array.from({ length: 60 }, (_, k) => ({ ts: FROM + k * 60_000, n: 60, min: v, max: v, sum: 60 * v }))
    const { figures, charts } = computeReport(
      {
        robotId: 'tonypi-7',
        window: { from: FROM, to: NOW, preset: '1h' },
        limits: { servo_temperature_critical_c: 75, source: 'default' },
        servos,
        battery: { percent: flat(80), voltage_v: flat(7.9) },
        system: { cpu_percent: flat(20), mem_percent: flat(30), cpu_temp_c: flat(50) },
        alerts: [],
        jobs: [],
        sync: null,
      },
      'performance',
    )
    const pdf = await renderReportPdf({ ...report('performance'), narrative: 'Short.', figures, charts }, { fonts: unicodeFonts() })
    const lines = pdfTextLines(pdf).map((l) => l.trim())
    expect(lines).toContain('Samples')
    for (const s of TONYPI_SERVOS) expect(lines).toContain(`${s.id} ${jointLabel(s.name)}`)
    expect(lines.filter((l) => l.includes('\u2026'))).toEqual([])
    // Pages end at their footers: the last one holds more than a stray line.
    const pages: string[][] = [[]]
    for (const l of lines) {
      pages[pages.length - 1].push(l)
      if (/· page \d+ of \d+$/.test(l)) pages.push([])
    }
    pages.pop()
    expect(pages.length).toBe(2)
    expect(pages[1].length).toBeGreaterThan(20)
  })

  test('a report without a narrative says why', async () => {
    const t = text(
      await renderReportPdf(report('performance', { narrative: null, narrative_error: 'GEMINI_API_KEY is not set on this robot' }), { fonts: null }),
    )
    expect(t).toContain('No narrative: GEMINI_API_KEY is not set on this robot.')
  })
})

describe('text made safe to draw', () => {
  const std = { canDraw: winAnsiCanDraw, replacement: '?' }
  test('keeps what the font can show, replaces the rest visibly', () => {
    expect(pdfSafeText('Grüße € – “x”', std)).toBe('Grüße € – “x”')
    expect(pdfSafeText('日本\u202Ex\u0007y', std)).toBe('???x?y')
    expect(pdfSafeText('a\r\nb\rc\u2028d\te', std)).toBe('a\nb\nc\nd  e')
    expect(pdfSafeText(null, std)).toBe('')
    expect(pdfSafeText(3.5, std)).toBe('3.5')
    expect(pdfSafeText('abcdef', { ...std, maxChars: 3 })).toBe('abc…')
    expect(pdfSafeText('🤖', { canDraw: () => false, replacement: '\ufffd' })).toBe('\ufffd') // one mark per character, not per UTF-16 unit
  })
})
