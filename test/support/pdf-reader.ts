// Reads back the text lines of a PDF that pdf.ts wrote, the way a viewer maps them to
// characters: hex glyph codes through the font's ToUnicode map (embedded fonts) or
// Windows-1252 (standard fonts). Only pdfkit's output shape is supported; it exists so tests
// and tools can check what a reader of the report would see.
import { inflateSync } from 'node:zlib'

interface PdfObject {
  num: number
  dict: string
  stream: Buffer | null
}

function objects(pdf: Buffer): PdfObject[] {
  const s = pdf.toString('latin1')
  const out: PdfObject[] = []
  const head = /(\d+) 0 obj\s*/g
  for (let m = head.exec(s); m; m = head.exec(s)) {
    const from = m.index + m[0].length
    const endObj = s.indexOf('endobj', from)
    const streamAt = s.indexOf('stream\n', from)
    if (streamAt < 0 || (endObj >= 0 && endObj < streamAt)) {
      out.push({ num: Number(m[1]), dict: s.slice(from, endObj), stream: null })
      continue
    }
    // Skip the stream by its /Length: font and image bytes may contain anything, "endobj" too.
    const dict = s.slice(from, streamAt)
    const start = streamAt + 'stream\n'.length
    const length = Number(/\/Length (\d+)/.exec(dict)?.[1] ?? s.indexOf('\nendstream', start) - start)
    let data: Buffer = pdf.subarray(start, start + length)
    if (/\/FlateDecode/.test(dict)) data = inflateSync(data)
    out.push({ num: Number(m[1]), dict, stream: data })
    head.lastIndex = start + length
  }
  return out
}

function hexUnits(hex: string, width: number): number[] {
  const out: number[] = []
  for (let i = 0; i + width * 2 <= hex.length; i += width * 2) out.push(parseInt(hex.slice(i, i + width * 2), 16))
  return out
}

const utf16 = (hex: string) => String.fromCodePoint(...decodeSurrogates(hexUnits(hex, 2)))
function decodeSurrogates(units: number[]): number[] {
  const s = String.fromCharCode(...units)
  return [...s].map((c) => c.codePointAt(0)!)
}

function toUnicodeMap(cmap: string): Map<number, string> {
  const map = new Map<number, string>()
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g)) {
      const lo = parseInt(m[1], 16),
        hi = parseInt(m[2], 16)
      if (m[3].startsWith('[')) {
        // A ligature maps to several characters: <0066 0069> is "fi".
        const targets = [...m[3].matchAll(/<([0-9a-fA-F\s]+)>/g)].map((t) => utf16(t[1].replace(/\s/g, '')))
        for (let c = lo; c <= hi; c++) map.set(c, targets[c - lo] ?? '')
      } else {
        const base = parseInt(m[3].slice(1, -1), 16)
        for (let c = lo; c <= hi; c++) map.set(c, String.fromCodePoint(base + c - lo))
      }
    }
  }
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F\s]+)>/g)) map.set(parseInt(m[1], 16), utf16(m[2].replace(/\s/g, '')))
  }
  return map
}

type Decoder = (hex: string) => string
const cp1252 = new TextDecoder('windows-1252')

/** The text lines (one per BT..ET block), in the order the content streams hold them. */
export function pdfTextLines(pdf: Buffer): string[] {
  const objs = objects(pdf)
  const byNum = new Map(objs.map((o) => [o.num, o]))
  const fontDecoder = new Map<number, Decoder>()
  for (const o of objs) {
    if (!/\/Type \/Font/.test(o.dict)) continue
    const tu = /\/ToUnicode (\d+) 0 R/.exec(o.dict)
    if (tu) {
      const map = toUnicodeMap(byNum.get(Number(tu[1]))?.stream?.toString('latin1') ?? '')
      fontDecoder.set(o.num, (hex) =>
        hexUnits(hex, 2)
          .map((c) => map.get(c) ?? '\ufffd')
          .join(''),
      )
    } else {
      fontDecoder.set(o.num, (hex) => cp1252.decode(new Uint8Array(hexUnits(hex, 1))))
    }
  }
  // pdfkit names fonts F1, F2, ... once per document.
  const fontByName = new Map<string, Decoder>()
  for (const o of objs) {
    for (const m of o.dict.matchAll(/\/(F\d+) (\d+) 0 R/g)) {
      const d = fontDecoder.get(Number(m[2]))
      if (d) fontByName.set(m[1], d)
    }
  }
  const lines: string[] = []
  for (const o of objs) {
    if (!o.stream || /\/Type \/Font|\/Subtype|\/Length1/.test(o.dict)) continue
    const content = o.stream.toString('latin1')
    if (!/\bBT\b/.test(content)) continue
    for (const bt of content.matchAll(/\bBT\b([\s\S]*?)\bET\b/g)) {
      let decode: Decoder = (h) => h
      let line = ''
      for (const op of bt[1].matchAll(/\/(F\d+) [\d.]+ Tf|\[([^\]]*)\] TJ|<([0-9a-fA-F]*)> Tj/g)) {
        if (op[1]) decode = fontByName.get(op[1]) ?? decode
        else if (op[2] !== undefined) for (const h of op[2].matchAll(/<([0-9a-fA-F]*)>/g)) line += decode(h[1])
        else if (op[3] !== undefined) line += decode(op[3])
      }
      lines.push(line)
    }
  }
  return lines
}
