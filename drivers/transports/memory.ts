/**
 * In-memory twins of the transports, for unit tests and the in-process simulator. They
 * follow the real ones where a driver could tell the difference: the same interfaces, the
 * same TransportError codes and messages, and (optionally) the wire's speed.
 *
 * Wire timing: with `baud` set, a byte takes 10 bit times (8N1: start + 8 data + stop) and
 * bytes queue behind each other on the wire, so a 6-byte frame at 115200 becomes readable
 * byte by byte over 0.52 ms, and drain() resolves when the writer's last byte is out.
 * Waits shorter than a timer tick finish by yielding (setImmediate), so the timing holds
 * at sub-millisecond precision; that costs CPU only while a byte is actually in flight.
 */
import { TransportError } from './errors.ts'
import { describeI2cError, type I2cBus } from './i2c.ts'
import type { GpioLine, GpioOutputOptions } from './gpio.ts'
import type { SerialPort } from './serial-port.ts'
import { sleepUntil } from './precise-wait.ts'

const EMPTY = new Uint8Array(0)

interface Segment {
  data: Uint8Array
  /** Time the first byte starts on the wire. */
  start: number
  byteTime: number
  /** Bytes of data already handed to read() or flushed. */
  taken: number
}

export interface MemorySerialOptions {
  /** Simulate the wire at this rate (10 bits a byte). Omit for instant delivery. */
  baud?: number
  /** Names used in error messages. */
  names?: [string, string]
}

export class MemorySerialPort implements SerialPort {
  readonly name: string
  peer!: MemorySerialPort
  readonly #byteTime: number
  #inbox: Segment[] = []
  #wireFreeAt = 0
  #closed = false
  #failure: TransportError | null = null
  #waiters = new Set<() => void>()
  /** Every byte this end ever wrote, for assertions. */
  readonly written: number[] = []

  constructor(name: string, baud?: number) {
    this.name = name
    this.#byteTime = baud ? 10_000 / baud : 0 // ms per byte
  }

  get isOpen(): boolean {
    return !this.#closed && this.#failure === null
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.#usable()
    const now = performance.now()
    const start = Math.max(now, this.#wireFreeAt)
    this.#wireFreeAt = start + bytes.length * this.#byteTime
    for (const b of bytes) this.written.push(b)
    this.peer.#deliver({ data: bytes.slice(), start, byteTime: this.#byteTime, taken: 0 })
  }

  async drain(): Promise<void> {
    this.#usable()
    await sleepUntil(this.#wireFreeAt)
    this.#usable()
  }

  read(max = 4096): Uint8Array {
    this.#usable()
    const now = performance.now()
    const out: number[] = []
    while (this.#inbox.length > 0 && out.length < max) {
      const seg = this.#inbox[0]!
      const arrived = seg.byteTime === 0 ? seg.data.length : Math.min(seg.data.length, Math.floor((now - seg.start) / seg.byteTime + 1e-6))
      const n = Math.min(arrived - seg.taken, max - out.length)
      for (let i = 0; i < n; i++) out.push(seg.data[seg.taken + i]!)
      seg.taken += Math.max(0, n)
      if (seg.taken < seg.data.length) break // the rest is still on the wire
      this.#inbox.shift()
    }
    return out.length === 0 ? EMPTY : Uint8Array.from(out)
  }

  async waitReadable(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      this.#usable()
      const next = this.#nextArrival()
      const now = performance.now()
      if (next !== null && next <= now) return true
      if (now >= deadline) return false
      if (next !== null) {
        await sleepUntil(Math.min(next, deadline))
        continue
      }
      // Nothing on the wire: sleep until the peer writes (or the deadline).
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer)
          this.#waiters.delete(wake)
          resolve()
        }
        const timer = setTimeout(wake, Math.max(0, deadline - now))
        this.#waiters.add(wake)
      })
    }
  }

  /** Drops what has arrived; bytes still on the wire arrive later, as with tcflush. */
  flush(): void {
    this.#usable()
    this.read(Number.MAX_SAFE_INTEGER)
  }

  close(): void {
    this.#closed = true
    this.#inbox = []
    this.#wake()
  }

  /** Pull the cable: this end closes and the peer fails like a real tty hang-up (EIO). */
  hangup(): void {
    this.close()
    const peer = this.peer
    if (!peer.#closed && !peer.#failure) {
      peer.#failure = new TransportError('EIO', `${peer.name}: device disappeared (EIO): the other end hung up`, { path: peer.name })
      peer.#wake()
    }
  }

  #deliver(seg: Segment): void {
    if (this.#closed || this.#failure) return // nobody listening: the bytes fall off the wire
    this.#inbox.push(seg)
    this.#wake()
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w()
  }

  #nextArrival(): number | null {
    const seg = this.#inbox[0]
    if (!seg) return null
    // Same rounding as read(), so "readable" and "read returns bytes" never disagree.
    return seg.start + (seg.taken + 1 - 1e-6) * seg.byteTime
  }

  #usable(): void {
    if (this.#closed) throw new TransportError('ECLOSED', `${this.name}: port is closed`, { path: this.name })
    if (this.#failure) throw this.#failure
  }
}

/** Two connected ends: what one writes the other reads. */
export function createMemorySerialPair(opts: MemorySerialOptions = {}): [MemorySerialPort, MemorySerialPort] {
  const [na, nb] = opts.names ?? ['memory-a', 'memory-b']
  const a = new MemorySerialPort(na, opts.baud)
  const b = new MemorySerialPort(nb, opts.baud)
  a.peer = b
  b.peer = a
  return [a, b]
}

/** What sits at an address on a MemoryI2cBus. */
export interface I2cDevice {
  write(bytes: Uint8Array): void
  read(len: number): Uint8Array
}

/**
 * The common I2C register convention (MPU6050, the hat MCU): a write's first byte sets the
 * register pointer, further bytes are stored from there; reads continue from the pointer;
 * both auto-increment.
 */
export class RegisterMapDevice implements I2cDevice {
  readonly regs = new Uint8Array(256)
  pointer = 0
  /** Called before a read starts at `reg`: refresh live values (a simulated sensor). */
  onRead?: (reg: number, dev: RegisterMapDevice) => void
  /** Called after bytes are written at `reg`. */
  onWrite?: (reg: number, bytes: Uint8Array, dev: RegisterMapDevice) => void

  constructor(init: Record<number, number> = {}) {
    for (const [reg, v] of Object.entries(init)) this.regs[Number(reg)] = v
  }

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return
    this.pointer = bytes[0]!
    const start = this.pointer
    for (const b of bytes.subarray(1)) this.regs[this.pointer++ & 0xff] = b
    this.pointer &= 0xff
    if (bytes.length > 1) this.onWrite?.(start, bytes.subarray(1), this)
  }

  read(len: number): Uint8Array {
    this.onRead?.(this.pointer, this)
    const out = new Uint8Array(len)
    for (let i = 0; i < len; i++) out[i] = this.regs[(this.pointer + i) & 0xff]!
    this.pointer = (this.pointer + len) & 0xff
    return out
  }
}

export interface I2cTransaction {
  addr: number
  write: number[]
  readLen: number
}

export class MemoryI2cBus implements I2cBus {
  readonly path: string
  readonly devices = new Map<number, I2cDevice>()
  readonly log: I2cTransaction[] = []
  #closed = false

  constructor(path = '/dev/i2c-1 (memory)') {
    this.path = path
  }

  attach(addr: number, device: I2cDevice): this {
    this.devices.set(addr, device)
    return this
  }

  /** Take a device off the bus (a loose cable): later transfers NACK. */
  detach(addr: number): void {
    this.devices.delete(addr)
  }

  async writeRead(addr: number, write: Uint8Array, readLen: number): Promise<Uint8Array> {
    const dev = this.#device(addr, write, readLen)
    if (write.length > 0) dev.write(write)
    return readLen > 0 ? dev.read(readLen) : EMPTY
  }

  async write(addr: number, bytes: Uint8Array): Promise<void> {
    this.#device(addr, bytes, 0).write(bytes)
  }

  close(): void {
    this.#closed = true
  }

  #device(addr: number, write: Uint8Array, readLen: number): I2cDevice {
    if (this.#closed) throw new TransportError('ECLOSED', `${this.path}: bus is closed`, { path: this.path })
    this.log.push({ addr, write: [...write], readLen })
    const dev = this.devices.get(addr)
    if (!dev) throw new TransportError('EREMOTEIO', describeI2cError(this.path, 'EREMOTEIO', addr), { path: this.path })
    return dev
  }
}

export class MemoryGpioLine implements GpioLine {
  readonly name: string
  value: 0 | 1
  /** Every value set, the initial one first. */
  readonly history: (0 | 1)[]
  /** Every value with the performance.now() it was set at (the initial one at creation): a logic analyser's view. */
  readonly timeline: { value: 0 | 1; at: number }[]
  closed = false
  /** performance.now() at close(), once closed. */
  closedAt: number | null = null
  readonly #log: string[] | undefined
  readonly #beforeChange: (() => void) | undefined

  /**
   * `log`, if given, is shared with other twins to check the order of events across them;
   * `beforeChange` runs before every set and the release (MemoryGpioChip's listeners).
   */
  constructor(name: string, initial: 0 | 1 = 0, log?: string[], beforeChange?: () => void) {
    this.name = name
    this.value = initial
    this.history = [initial]
    this.timeline = [{ value: initial, at: performance.now() }]
    this.#log = log
    this.#beforeChange = beforeChange
  }

  set(value: 0 | 1): void {
    if (this.closed) throw new TransportError('ECLOSED', `${this.name}: line is closed`)
    // Stamped when asked for, not after the listeners (which may take a while) have run.
    const at = performance.now()
    this.#beforeChange?.()
    this.value = value
    this.history.push(value)
    this.timeline.push({ value, at })
    this.#log?.push(`${this.name}=${value}`)
  }

  close(): void {
    if (this.closed) return
    const at = performance.now()
    this.#beforeChange?.()
    this.closed = true
    this.closedAt = at
  }

  /**
   * The level driven at time t (performance.now() ms), or null when the line was not driven then.
   * A binary search: a simulated hat asks for every byte, and a busy bus sets a line thousands of
   * times a second.
   */
  levelAt(t: number): 0 | 1 | null {
    const tl = this.timeline
    if (t < tl[0]!.at || (this.closedAt !== null && t >= this.closedAt)) return null
    let lo = 0
    let hi = tl.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (tl[mid]!.at <= t) lo = mid
      else hi = mid - 1
    }
    return tl[lo]!.value
  }
}

/**
 * An openGpioOutput stand-in for one GPIO chip: lines named "gpio<N>", the latest request of
 * each kept in `lines` by line number. Like the kernel, it refuses a line that is already
 * requested (EBUSY). The simulated hat (sim/hat-buffer.ts) reads the levels back in time, so a
 * test can wire a simulated robot to particular pins.
 */
export class MemoryGpioChip {
  readonly lines = new Map<number, MemoryGpioLine>()
  /** Every request ever made, oldest first (a line requested twice appears twice). */
  readonly requests: { line: number; request: MemoryGpioLine }[] = []
  readonly #idle = new Map<number, 0 | 1>()
  readonly #log: string[] | undefined
  readonly #listeners = new Set<() => void>()

  constructor(log?: string[]) {
    this.#log = log
  }

  readonly open = (o: GpioOutputOptions): MemoryGpioLine => {
    const held = this.lines.get(o.line)
    if (held && !held.closed) {
      throw new TransportError('EBUSY', `memory gpiochip: line ${o.line} is in use by another program or a kernel driver (EBUSY; see gpioinfo)`)
    }
    const before = () => {
      for (const l of this.#listeners) l()
    }
    before()
    const line = new MemoryGpioLine(`gpio${o.line}`, o.initial, this.#log, before)
    this.lines.set(o.line, line)
    this.requests.push({ line: o.line, request: line })
    return line
  }

  /**
   * Called before any line of this chip changes (requested, set, released): a simulated device
   * takes in what the host has sent so far, at the levels it was sent under. Returns the
   * unsubscribe function.
   */
  onBeforeChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * The level a line shows while nobody drives it: a pull-up, or what an earlier program left
   * behind. Default 0.
   */
  setIdleLevel(line: number, value: 0 | 1): this {
    this.#idle.set(line, value)
    return this
  }

  /** The level of `line` at time t (performance.now() ms): the request driving it then, else its idle level. */
  levelAt(line: number, t: number): 0 | 1 {
    for (const r of this.#requestsOf(line).reverse()) {
      const v = r.levelAt(t)
      if (v !== null) return v
    }
    return this.#idle.get(line) ?? 0
  }

  #requestsOf(line: number): MemoryGpioLine[] {
    return this.requests.filter((r) => r.line === line).map((r) => r.request)
  }
}
