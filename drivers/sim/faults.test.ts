import { describe, expect, test } from 'bun:test'
import { BoardFrameDecoder, LxFrameDecoder, encodeBusServoReply, encodeLxReply } from '../codecs/index.ts'
import { SimFaults, type CableState } from './faults.ts'

const lxReply = encodeLxReply({ kind: 'POS_READ', id: 1, pos: 500 })
const boardReply = encodeBusServoReply({ kind: 'READ_POSITION', id: 1, position: 500 })

function bitsDiffering(a: Uint8Array, b: Uint8Array): number {
  let n = 0
  for (let i = 0; i < a.length; i++) for (let x = a[i] ^ b[i]; x; x &= x - 1) n++
  return n
}

describe('SimFaults: corruption', () => {
  test('no fault: frames pass untouched (the same object)', () => {
    const f = new SimFaults()
    expect(f.mangle(lxReply)).toBe(lxReply)
  })

  test('corruptNext flips exactly one bit past the header, and each decoder counts one checksum error', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const f = new SimFaults({ seed })
      f.corruptNext({ frames: 2 })
      const lx = f.mangle(lxReply)
      const board = f.mangle(boardReply)
      expect(bitsDiffering(lx, lxReply)).toBe(1)
      expect(bitsDiffering(lx.subarray(0, 4), lxReply.subarray(0, 4))).toBe(0)
      const ld = new LxFrameDecoder()
      expect(ld.push(new Uint8Array([...lx, ...lxReply])).length).toBe(1) // the next frame still decodes
      expect(ld.stats.checksumErrors).toBe(1)
      const bd = new BoardFrameDecoder()
      expect(bd.push(new Uint8Array([...board, ...boardReply])).length).toBe(1)
      expect(bd.stats.checksumErrors).toBe(1)
      expect(f.mangle(lxReply)).toBe(lxReply) // only two frames were asked for
    }
  })

  test('garbage before a frame is skipped by the decoder and counted as discarded', () => {
    const f = new SimFaults({ seed: 4 })
    f.corruptNext({ kind: 'garbage', garbageBytes: 5 })
    const out = f.mangle(lxReply)
    expect(out.length).toBe(lxReply.length + 5)
    expect([...out.subarray(5)]).toEqual([...lxReply])
    const d = new LxFrameDecoder()
    expect(d.push(out).length).toBe(1)
    expect(d.stats.discardedBytes).toBeGreaterThanOrEqual(5)
    expect(f.stats).toMatchObject({ framesCorrupted: 1, garbageBytes: 5 })
  })

  test('a rate corrupts about that share of bytes, reproducibly for a seed, until stopped', () => {
    const run = (seed: number) => {
      const f = new SimFaults({ seed })
      f.corruptRate(0.1)
      let flipped = 0
      for (let i = 0; i < 1000; i++) flipped += bitsDiffering(f.mangle(lxReply), lxReply)
      return { flipped, f }
    }
    const a = run(7)
    expect(a.flipped).toBeGreaterThan(600) // 8000 bytes x 0.1
    expect(a.flipped).toBeLessThan(1000)
    expect(run(7).flipped).toBe(a.flipped)
    a.f.stopCorrupting()
    expect(a.f.mangle(lxReply)).toBe(lxReply)
    expect(() => a.f.corruptRate(2)).toThrow(RangeError)
  })

  test('garbage at a rate lengthens the stream', () => {
    const f = new SimFaults({ seed: 3 })
    f.corruptRate(0.5, 'garbage')
    let extra = 0
    for (let i = 0; i < 100; i++) extra += f.mangle(lxReply).length - lxReply.length
    expect(extra).toBeGreaterThan(250)
    expect(f.stats.garbageBytes).toBe(extra)
  })
})

describe('SimFaults: servos and cable', () => {
  test('silent / answer', () => {
    const f = new SimFaults()
    f.silent(3)
    f.silent(1)
    expect(f.isSilent(3)).toBe(true)
    expect(f.silentIds).toEqual([1, 3])
    f.answer(3)
    expect(f.isSilent(3)).toBe(false)
  })

  test('cable states notify listeners once per change', () => {
    const f = new SimFaults()
    const seen: CableState[] = []
    const off = f.onCableChange((s) => seen.push(s))
    expect(f.connected).toBe(true)
    f.pullCable()
    f.pullCable()
    expect(f.connected).toBe(false)
    f.pullCable('hangup')
    f.plugIn()
    off()
    f.pullCable()
    expect(seen).toEqual(['pulled', 'hung-up', 'connected'])
    expect(f.cable).toBe('pulled')
  })
})
