// The fleet PDF: the fleet table, the attention ranking and the bar charts, with robot names
// and ids (recorded text) drawn as the literal text they are.
import { describe, expect, test } from 'bun:test'
import { computeReport, type ReportInput } from '../../core/reports/figures.ts'
import { computeFleetReport, type FleetMember } from '../../core/reports/fleet-figures.ts'
import { systemReportFonts } from './pdf-fonts.ts'
import { pdfTextLines } from '../../test/support/pdf-reader.ts'
import { renderReportPdf } from './pdf.ts'
import type { FleetReport } from '../../core/reports/report.ts'
import type { Bucket } from '../../core/reports/series.ts'

const NOW = Date.UTC(2025, 5, 1, 12)
const FROM = NOW - 3_600_000
const WINDOW = { from: FROM, to: NOW, preset: '1h' as const }
const HOSTILE = '<script>alert(1)</script> (x) \\) %PDF-1.7'
const flat = (v: number): Bucket[] => Array.from({ length: 60 }, (_, k) => ({ ts: FROM + k * 60_000, n: 60, min: v, max: v, sum: v * 60 }))

function member(id: string, temp: number, over: Partial<ReportInput> = {}, name: string | null = null): FleetMember {
  const input: ReportInput = {
    robotId: id,
    window: WINDOW,
    limits: { servo_temperature_critical_c: 75, source: 'default' },
    servos: [{ id: '3', name: 'right_hip', temperature_c: flat(temp), voltage_v: flat(7.4) }],
    alerts: [],
    jobs: [],
    activeMinutes: 60,
    ...over,
  }
  return { robot_id: id, name, status_now: 'online', last_seen_at: NOW, figures: computeReport(input, 'performance').figures }
}

function fleetReport(): FleetReport {
  const members = [member('tonypi-1', 80, {}, `name ${HOSTILE}`), member('tonypi-2', 41), member('tonypi-3', 39, { activeMinutes: 0, servos: [] })]
  const { figures, charts } = computeFleetReport(members, { window: WINDOW, registered: 3, omitted: 0 }, 'performance')
  return {
    id: 7,
    scope: 'fleet',
    robot_id: null,
    report_type: 'performance',
    time_range: { from: FROM, to: NOW },
    created_at: NOW,
    created_by: 'operator-user',
    figures,
    charts,
    narrative: `Fleet narrative ${HOSTILE}`,
    narrative_error: null,
  }
}

describe('fleet report PDF', () => {
  const fonts = systemReportFonts()
  const rendered = renderReportPdf(fleetReport(), { fonts, compress: false })

  test('title, totals, attention, one table row per robot, with recorded text literal', async () => {
    const pdf = await rendered
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    const lines = pdfTextLines(pdf)
    const t = lines.join('\n')
    expect(t).toContain('TonyPi fleet performance report')
    expect(t).toContain('Fleet of 3 robots  ·  report #7')
    expect(t).toContain(`Fleet narrative ${HOSTILE}`)
    expect(t).toContain('Robots needing attention')
    expect(t).toContain('servo 3 (Right hip) is at or over its 75 °C limit')
    expect(t.replace(/\n/g, '')).toContain(`tonypi-1 (name ${HOSTILE})`)
    for (const id of ['tonypi-2', 'tonypi-3']) expect(lines).toContain(id)
    // Headers wrap between words only.
    for (const word of ['Critical', 'alerts', 'Battery', 'done /']) expect(lines.map((l) => l.trim())).toContain(word)
    // Numbers are never broken inside, nor a word of a header (a slash stays with its word).
    expect(lines.map((l) => l.trim())).toContain('100.0')
    expect(lines.map((l) => l.trim())).toContain('done /')
    expect(lines.filter((l) => /^(Jobs d|one \/)$/.test(l.trim()))).toEqual([])
    expect(t.replace(/\n/g, '')).toContain('3 Right hip: 80.0at limit')
    expect(t).toContain('TonyPi report #7 · fleet · page 1 of')
    // Glyph codes in hex: nothing recorded reaches the file as PDF syntax.
    expect(pdf.toString('latin1')).not.toContain('<script>')
    expect(pdf.toString('latin1').match(/%PDF/g)).toHaveLength(1)
  })

  test('bar charts: one filled bar per robot with a value, a dashed limit line, captions', async () => {
    const raw = (await rendered).toString('latin1')
    const t = pdfTextLines(await rendered).join('\n')
    expect(t).toContain('Data coverage in the window (least first)')
    expect(t).toContain('Hottest servo per robot (hottest first)')
    expect(t).toContain('80 °C')
    expect(t).toContain('Dashed red line: 75 °C critical limit; red bars are at or over it.')
    expect(t).toContain('No alerts in the window.')
    // Bars are rectangles: coverage (2 robots with data) + hottest servo (2 robots), each with its frame.
    const rects = (raw.match(/ re$/gm) ?? []).length
    expect(rects).toBeGreaterThanOrEqual(2 * 2 + 3 + 2)
    expect(raw).toMatch(/\[1\.5 1\.5\] 0 d/) // the limit line's dash pattern
  })

  test('without a narrative, says why', async () => {
    const r = { ...fleetReport(), narrative: null, narrative_error: 'GEMINI_API_KEY is not set on the hub' }
    expect(pdfTextLines(await renderReportPdf(r, { fonts: null })).join('\n')).toContain('No narrative: GEMINI_API_KEY is not set on the hub.')
  })
})
