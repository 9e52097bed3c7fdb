// A Unicode font for reports, from the system. The PDF standard fonts draw only Windows-1252,
// so names and messages in Greek, Cyrillic or with most symbols need an embedded TrueType
// font; DejaVu Sans is on Debian and Raspberry Pi OS by default (fonts-dejavu-core).
import { existsSync } from 'node:fs'

export interface PdfFonts {
  regular: string
  bold: string
}

const CANDIDATES: PdfFonts[] = [
  { regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf' },
  { regular: '/usr/share/fonts/TTF/DejaVuSans.ttf', bold: '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf' },
  { regular: '/usr/share/fonts/dejavu/DejaVuSans.ttf', bold: '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf' },
  { regular: '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', bold: '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf' },
]

let found: PdfFonts | null | undefined

/** The first installed candidate, or null (reports then use Helvetica and replace what it cannot draw). */
export function systemReportFonts(): PdfFonts | null {
  if (found === undefined) found = CANDIDATES.find((c) => existsSync(c.regular) && existsSync(c.bold)) ?? null
  return found
}
