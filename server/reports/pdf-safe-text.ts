// Text bound for a PDF, made safe to draw. pdfkit writes every string as hex glyph codes, so
// nothing in it is ever parsed as PDF syntax; what remains is what a reader would *see*:
// control characters, direction overrides that display text in another order than it is
// stored, and characters the font has no glyph for (drawn as empty boxes, or as the wrong
// letters in a standard font). Those become a visible replacement mark instead.

/** Windows-1252 beyond Latin-1: what the PDF standard fonts (WinAnsiEncoding) can draw. */
const WIN_ANSI_EXTRA = new Set([...'€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ'].map((c) => c.codePointAt(0)!))

export function winAnsiCanDraw(cp: number): boolean {
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRA.has(cp)
}

// C0/C1 controls except tab and newline, bidi embeddings/overrides/isolates, line/paragraph
// separators, and the byte-order mark.
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu

export interface SafeTextOptions {
  canDraw: (codePoint: number) => boolean
  /** Drawn in place of what cannot be shown. */
  replacement: string
  maxChars?: number
}

export function pdfSafeText(value: unknown, opts: SafeTextOptions): string {
  let s = value === null || value === undefined ? '' : typeof value === 'string' ? value : String(value)
  s = s
    .normalize('NFC')
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(/\t/g, '  ')
    .replace(INVISIBLE, opts.replacement)
  let out = ''
  let chars = 0
  for (const ch of s) {
    if (opts.maxChars !== undefined && chars >= opts.maxChars) {
      out += '…'
      break
    }
    const cp = ch.codePointAt(0)!
    out += ch === '\n' || opts.canDraw(cp) ? ch : opts.replacement
    chars++
  }
  return out
}
