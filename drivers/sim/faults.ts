// Fault injection for the byte-level simulators (LX bus and STM32 board). One object per simulated
// device: the device consults it on every frame it would hear or send, and the pty server listens
// to its cable state. It exists so the edge's error paths (timeouts, checksum failures, a device
// that disappears) can be exercised on demand and reproducibly, without a real robot misbehaving.

import { Prng } from './prng.ts'

/**
 * 'connected': normal. 'pulled': the device neither hears nor answers, but the port stays open
 * (a servo bus whose power or data wire came off). 'hung-up': the port itself is gone; a pty
 * server closes its master so the host sees EIO, like an unplugged USB adapter.
 */
export type CableState = 'connected' | 'pulled' | 'hung-up'

/** 'flip': one bit of a byte inverted (line noise). 'garbage': random bytes added to the stream. */
export type CorruptionKind = 'flip' | 'garbage'

export interface CorruptNextOptions {
  kind?: CorruptionKind
  /** How many outgoing frames to corrupt, one fault each. Default 1. */
  frames?: number
  /** For 'garbage': bytes inserted before the frame. Default 3. */
  garbageBytes?: number
}

export interface FaultStats {
  framesCorrupted: number
  bitsFlipped: number
  garbageBytes: number
}

/**
 * Offset of the first byte a 'flip' may hit. Both protocols put 2 sync bytes, an id/func byte and
 * LEN first; a flip at or after index 4 always fails the frame's checksum (an LX sum changes by
 * +-2^k, a CRC-8 catches every single-bit error), whereas a flipped header or LEN merely looks
 * like missing bytes. Tests that count checksum errors need the former.
 */
const FLIP_FROM = 4

export class SimFaults {
  readonly stats: FaultStats = { framesCorrupted: 0, bitsFlipped: 0, garbageBytes: 0 }
  private readonly rng: Prng
  private readonly silenced = new Set<number>()
  private pendingOnce: { kind: CorruptionKind; garbageBytes: number }[] = []
  private rate = 0
  private rateKind: CorruptionKind = 'flip'
  private cableState: CableState = 'connected'
  private readonly listeners = new Set<(state: CableState) => void>()

  constructor(opts: { seed?: number } = {}) {
    this.rng = new Prng(opts.seed ?? 1)
  }

  // --- Silent servos -------------------------------------------------------------------------

  /**
   * The servo stops hearing and answering, as one with a loose connector. `id` is the physical
   * servo's id in the model (its bus id until an ID_WRITE renames it).
   */
  silent(id: number): void {
    this.silenced.add(id)
  }

  /** Undo silent(id). */
  answer(id: number): void {
    this.silenced.delete(id)
  }

  isSilent(id: number): boolean {
    return this.silenced.has(id)
  }

  get silentIds(): readonly number[] {
    return [...this.silenced].sort((a, b) => a - b)
  }

  // --- Corruption of the device's outgoing bytes ------------------------------------------------

  /** Corrupt the next outgoing frame(s), once each. */
  corruptNext(opts: CorruptNextOptions = {}): void {
    const n = opts.frames ?? 1
    for (let i = 0; i < n; i++) {
      this.pendingOnce.push({ kind: opts.kind ?? 'flip', garbageBytes: opts.garbageBytes ?? 3 })
    }
  }

  /**
   * Corrupt continuously: each outgoing byte independently has probability `rate` of a flipped
   * bit ('flip') or of a random byte following it ('garbage'), like a noisy line.
   */
  corruptRate(rate: number, kind: CorruptionKind = 'flip'): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`corruption rate must be in 0..1, got ${rate}`)
    this.rate = rate
    this.rateKind = kind
  }

  stopCorrupting(): void {
    this.rate = 0
    this.pendingOnce = []
  }

  /**
   * What actually leaves the device for one frame it sends. Returns the frame itself when no
   * corruption applies, so the common path allocates nothing.
   */
  mangle(frame: Uint8Array): Uint8Array {
    let out = frame
    const once = this.pendingOnce.shift()
    if (once) {
      this.stats.framesCorrupted++
      if (once.kind === 'flip') {
        out = frame.slice()
        const from = Math.min(FLIP_FROM, out.length - 1)
        const i = from + Math.floor(this.rng.next() * (out.length - from))
        out[i] ^= 1 << Math.floor(this.rng.next() * 8)
        this.stats.bitsFlipped++
      } else {
        out = new Uint8Array(once.garbageBytes + frame.length)
        for (let i = 0; i < once.garbageBytes; i++) out[i] = this.rng.nextUint32() & 0xff
        out.set(frame, once.garbageBytes)
        this.stats.garbageBytes += once.garbageBytes
      }
    }
    if (this.rate > 0) out = this.noisy(out)
    return out
  }

  private noisy(bytes: Uint8Array): Uint8Array {
    const out: number[] = []
    let touched = false
    for (const b of bytes) {
      if (this.rateKind === 'flip') {
        if (this.rng.next() < this.rate) {
          out.push(b ^ (1 << Math.floor(this.rng.next() * 8)))
          this.stats.bitsFlipped++
          touched = true
        } else out.push(b)
      } else {
        out.push(b)
        if (this.rng.next() < this.rate) {
          out.push(this.rng.nextUint32() & 0xff)
          this.stats.garbageBytes++
          touched = true
        }
      }
    }
    if (touched) this.stats.framesCorrupted++
    return touched ? Uint8Array.from(out) : bytes
  }

  // --- The cable -----------------------------------------------------------------------------

  get cable(): CableState {
    return this.cableState
  }

  /** True when bytes get through in both directions. */
  get connected(): boolean {
    return this.cableState === 'connected'
  }

  /**
   * 'silent' (default): nothing in or out, the port stays. 'hangup': the port goes away; with no
   * pty server listening it behaves as 'silent'.
   */
  pullCable(how: 'silent' | 'hangup' = 'silent'): void {
    this.setCable(how === 'hangup' ? 'hung-up' : 'pulled')
  }

  /** Reconnect; after a hang-up the pty server opens a new pty (a new path). */
  plugIn(): void {
    this.setCable('connected')
  }

  /** Called on every change of cable state; returns the unsubscribe function. */
  onCableChange(listener: (state: CableState) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private setCable(state: CableState): void {
    if (state === this.cableState) return
    this.cableState = state
    for (const l of [...this.listeners]) l(state)
  }
}
