// Serial-wire timing for the byte-level simulators, and the base class of a device on that wire.
//
// A pty hands bytes across instantly; a UART does not. At 115200 baud an 8N1 byte is 10 bit times,
// 86.8 us, so an LX position read (6 bytes out, 8 back) is 1.22 ms of wire time before any servo
// turnaround (HARDWARE.md section 1). A simulator that answered at pty speed would let the edge's
// collector poll far faster than a real robot allows, and its scheduling would never be tested.
// So every byte the host writes is stamped with the interval it would occupy the wire, the device
// reacts only once a request's last bit has arrived, and its reply bytes are held back until each
// one's last bit would have arrived at the host.
//
// Times are epoch milliseconds with sub-millisecond fractions, the same clock the physics model
// runs on. Everything here is pure: the pty server (pty-server.ts) supplies the times.

import { SimFaults } from './faults.ts'

/** 8N1: start bit, 8 data bits, stop bit. */
export const BITS_PER_BYTE = 10

/**
 * Slack when comparing times: epoch ms near 1.7e12 carry only about 0.24 us of resolution, so
 * two routes to "the same" instant can differ by a few ulps. 2 us is far below any byte time
 * (10 us at 1 Mbaud) and keeps back-to-back bytes from counting as overlapping.
 */
const EPS = 2e-3

const EMPTY = new Uint8Array(0)

export function byteTimeMs(baud: number): number {
  if (!(Number.isFinite(baud) && baud > 0)) throw new RangeError(`baud must be a positive number, got ${String(baud)}`)
  return (BITS_PER_BYTE * 1000) / baud
}

/** Wire time of n bytes at baud, in ms. */
export function wireTimeMs(bytes: number, baud: number): number {
  return bytes * byteTimeMs(baud)
}

/**
 * Epoch ms with sub-ms resolution, monotonic within the process (timeOrigin + performance.now()):
 * Date.now() has 1 ms steps, too coarse for 87 us bytes, and can jump when NTP corrects it.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now()
}

export interface WireByte {
  value: number
  /** When its start bit begins. */
  startMs: number
  /** When its stop bit ends: the receiver has it from then on. */
  endMs: number
}

/**
 * One direction of a serial line, towards one receiver: a queue of bytes with their wire times,
 * handed out once their last bit is in.
 */
export class WireQueue {
  readonly byteMs: number
  /** Not yet delivered, sorted by endMs. */
  private slots: WireByte[] = []
  private freeAt = -Infinity

  constructor(baud: number) {
    this.byteMs = byteTimeMs(baud)
  }

  /** When the transmitter feeding this queue finishes what it has been given. */
  get busyUntilMs(): number {
    return this.freeAt
  }

  get pendingBytes(): number {
    return this.slots.length
  }

  /**
   * Bytes from this side's own UART: back to back, never before earliestMs and never before the
   * previous frame has left. Returns their slots (the caller may corrupt them in a collision).
   */
  send(bytes: Uint8Array, earliestMs: number): WireByte[] {
    const t0 = Math.max(earliestMs, this.freeAt)
    const added: WireByte[] = []
    // start + i * byteMs rather than repeated addition: rounding must not accumulate.
    bytes.forEach((value, i) => {
      const slot = { value, startMs: t0 + i * this.byteMs, endMs: t0 + (i + 1) * this.byteMs }
      added.push(slot)
      this.insert(slot)
    })
    if (bytes.length > 0) this.freeAt = t0 + bytes.length * this.byteMs
    return added
  }

  /** A byte at a fixed time that is not from this side's UART (the host's own bytes, echoed). */
  place(slot: WireByte): void {
    this.insert(slot)
  }

  /** Pending bytes whose wire time overlaps [startMs, endMs). */
  overlapping(startMs: number, endMs: number): WireByte[] {
    return this.slots.filter((s) => s.startMs < endMs - EPS && s.endMs > startMs + EPS)
  }

  /** Every byte fully received by nowMs, in wire order. */
  takeDue(nowMs: number): Uint8Array {
    const due = this.takeDueSlots(nowMs)
    return due.length === 0 ? EMPTY : Uint8Array.from(due, (s) => s.value)
  }

  /** takeDue with each byte's wire time. */
  takeDueSlots(nowMs: number): WireByte[] {
    let n = 0
    while (n < this.slots.length && this.slots[n].endMs <= nowMs + EPS) n++
    return n === 0 ? [] : this.slots.splice(0, n)
  }

  nextDueMs(): number | null {
    return this.slots.length > 0 ? this.slots[0].endMs : null
  }

  /** Forget everything in flight (cable pulled). Returns how many bytes were dropped. */
  clear(): number {
    const n = this.slots.length
    this.slots = []
    this.freeAt = -Infinity
    return n
  }

  private insert(slot: WireByte): void {
    let i = this.slots.length
    while (i > 0 && this.slots[i - 1].endMs > slot.endMs) i--
    this.slots.splice(i, 0, slot)
  }
}

/**
 * Something between the host's UART and the wire that can cut either direction: the hat's
 * half-duplex buffer (hat-buffer.ts). Times are the device's epoch ms.
 */
export interface HostLineGate {
  /** Whether a host byte whose start bit begins at startMs is driven onto the bus. */
  drives(startMs: number): boolean
  /** Whether a device byte whose stop bit ends at endMs reaches the host's receiver. */
  hears(endMs: number): boolean
}

export interface WireDeviceOptions {
  baud: number
  faults?: SimFaults
  gate?: HostLineGate
  /**
   * One shared wire (the LX bus): bytes the host sends while the device is sending collide. Both
   * sides then receive 0x00 for the overlapping bytes, which is what Linux delivers for a byte
   * with a framing error in raw mode (no IGNPAR/PARMRK), the usual outcome of two drivers
   * fighting over one line. False for separate TX/RX lines (the STM32 board).
   */
  halfDuplex?: boolean
  /**
   * Return the host's own bytes to it, as a one-wire bus does when nothing disables the
   * receiver while transmitting. Meaningful only with halfDuplex.
   */
  echo?: boolean
}

export interface WireDeviceStats {
  /** Host bytes that reached the device. */
  bytesIn: number
  /** Device bytes handed to the host. */
  bytesOut: number
  /** Host bytes that overlapped a device byte on a half-duplex wire. */
  collisions: number
  /** Device bytes lost because the cable was pulled while they were in flight. */
  bytesDropped: number
  /** Host bytes the gate kept off the bus (the hat's TX enable was low). */
  undriven: number
  /** Device bytes the gate kept from the host (the hat's RX enable was low). */
  unheard: number
}

/**
 * A simulated device on a serial wire. Subclasses see the host's bytes one at a time at the
 * moment their last bit arrives (onHostByte) and answer through transmit(); this class does the
 * timing, collisions, echo and cable faults. A driver of the device (the pty server, or a test
 * with a virtual clock) calls receive() with what the host wrote, poll() for what the host may
 * read by now, and nextEventMs() to know when to call poll() again.
 */
export abstract class WireDevice {
  readonly baud: number
  readonly byteMs: number
  readonly faults: SimFaults
  readonly stats: WireDeviceStats = { bytesIn: 0, bytesOut: 0, collisions: 0, bytesDropped: 0, undriven: 0, unheard: 0 }
  /** Device -> host. */
  protected readonly tx: WireQueue
  private readonly halfDuplex: boolean
  private readonly echo: boolean
  private readonly gate: HostLineGate | null
  /** The host's UART sends back to back too: a burst written at once is spread over time. */
  private hostFreeAt = -Infinity

  protected constructor(opts: WireDeviceOptions) {
    this.baud = opts.baud
    this.tx = new WireQueue(opts.baud)
    this.byteMs = this.tx.byteMs
    this.faults = opts.faults ?? new SimFaults()
    this.halfDuplex = opts.halfDuplex ?? false
    this.echo = (opts.echo ?? false) && this.halfDuplex
    this.gate = opts.gate ?? null
    // A pulled or replugged cable cuts frames in half: neither side may glue the halves together.
    this.faults.onCableChange(() => this.reset())
  }

  /** The host wrote `bytes`; they reached the pty at atMs. */
  receive(bytes: Uint8Array, atMs: number): void {
    if (!this.faults.connected) return
    const t0 = Math.max(atMs, this.hostFreeAt)
    for (let i = 0; i < bytes.length; i++) {
      const startMs = t0 + i * this.byteMs
      const endMs = t0 + (i + 1) * this.byteMs
      if (this.gate && !this.gate.drives(startMs)) {
        this.stats.undriven++
        continue
      }
      let value = bytes[i]
      if (this.halfDuplex) {
        const hit = this.tx.overlapping(startMs, endMs)
        if (hit.length > 0) {
          value = 0
          for (const s of hit) s.value = 0
          this.stats.collisions++
        }
      }
      if (this.echo) this.tx.place({ value, startMs, endMs })
      this.stats.bytesIn++
      this.onHostByte(value, endMs)
    }
    if (bytes.length > 0) this.hostFreeAt = t0 + bytes.length * this.byteMs
  }

  /** Run the device's own timers up to nowMs; return the bytes the host has received by then. */
  poll(nowMs: number): Uint8Array {
    if (!this.faults.connected) return EMPTY
    this.onTick(nowMs)
    if (!this.gate) {
      const out = this.tx.takeDue(nowMs)
      this.stats.bytesOut += out.length
      return out
    }
    const due = this.tx.takeDueSlots(nowMs)
    const heard = due.filter((s) => this.gate!.hears(s.endMs))
    this.stats.unheard += due.length - heard.length
    this.stats.bytesOut += heard.length
    return heard.length === 0 ? EMPTY : Uint8Array.from(heard, (s) => s.value)
  }

  /** When poll() next has something to do; null when only new input can change anything. */
  nextEventMs(): number | null {
    if (!this.faults.connected) return null
    const a = this.tx.nextDueMs()
    const b = this.nextTickMs()
    if (a === null) return b
    if (b === null) return a
    return Math.min(a, b)
  }

  /** Drop whatever is in flight both ways and any half-decoded frame. */
  reset(): void {
    this.stats.bytesDropped += this.tx.clear()
    this.hostFreeAt = -Infinity
    this.resetProtocol()
  }

  /**
   * Queue a frame from the device, starting no earlier than earliestMs (after whatever it is
   * still sending). Faults may corrupt it on the way. Returns when its last byte will be in.
   */
  protected transmit(frame: Uint8Array, earliestMs: number): number {
    if (!this.faults.connected) return earliestMs
    const slots = this.tx.send(this.faults.mangle(frame), earliestMs)
    return slots.length > 0 ? slots[slots.length - 1].endMs : earliestMs
  }

  /** One host byte, complete at endMs (0x00 if it collided). */
  protected abstract onHostByte(value: number, endMs: number): void

  /** Periodic work (streams), called from poll(). */
  protected onTick(_nowMs: number): void {}

  protected nextTickMs(): number | null {
    return null
  }

  protected resetProtocol(): void {}
}

/** Bounded log: a simulator left running for days must not grow without limit. */
export function pushBounded<T>(log: T[], item: T, max: number): void {
  log.push(item)
  if (log.length > max) log.splice(0, log.length - max)
}
