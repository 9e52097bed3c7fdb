import { expect, test } from 'bun:test'
import { BOARD_INBOUND_MAX_DATA_LEN, BOARD_MAX_FRAME_BYTES, BoardFrameDecoder, encodeBoardFrame, type BoardFrame } from './board.ts'
import { CRC8_MAXIM_TABLE } from './crc8.ts'
import { runExactFuzz, runMixedFuzz, type FuzzProtocol, type ReferenceResult } from './fuzz-harness.ts'
import { Rng } from './test-support.ts'

const MAX_FUNC = 11

/** Deliberately naive whole-buffer decoder, written independently of the streaming one. */
function reference(s: Uint8Array, limits: readonly number[] = []): ReferenceResult {
  const r: ReferenceResult = {
    offsets: [],
    lengths: [],
    stats: { frames: 0, checksumErrors: 0, badLength: 0, unknownFunc: 0, discardedBytes: 0 },
    pending: 0,
  }
  const reject = (counter: 'checksumErrors' | 'badLength' | 'unknownFunc') => {
    r.stats[counter]++
    r.stats.discardedBytes++
    i++
  }
  let i = 0
  while (i < s.length) {
    const isHeader = s[i] === 0xaa && (i + 1 === s.length || s[i + 1] === 0x55)
    if (!isHeader) {
      r.stats.discardedBytes++
      i++
      continue
    }
    if (i + 2 >= s.length) break
    const func = s[i + 2]
    if (func > MAX_FUNC) {
      reject('unknownFunc')
      continue
    }
    if (i + 3 >= s.length) break
    const len = s[i + 3]
    if (len > (limits[func] ?? 255)) {
      reject('badLength')
      continue
    }
    if (i + 4 + len >= s.length) break
    let crc = 0
    for (let k = 2; k < 4 + len; k++) crc = CRC8_MAXIM_TABLE[crc ^ s[i + k]]
    if (crc !== s[i + 4 + len]) {
      reject('checksumErrors')
      continue
    }
    r.offsets.push(i)
    r.lengths.push(len + 5)
    r.stats.frames++
    i += len + 5
  }
  r.pending = s.length - i
  return r
}

const common = {
  sync0: 0xaa,
  sync1: 0x55,
  maxFrame: BOARD_MAX_FRAME_BYTES,
  offsetOf: (f: BoardFrame) => f.offset,
  lengthOf: (f: BoardFrame) => f.data.length + 5,
  matches(f: BoardFrame, s: Uint8Array) {
    const o = f.offset
    if (s[o + 2] !== f.func || s[o + 3] !== f.data.length) return false
    for (let k = 0; k < f.data.length; k++) if (s[o + 4 + k] !== f.data[k]) return false
    return true
  },
  headerPositions: [0, 1, 2, 3],
  unknownFuncFrame(rng: Rng) {
    const tail = Array.from({ length: rng.int(0, 10) }, () => rng.byte())
    return Uint8Array.from([0xaa, 0x55, rng.int(MAX_FUNC + 1, 255), rng.byte(), ...tail])
  },
}

const randomData = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.byte())

/** Default decoder: any LEN is plausible, so a bad LEN is only caught by the CRC. */
const board: FuzzProtocol<BoardFrame> = {
  ...common,
  name: 'board',
  newDecoder: () => new BoardFrameDecoder(),
  validFrame(rng) {
    const r = rng.next()
    const len = r < 0.7 ? rng.int(0, 30) : r < 0.95 ? rng.int(0, 64) : rng.int(0, 255)
    return encodeBoardFrame(rng.int(0, MAX_FUNC), randomData(rng, len))
  },
  badLenFrame(rng) {
    // Claims far more data than follows: the candidate swallows the next items.
    return Uint8Array.from([0xaa, 0x55, rng.int(0, MAX_FUNC), rng.int(40, 255), ...randomData(rng, rng.int(0, 10))])
  },
  badLenCounter: 'checksumErrors',
  reference: (s) => reference(s),
}

/** Edge configuration: inbound LEN limits reject a bad LEN immediately. */
const boardLimited: FuzzProtocol<BoardFrame> = {
  ...common,
  name: 'board (inbound limits)',
  newDecoder: () => new BoardFrameDecoder({ maxDataLen: BOARD_INBOUND_MAX_DATA_LEN }),
  validFrame(rng) {
    const func = rng.int(0, MAX_FUNC)
    return encodeBoardFrame(func, randomData(rng, rng.int(0, BOARD_INBOUND_MAX_DATA_LEN[func])))
  },
  badLenFrame(rng) {
    const func = rng.int(0, MAX_FUNC)
    const len = rng.int(BOARD_INBOUND_MAX_DATA_LEN[func] + 1, 255)
    return Uint8Array.from([0xaa, 0x55, func, len, ...randomData(rng, rng.int(0, 10))])
  },
  badLenCounter: 'badLength',
  reference: (s) => reference(s, BOARD_INBOUND_MAX_DATA_LEN),
}

test('board decoder fuzz: 1,000,000 mixed items in random chunks, no LEN limits', () => {
  const t0 = performance.now()
  const seed = 0xb0a4d
  const summary = runMixedFuzz(board, seed, 1_000_000, new Rng(seed))
  console.log(`board mixed fuzz: ${JSON.stringify(summary)} in ${(performance.now() - t0).toFixed(0)} ms`)
  expect(summary.intact).toBeGreaterThan(500_000)
  expect(summary.stats.checksumErrors).toBeGreaterThan(150_000)
  expect(summary.stats.unknownFunc).toBeGreaterThan(40_000)
})

test("board decoder fuzz: 300,000 mixed items with the edge's inbound LEN limits", () => {
  const t0 = performance.now()
  const seed = 0x11417
  const summary = runMixedFuzz(boardLimited, seed, 300_000, new Rng(seed))
  console.log(`board limited fuzz: ${JSON.stringify(summary)} in ${(performance.now() - t0).toFixed(0)} ms`)
  expect(summary.stats.badLength).toBeGreaterThan(25_000)
})

test('board decoder fuzz: sync-free garbage gives exactly the injected frames', () => {
  const seed = 0xaa55
  const summary = runExactFuzz(board, seed, 200_000, new Rng(seed))
  expect(summary.decoded).toBe(summary.intact)
})
