// Packs the samples of one stream over one tick into one compact blob: columns of
// zig-zag varint deltas of values quantised to each field's resolution (per source, so
// a servo's position delta is against the same servo), then deflated when that helps.
// The SD card is the scarce resource: an idle servo's position costs about a bit.
import { fieldResolution, type Sample, type StreamName } from './streams.ts'
import { ByteReader, ByteWriter } from './varint.ts'
// Bun.deflateSync is raw DEFLATE, byte for byte what node:zlib's deflateRawSync makes, without
// loading node:zlib into the edge (about 0.7 MB of its memory budget).

const VERSION = 1
const FLAG_DEFLATED = 0x80

export interface EncodedChunk {
  t0: number
  t1: number
  n: number
  data: Uint8Array
}

function decimalsOf(res: number): number {
  return Math.max(0, Math.ceil(-Math.log10(res) - 1e-9))
}

export function encodeChunk(stream: StreamName, input: readonly Sample[]): EncodedChunk {
  if (input.length === 0) throw new RangeError('empty chunk')
  // Sort by time so a clock step inside a tick still yields an ordered timeline.
  const samples = [...input].sort((a, b) => a.ts - b.ts)
  const n = samples.length
  const sources: string[] = []
  const sourceIndex = new Map<string, number>()
  const fields: string[] = []
  const fieldIndex = new Map<string, number>()
  for (const s of samples) {
    const src = s.source ?? ''
    if (!sourceIndex.has(src)) {
      sourceIndex.set(src, sources.length)
      sources.push(src)
    }
    for (const f in s.values)
      if (!fieldIndex.has(f)) {
        fieldIndex.set(f, fields.length)
        fields.push(f)
      }
  }

  const w = new ByteWriter()
  w.uvar(n)
  w.uvar(sources.length)
  for (const s of sources) w.string(s)
  w.uvar(fields.length)
  for (const f of fields) w.string(f)
  const t0 = samples[0].ts
  w.uvar(t0)
  let prevTs = t0
  for (const s of samples) {
    w.svar(s.ts - prevTs)
    prevTs = s.ts
  }
  if (sources.length > 1) for (const s of samples) w.uvar(sourceIndex.get(s.source ?? '')!)

  const prev = new Float64Array(sources.length)
  const bitmap = new Uint8Array(Math.ceil(n / 8))
  for (const f of fields) {
    const res = fieldResolution(stream, f)
    bitmap.fill(0)
    let present = 0
    for (let i = 0; i < n; i++) {
      const v = samples[i].values[f]
      if (v !== undefined && Number.isFinite(v)) {
        bitmap[i >> 3] |= 1 << (i & 7)
        present++
      }
    }
    if (present === n) w.byte(0)
    else {
      w.byte(1)
      w.bytes(bitmap)
    }
    prev.fill(0)
    for (let i = 0; i < n; i++) {
      if (!(bitmap[i >> 3] & (1 << (i & 7))) && present !== n) continue
      const q = Math.round(samples[i].values[f] / res)
      const si = sources.length > 1 ? sourceIndex.get(samples[i].source ?? '')! : 0
      w.svar(q - prev[si])
      prev[si] = q
    }
  }
  const raw = w.finish()
  const packed = raw.length > 64 ? Bun.deflateSync(raw as Uint8Array<ArrayBuffer>) : null
  const useDeflate = packed !== null && packed.length < raw.length
  const body = useDeflate ? packed! : raw
  const data = new Uint8Array(body.length + 1)
  data[0] = VERSION | (useDeflate ? FLAG_DEFLATED : 0)
  data.set(body, 1)
  return { t0, t1: samples[n - 1].ts, n, data }
}

export function decodeChunk(stream: StreamName, data: Uint8Array): Sample[] {
  if (data.length < 1 || (data[0] & 0x7f) !== VERSION) throw new RangeError(`unknown chunk version ${data[0] & 0x7f}`)
  const body = data[0] & FLAG_DEFLATED ? Bun.inflateSync(data.subarray(1) as Uint8Array<ArrayBuffer>) : data.subarray(1)
  const r = new ByteReader(body)
  const n = r.uvar()
  const sources: string[] = []
  for (let i = r.uvar(); i > 0; i--) sources.push(r.string())
  const fields: string[] = []
  for (let i = r.uvar(); i > 0; i--) fields.push(r.string())
  const out: Sample[] = new Array(n)
  let ts = r.uvar()
  for (let i = 0; i < n; i++) {
    ts += r.svar()
    out[i] = { stream, ts, values: {} }
  }
  if (sources.length > 1) for (let i = 0; i < n; i++) out[i].source = sources[r.uvar()]
  else if (sources[0] !== '') for (let i = 0; i < n; i++) out[i].source = sources[0]

  const prev = new Float64Array(sources.length)
  const srcIdx = new Map(sources.map((s, i) => [s, i]))
  for (const f of fields) {
    const res = fieldResolution(stream, f)
    const scale = 10 ** decimalsOf(res)
    const all = r.byte() === 0
    const bitmap = all ? null : r.bytes(Math.ceil(n / 8))
    prev.fill(0)
    for (let i = 0; i < n; i++) {
      if (bitmap && !(bitmap[i >> 3] & (1 << (i & 7)))) continue
      const si = sources.length > 1 ? srcIdx.get(out[i].source!)! : 0
      const q = prev[si] + r.svar()
      prev[si] = q
      out[i].values[f] = Math.round(q * res * scale) / scale
    }
  }
  return out
}
