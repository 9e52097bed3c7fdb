/**
 * Fuzz harness shared by the LX and board stream-decoder tests (test code, not API).
 *
 * A stream is built from items: intact frames, frames with one flipped bit, truncated
 * frames, random garbage (which may contain sync bytes), headers with a bad LEN and, for
 * the board, headers with an unknown FUNC. It is fed to the decoder in random chunk sizes
 * and checked against:
 *  1. an independent, naive whole-buffer reference decoder: same frames, same counters;
 *  2. recovery: every intact frame is decoded, unless a spurious frame (random bytes that
 *     happened to pass the 8-bit check) overlaps it: an 8-bit check cannot promise more;
 *  3. counters: lower bounds from the injected faults that must be counted, an upper
 *     bound from the number of sync pairs in the stream, and the byte accounting identity.
 */

import { ByteSink, type Rng } from './test-support.ts'
import type { StreamStats } from './stream-buffer.ts'

export type Counter = 'checksumErrors' | 'badLength' | 'unknownFunc'

export interface FuzzDecoder<F> {
  push(bytes: Uint8Array): F[]
  readonly stats: StreamStats & { unknownFunc?: number }
  readonly pending: number
}

export interface ReferenceResult {
  offsets: number[]
  lengths: number[]
  stats: Record<Counter | 'frames' | 'discardedBytes', number>
  pending: number
}

export interface FuzzProtocol<F> {
  name: string
  sync0: number
  sync1: number
  maxFrame: number
  newDecoder(): FuzzDecoder<F>
  offsetOf(f: F): number
  lengthOf(f: F): number
  /** Does the decoded frame carry exactly the stream's bytes at its offset? */
  matches(f: F, stream: Uint8Array): boolean
  validFrame(rng: Rng): Uint8Array
  /** A header whose LEN the decoder must reject, followed by a few bytes. */
  badLenFrame(rng: Rng): Uint8Array
  /** The counter that must record a bad-LEN item. */
  badLenCounter: Counter
  unknownFuncFrame?(rng: Rng): Uint8Array
  /** Byte positions whose corruption does not guarantee a checksum error (sync, LEN, FUNC). */
  headerPositions: readonly number[]
  reference(stream: Uint8Array): ReferenceResult
}

interface Generated {
  stream: Uint8Array
  intactOffsets: number[]
  intactLengths: number[]
  /** Header offsets of injected faults and the counter each must hit. */
  expects: { offset: number; counter: Counter }[]
  garbageBytes: number
  items: number
}

export function generate<F>(p: FuzzProtocol<F>, rng: Rng, items: number, exact: boolean): Generated {
  const sink = new ByteSink(items * 16)
  const intactOffsets: number[] = []
  const intactLengths: number[] = []
  const expects: Generated['expects'] = []
  let garbageBytes = 0
  for (let n = 0; n < items; n++) {
    const r = rng.next()
    if (r < 0.55 || (exact && r < 0.8)) {
      const f = p.validFrame(rng)
      intactOffsets.push(sink.push(f))
      intactLengths.push(f.length)
    } else if (exact) {
      // Garbage that never contains sync0 cannot start a candidate: decoding must be exact.
      const len = rng.int(1, 24)
      for (let k = 0; k < len; k++) {
        let b = rng.byte()
        if (b === p.sync0) b ^= 1
        sink.pushByte(b)
      }
      garbageBytes += len
    } else if (r < 0.65) {
      const f = p.validFrame(rng)
      const pos = rng.int(0, f.length - 1)
      f[pos] ^= 1 << rng.int(0, 7)
      const at = sink.push(f)
      if (!p.headerPositions.includes(pos)) expects.push({ offset: at, counter: 'checksumErrors' })
    } else if (r < 0.75) {
      const f = p.validFrame(rng)
      sink.push(f.subarray(0, rng.int(1, f.length - 1)))
    } else if (r < 0.85) {
      const len = rng.int(1, 24)
      for (let k = 0; k < len; k++) sink.pushByte(rng.byte())
      garbageBytes += len
    } else if (r < 0.95 || p.unknownFuncFrame === undefined) {
      expects.push({ offset: sink.push(p.badLenFrame(rng)), counter: p.badLenCounter })
    } else {
      expects.push({ offset: sink.push(p.unknownFuncFrame(rng)), counter: 'unknownFunc' })
    }
  }
  // A tail of non-sync bytes longer than any frame forces every open candidate to a verdict.
  const tail = p.sync0 === 0 ? 1 : 0
  for (let k = 0; k < p.maxFrame; k++) sink.pushByte(tail)
  garbageBytes += p.maxFrame
  return { stream: sink.bytes(), intactOffsets, intactLengths, expects, garbageBytes, items }
}

export interface FuzzSummary {
  items: number
  bytes: number
  pushes: number
  intact: number
  decoded: number
  spurious: number
  lostIntact: number
  stats: Record<string, number>
}

/** Feed in random chunk sizes: mostly UART-sized reads, sometimes large bursts. */
function feed<F>(p: FuzzProtocol<F>, dec: FuzzDecoder<F>, stream: Uint8Array, rng: Rng) {
  const offsets: number[] = []
  const lengths: number[] = []
  let mismatches = 0
  let pushes = 0
  for (let pos = 0; pos < stream.length; ) {
    const size = rng.bool(0.03) ? rng.int(1, 10000) : rng.int(1, 48)
    const frames = dec.push(stream.subarray(pos, pos + size))
    pushes++
    for (const f of frames) {
      offsets.push(p.offsetOf(f))
      lengths.push(p.lengthOf(f))
      if (!p.matches(f, stream)) mismatches++
    }
    pos += size
  }
  return { offsets, lengths, mismatches, pushes }
}

function countSyncPairs(stream: Uint8Array, s0: number, s1: number): number {
  let n = 0
  for (let i = 0; i + 1 < stream.length; i++) if (stream[i] === s0 && stream[i + 1] === s1) n++
  return n
}

/** Runs the mixed-fault fuzz. Throws (with a description) on any violated property. */
export function runMixedFuzz<F>(p: FuzzProtocol<F>, seed: number, items: number, rng: Rng): FuzzSummary {
  const g = generate(p, rng, items, false)
  const { stream } = g
  const dec = p.newDecoder()
  const got = feed(p, dec, stream, rng)
  const fail = (msg: string): never => {
    throw new Error(`${p.name} fuzz (seed ${seed}): ${msg}`)
  }

  if (got.mismatches !== 0) fail(`${got.mismatches} decoded frames differ from the stream bytes at their offset`)

  // 1. Reference decoder agreement (also proves chunking does not change the result).
  const ref = p.reference(stream)
  if (ref.offsets.length !== got.offsets.length) fail(`decoded ${got.offsets.length} frames, reference ${ref.offsets.length}`)
  for (let i = 0; i < ref.offsets.length; i++) {
    if (ref.offsets[i] !== got.offsets[i] || ref.lengths[i] !== got.lengths[i]) {
      fail(`frame ${i}: decoder (${got.offsets[i]}, ${got.lengths[i]}) vs reference (${ref.offsets[i]}, ${ref.lengths[i]})`)
    }
  }
  const s = dec.stats
  const statsNow: Record<string, number> = {
    frames: s.frames,
    checksumErrors: s.checksumErrors,
    badLength: s.badLength,
    unknownFunc: s.unknownFunc ?? 0,
    discardedBytes: s.discardedBytes,
  }
  for (const [k, v] of Object.entries(ref.stats)) {
    if (statsNow[k] !== v) fail(`stats.${k} = ${statsNow[k]}, reference ${v}`)
  }

  // 3a. Accounting.
  if (s.bytesIn !== stream.length) fail(`bytesIn ${s.bytesIn} != ${stream.length}`)
  if (s.frames !== got.offsets.length) fail(`stats.frames ${s.frames} != returned ${got.offsets.length}`)
  if (dec.pending !== 0 || ref.pending !== 0) fail(`pending ${dec.pending}/${ref.pending} after the flush tail`)
  const frameBytes = got.lengths.reduce((a, b) => a + b, 0)
  if (frameBytes + s.discardedBytes + dec.pending !== stream.length) {
    fail(`frame bytes ${frameBytes} + discarded ${s.discardedBytes} + pending ${dec.pending} != ${stream.length}`)
  }
  for (let i = 1; i < got.offsets.length; i++) {
    if (got.offsets[i] < got.offsets[i - 1] + got.lengths[i - 1]) fail(`frames ${i - 1} and ${i} overlap`)
  }

  // 2. Recovery. Genuine = decoded exactly where an intact frame was injected.
  const intactSet = new Set(g.intactOffsets)
  const decodedSet = new Set(got.offsets)
  const spurious: [number, number][] = []
  for (let i = 0; i < got.offsets.length; i++) {
    if (!intactSet.has(got.offsets[i])) spurious.push([got.offsets[i], got.offsets[i] + got.lengths[i]])
  }
  let lost = 0
  let sp = 0
  for (let i = 0; i < g.intactOffsets.length; i++) {
    const o = g.intactOffsets[i]
    if (decodedSet.has(o)) continue
    lost++
    const e = o + g.intactLengths[i]
    while (sp < spurious.length && spurious[sp][1] <= o) sp++
    // The first spurious frame ending after o is the only candidate to overlap [o, e).
    if (sp >= spurious.length || spurious[sp][0] >= e) {
      fail(`intact frame at ${o} (len ${g.intactLengths[i]}) was lost without a spurious frame overlapping it`)
    }
  }
  // A false accept needs corrupt bytes to pass an 8-bit check: ideally 1 in 256 of the
  // candidates that reach the check. Structured data raises that a little (for example a
  // board frame "AA 55 06 00" cut before its CRC, followed by the next frame's 0xAA, is
  // a valid empty KEY frame, since CRC(06 00) = 0xAA), so the bound allows 3 in 256.
  const checked = s.checksumErrors + spurious.length
  const spuriousBound = Math.ceil((3 * checked) / 256) + 20
  if (spurious.length > spuriousBound) fail(`${spurious.length} spurious frames, bound ${spuriousBound}`)
  // A spurious frame can swallow the intact frames it overlaps (up to 260 bytes on the board).
  if (lost > g.intactOffsets.length * 0.01) fail(`${lost} of ${g.intactOffsets.length} intact frames lost (> 1%)`)

  // 3b. Lower bounds: every injected fault whose header was reached must be counted.
  const need: Record<Counter, number> = { checksumErrors: 0, badLength: 0, unknownFunc: 0 }
  const spanStarts = got.offsets
  let d = 0
  for (const ex of g.expects) {
    while (d < spanStarts.length && spanStarts[d] + got.lengths[d] <= ex.offset) d++
    const covered = d < spanStarts.length && spanStarts[d] <= ex.offset
    if (!covered) need[ex.counter]++
  }
  for (const c of Object.keys(need) as Counter[]) {
    if (statsNow[c] < need[c]) fail(`stats.${c} = ${statsNow[c]} but ${need[c]} injected faults must have been counted`)
  }
  // 3c. Upper bound: each stream position is judged at most once, and only sync pairs are judged.
  const judged = s.frames + s.checksumErrors + s.badLength + (s.unknownFunc ?? 0)
  const pairs = countSyncPairs(stream, p.sync0, p.sync1)
  if (judged > pairs) fail(`${judged} candidates judged but only ${pairs} sync pairs in the stream`)

  return {
    items,
    bytes: stream.length,
    pushes: got.pushes,
    intact: g.intactOffsets.length,
    decoded: got.offsets.length,
    spurious: spurious.length,
    lostIntact: lost,
    stats: { ...statsNow, expectedChecksum: need.checksumErrors, expectedBadLength: need.badLength, syncPairs: pairs },
  }
}

/** Intact frames and sync-free garbage only: the decoder must be exact. */
export function runExactFuzz<F>(p: FuzzProtocol<F>, seed: number, items: number, rng: Rng): FuzzSummary {
  const g = generate(p, rng, items, true)
  const dec = p.newDecoder()
  const got = feed(p, dec, g.stream, rng)
  const fail = (msg: string): never => {
    throw new Error(`${p.name} exact fuzz (seed ${seed}): ${msg}`)
  }
  if (got.mismatches !== 0) fail(`${got.mismatches} frames differ from the stream`)
  if (got.offsets.length !== g.intactOffsets.length) fail(`decoded ${got.offsets.length}, injected ${g.intactOffsets.length}`)
  for (let i = 0; i < got.offsets.length; i++) {
    if (got.offsets[i] !== g.intactOffsets[i]) fail(`frame ${i} at ${got.offsets[i]}, injected at ${g.intactOffsets[i]}`)
  }
  const s = dec.stats
  if (s.checksumErrors !== 0 || s.badLength !== 0 || (s.unknownFunc ?? 0) !== 0) {
    fail(`error counters not zero: ${JSON.stringify(s)}`)
  }
  if (s.discardedBytes !== g.garbageBytes) fail(`discarded ${s.discardedBytes}, injected garbage ${g.garbageBytes}`)
  if (s.frames !== g.intactOffsets.length || dec.pending !== 0) fail(`frames ${s.frames}, pending ${dec.pending}`)
  return {
    items,
    bytes: g.stream.length,
    pushes: got.pushes,
    intact: g.intactOffsets.length,
    decoded: got.offsets.length,
    spurious: 0,
    lostIntact: 0,
    stats: { ...s },
  }
}
