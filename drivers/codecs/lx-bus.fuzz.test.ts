import { expect, test } from 'bun:test'
import { runExactFuzz, runMixedFuzz, type FuzzProtocol, type ReferenceResult } from './fuzz-harness.ts'
import { LX_MAX_LEN, LxFrameDecoder, encodeLxFrame, type LxFrame } from './lx-bus.ts'
import { Rng } from './test-support.ts'

/** Deliberately naive whole-buffer decoder, written independently of the streaming one. */
function reference(s: Uint8Array): ReferenceResult {
  const r: ReferenceResult = {
    offsets: [],
    lengths: [],
    stats: { frames: 0, checksumErrors: 0, badLength: 0, unknownFunc: 0, discardedBytes: 0 },
    pending: 0,
  }
  let i = 0
  while (i < s.length) {
    const isHeader = s[i] === 0x55 && (i + 1 === s.length || s[i + 1] === 0x55)
    if (!isHeader) {
      r.stats.discardedBytes++
      i++
      continue
    }
    if (i + 3 >= s.length) break // header or LEN not complete yet
    const len = s[i + 3]
    if (len < 3 || len > LX_MAX_LEN) {
      r.stats.badLength++
      r.stats.discardedBytes++
      i++
      continue
    }
    if (i + len + 2 >= s.length) break
    let sum = 0
    for (let k = 2; k < len + 2; k++) sum += s[i + k]
    if ((~sum & 0xff) !== s[i + len + 2]) {
      r.stats.checksumErrors++
      r.stats.discardedBytes++
      i++
      continue
    }
    r.offsets.push(i)
    r.lengths.push(len + 3)
    r.stats.frames++
    i += len + 3
  }
  r.pending = s.length - i
  return r
}

const lx: FuzzProtocol<LxFrame> = {
  name: 'LX',
  sync0: 0x55,
  sync1: 0x55,
  maxFrame: LX_MAX_LEN + 3,
  newDecoder: () => new LxFrameDecoder(),
  offsetOf: (f) => f.offset,
  lengthOf: (f) => f.params.length + 6,
  matches(f, s) {
    const o = f.offset
    if (s[o + 2] !== f.id || s[o + 3] !== f.params.length + 3 || s[o + 4] !== f.cmd) return false
    for (let k = 0; k < f.params.length; k++) if (s[o + 5 + k] !== f.params[k]) return false
    return true
  },
  validFrame(rng) {
    const params = Array.from({ length: rng.int(0, 4) }, () => rng.byte())
    return encodeLxFrame(rng.int(0, 254), rng.byte(), params)
  },
  badLenFrame(rng) {
    const len = rng.bool(0.3) ? rng.int(0, 2) : rng.int(LX_MAX_LEN + 1, 255)
    const tail = Array.from({ length: rng.int(0, 6) }, () => rng.byte())
    return Uint8Array.from([0x55, 0x55, rng.int(0, 254), len, ...tail])
  },
  badLenCounter: 'badLength',
  headerPositions: [0, 1, 3],
  reference,
}

test('LX decoder fuzz: 1,000,000 mixed valid/corrupt/truncated/garbage/bad-LEN items in random chunks', () => {
  const t0 = performance.now()
  const seed = 0x1a2b3c
  const summary = runMixedFuzz(lx, seed, 1_000_000, new Rng(seed))
  const ms = performance.now() - t0
  console.log(`LX mixed fuzz: ${JSON.stringify(summary)} in ${ms.toFixed(0)} ms`)
  expect(summary.intact).toBeGreaterThan(500_000)
  // Sanity: the faults were actually exercised.
  expect(summary.stats.checksumErrors).toBeGreaterThan(100_000)
  expect(summary.stats.badLength).toBeGreaterThan(90_000)
})

test('LX decoder fuzz: sync-free garbage gives exactly the injected frames', () => {
  const seed = 0x55aa
  const summary = runExactFuzz(lx, seed, 200_000, new Rng(seed))
  expect(summary.decoded).toBe(summary.intact)
})
