/**
 * A helper thread that makes the blocking system calls (poll with a timeout, tcdrain, I2C
 * transfers) so the JS thread never has to.
 *
 * Why: the alternative the design started from, poll(fd, 0) retried from a 1 ms async
 * sleep loop, wakes at timer granularity. Measured here (Bun 1.4.5, pty ping-pong of 6
 * bytes): 1.21 ms per round trip with the sleep loop, 0.055 ms with this thread. A TonyPi
 * position read is 1.22 ms on the wire at 115200 baud (HARDWARE.md section 1), so a loop
 * that adds a timer tick per step would cap the bus at about half its physical rate.
 *
 * How: one Worker per port/bus, a SharedArrayBuffer for the request and the result, and
 * Atomics.waitAsync on the JS side, which wakes the event loop as soon as the worker
 * stores the result (about 20 us). Polls also watch a wake pipe, so close() interrupts a
 * wait at once instead of leaving the thread blocked on a descriptor that is being closed.
 * The worker is unref'd: it never keeps the process alive.
 *
 * One request at a time: `available` is false while a call is in flight, and callers fall
 * back to the loop (fd-port.ts) or queue (i2c.ts).
 */
import { libc, errno, O_CLOEXEC, O_NONBLOCK } from './libc.ts'
import { TransportError, errnoName } from './errors.ts'

// Control words (Int32Array indices) shared with fd-worker-thread.ts.
export const CTL = {
  REQ: 0, // request sequence, bumped by the JS side
  DONE: 1, // sequence of the last finished request, stored by the worker
  STOP: 2,
  OP: 3,
  A0: 4,
  A1: 5,
  A2: 6,
  A3: 7,
  A4: 8,
  RESULT: 9, // >= 0: op-specific value; < 0: -errno
} as const
export const CTL_BYTES = 64
/** Room for one I2C transfer (the kernel caps a message at 8192 bytes; the robot needs 14). */
export const DATA_BYTES = 8192

export const OP_POLL = 1 // A0 fd, A1 events, A2 timeout ms, A3 wake fd -> revents (0: timeout/woken)
export const OP_TCDRAIN = 2 // A0 fd -> 0
export const OP_I2C = 3 // A0 fd, A1 addr, A2 write len, A3 read len, A4 mode -> 0; read bytes in data

/** Upper bound for a call that has no timeout of its own (tcdrain, an I2C transfer). */
const CALL_LIMIT_MS = 5000

export class FdWorker {
  readonly #worker: Worker
  readonly #ctl: Int32Array
  readonly #data: Uint8Array
  readonly #wake = new Int32Array(2)
  #ready = false
  #busy = false
  #stopped = false
  #died: Promise<'died'>
  #die!: () => void

  /** Null when this runtime cannot host it (no Worker or Atomics.waitAsync): use the fallback. */
  static start(): FdWorker | null {
    if (typeof Worker !== 'function' || typeof (Atomics as { waitAsync?: unknown }).waitAsync !== 'function') return null
    try {
      return new FdWorker()
    } catch {
      return null
    }
  }

  private constructor() {
    const sab = new SharedArrayBuffer(CTL_BYTES + DATA_BYTES)
    this.#ctl = new Int32Array(sab, 0, CTL_BYTES / 4)
    this.#data = new Uint8Array(sab, CTL_BYTES, DATA_BYTES)
    this.#died = new Promise((resolve) => (this.#die = () => resolve('died')))
    // The Worker first: if this runtime cannot start it (e.g. a compiled binary without the
    // thread file), nothing else has been allocated yet.
    this.#worker = new Worker(new URL('./fd-worker-thread.ts', import.meta.url).href)
    if (libc().pipe2(this.#wake, O_CLOEXEC | O_NONBLOCK) !== 0) {
      this.#worker.terminate()
      throw new TransportError(errnoName(errno()), 'pipe2 failed')
    }
    this.#worker.addEventListener('message', () => (this.#ready = true), { once: true })
    this.#worker.addEventListener('error', () => this.#shutdown())
    this.#worker.addEventListener('close', () => this.#shutdown())
    this.#worker.postMessage({ sab })
    ;(this.#worker as unknown as { unref(): void }).unref()
  }

  /** Ready and idle: a call made now runs on the thread. */
  get available(): boolean {
    return this.#ready && !this.#busy && !this.#stopped
  }

  get stopped(): boolean {
    return this.#stopped
  }

  /** Wait until the thread has started (a few ms); false if it cannot. */
  async whenReady(timeoutMs = 1000): Promise<boolean> {
    const deadline = performance.now() + timeoutMs
    while (!this.#ready && !this.#stopped && performance.now() < deadline) await Bun.sleep(1)
    return this.#ready && !this.#stopped
  }

  /** poll(fd, events, timeoutMs) on the thread: revents, 0 on timeout or wake(), -errno. */
  poll(fd: number, events: number, timeoutMs: number): Promise<number> {
    const ms = Math.max(0, Math.min(Math.ceil(timeoutMs), 60_000))
    return this.#call(OP_POLL, [fd, events, ms, this.#wake[0]!, 0], ms + CALL_LIMIT_MS)
  }

  /** tcdrain(fd) on the thread: 0 or -errno. */
  tcdrain(fd: number): Promise<number> {
    return this.#call(OP_TCDRAIN, [fd, 0, 0, 0, 0], CALL_LIMIT_MS)
  }

  /** An I2C transfer on the thread (see i2c.ts for modes): 0 and the bytes read, or -errno. */
  async i2c(fd: number, addr: number, write: Uint8Array, readLen: number, mode: number): Promise<{ rc: number; bytes: Uint8Array }> {
    if (write.length + readLen > DATA_BYTES) throw new TransportError('EINVAL', `I2C transfer too long (${write.length}+${readLen} bytes)`)
    this.#data.set(write, 0)
    const rc = await this.#call(OP_I2C, [fd, addr, write.length, readLen, mode], CALL_LIMIT_MS)
    return { rc, bytes: rc >= 0 ? this.#data.slice(0, readLen) : new Uint8Array(0) }
  }

  /** Cut short a poll in progress (it returns 0). */
  wake(): void {
    libc().write(this.#wake[1]!, new Uint8Array([1]), 1)
  }

  stop(): void {
    if (this.#stopped) return
    Atomics.store(this.#ctl, CTL.STOP, 1)
    Atomics.add(this.#ctl, CTL.REQ, 1)
    Atomics.notify(this.#ctl, CTL.REQ)
    this.wake()
    this.#shutdown()
    this.#worker.terminate()
  }

  #shutdown(): void {
    if (!this.#stopped) this.#stopped = true
    this.#die()
    // The wake pipe is closed a moment later: a poll that is just starting on the thread
    // must find it open (and readable), not a reused descriptor number.
    const [r, w] = [this.#wake[0]!, this.#wake[1]!]
    if (r > 0 || w > 0) {
      this.#wake.fill(-1)
      setTimeout(() => {
        if (r > 0) libc().close(r)
        if (w > 0) libc().close(w)
      }, 250).unref()
    }
  }

  async #call(op: number, args: [number, number, number, number, number], limitMs: number): Promise<number> {
    if (!this.available) throw new TransportError('EBUSY', 'fd worker is busy or stopped')
    this.#busy = true
    try {
      const ctl = this.#ctl
      const before = Atomics.load(ctl, CTL.DONE)
      ctl[CTL.OP] = op
      ctl[CTL.A0] = args[0]
      ctl[CTL.A1] = args[1]
      ctl[CTL.A2] = args[2]
      ctl[CTL.A3] = args[3]
      ctl[CTL.A4] = args[4]
      Atomics.add(ctl, CTL.REQ, 1)
      Atomics.notify(ctl, CTL.REQ)
      const waiter = Atomics.waitAsync(ctl, CTL.DONE, before, limitMs)
      const outcome = waiter.async ? await Promise.race([waiter.value, this.#died]) : waiter.value
      if (outcome === 'died') throw new TransportError('ECLOSED', 'fd worker stopped during the call')
      if (outcome === 'timed-out') {
        this.stop()
        throw new TransportError('ETIMEDOUT', `fd worker did not answer within ${limitMs} ms`)
      }
      return ctl[CTL.RESULT]!
    } finally {
      this.#busy = false
    }
  }
}
