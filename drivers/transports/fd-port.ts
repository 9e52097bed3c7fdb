/**
 * SerialPort over a non-blocking tty descriptor: the shared core of a UART (uart.ts) and a
 * pty master (pty.ts).
 *
 * No user-space buffering: read() is one read(2), flush() is tcflush(TCIFLUSH), so what the
 * kernel holds is all there is and flush() really empties the input.
 *
 * Waiting (waitReadable, drain, a full output queue) happens on the FdWorker thread when it
 * is up; otherwise (the first few ms after open, a second concurrent wait, or wait: "loop")
 * it is poll(fd, 0) retried from a 1 ms async sleep, so the JS thread never blocks.
 *
 * Disconnect detection. With VMIN=0/VTIME=0 an empty tty read returns 0, not EAGAIN
 * (n_tty_read returns before its O_NONBLOCK check when the timeout is 0), and a hung-up tty
 * also returns 0. So a 0 is disambiguated with poll: POLLHUP/POLLERR means the other end is
 * gone. Measured on a pty whose master was closed: poll revents = POLLIN|POLLERR|POLLHUP,
 * read = 0, write = EIO, tcgetattr = EIO; the same vhangup happens when a USB serial adapter
 * is unplugged. A dead port closes its descriptor at once, so a re-enumerated device can be
 * opened again.
 */
import { libc, errno, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, TCIFLUSH, TIOCOUTQ } from './libc.ts'
import { Errno, TransportError, errnoName } from './errors.ts'
import { FdWorker } from './fd-worker.ts'
import type { SerialPort } from './serial-port.ts'

export type WaitStrategy = 'thread' | 'loop'

export interface FdPortOptions {
  /** Device path, for messages. */
  path: string
  /**
   * True for a UART or pty slave: a hang-up is the device disappearing. False for a pty
   * master, whose peer (the slave) may close and be opened again by the next client.
   */
  hangupIsFatal: boolean
  /** "thread" (default): wake within microseconds. "loop": poll(0) + 1 ms sleeps only. */
  wait?: WaitStrategy
  /** A write the kernel will not take for this long is an error (output stalled). Default 2000. */
  writeTimeoutMs?: number
  /** Turns an errno into the message a user should see (uart.ts adds device hints). */
  describe?: (code: string, op: string) => string
}

const EMPTY = new Uint8Array(0)
const HANGUP = POLLHUP | POLLERR | POLLNVAL

export class FdSerialPort implements SerialPort {
  readonly path: string
  #fd: number
  #closed = false
  #failure: TransportError | null = null
  readonly #hangupIsFatal: boolean
  readonly #worker: FdWorker | null
  readonly #writeTimeoutMs: number
  readonly #describe: (code: string, op: string) => string
  readonly #pfd = new Int32Array(2)
  readonly #scratch = new Uint8Array(4096)
  #writing: Promise<void> = Promise.resolve()
  #interrupts = 0

  constructor(fd: number, opts: FdPortOptions) {
    this.#fd = fd
    this.path = opts.path
    this.#hangupIsFatal = opts.hangupIsFatal
    this.#worker = (opts.wait ?? 'thread') === 'thread' ? FdWorker.start() : null
    this.#writeTimeoutMs = opts.writeTimeoutMs ?? 2000
    this.#describe = opts.describe ?? ((code, op) => `${op} failed: ${code}`)
  }

  get isOpen(): boolean {
    return !this.#closed && this.#failure === null
  }

  /** The descriptor, for termios checks in tests; -1 once closed. */
  get fd(): number {
    return this.#fd
  }

  /** Resolves once the helper thread is up (tests use it to measure the fast path). */
  whenWorkerReady(timeoutMs = 1000): Promise<boolean> {
    return this.#worker ? this.#worker.whenReady(timeoutMs) : Promise.resolve(false)
  }

  read(max = 4096): Uint8Array {
    this.#usable()
    if (max <= 0) return EMPTY
    // One reusable buffer for the syscall; the caller gets an exact-size copy.
    const buf = max <= this.#scratch.length ? this.#scratch : new Uint8Array(max)
    const want = Math.min(max, buf.length)
    for (;;) {
      const n = Number(libc().read(this.#fd, buf, want))
      if (n > 0) return buf.slice(0, n)
      if (n === 0) {
        if (this.#hangupIsFatal && this.#pollNow(POLLIN) & HANGUP) this.#fail('EIO', 'read', 'hang-up')
        return EMPTY
      }
      const e = errno()
      if (e === Errno.EINTR) continue
      if (e === Errno.EAGAIN) return EMPTY
      // A pty master reads EIO while no slave is open: nobody there, nothing to read.
      if (e === Errno.EIO && !this.#hangupIsFatal) return EMPTY
      this.#fail(errnoName(e), 'read', undefined, e)
    }
  }

  async waitReadable(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs
    const interrupts = this.#interrupts
    for (;;) {
      this.#usable()
      const ev = this.#pollNow(POLLIN)
      // Hang-up first: a hung-up tty also reports POLLIN, but its read() only returns 0.
      if (ev & HANGUP && this.#hangupIsFatal) this.#fail('EIO', 'wait', 'hang-up')
      if (ev & POLLIN) return true
      const left = deadline - performance.now()
      if (left <= 0 || this.#interrupts !== interrupts) return false
      // A pty master without a slave reports POLLHUP continuously; a blocking poll would
      // return at once and spin, so that state is waited out on the timer instead.
      if (!(ev & HANGUP) && this.#worker?.available) {
        try {
          const r = await this.#worker.poll(this.#fd, POLLIN, left)
          if (r < 0 && -r !== Errno.EINTR) this.#fail(errnoName(-r), 'poll', undefined, -r)
        } catch (err) {
          this.#usable() // closed meanwhile: report that rather than the worker's view
          if (!(err instanceof TransportError && err.code === 'ECLOSED')) throw err
        }
      } else {
        await Bun.sleep(Math.min(1, left))
      }
    }
  }

  /**
   * Ends a waitReadable in progress early (it returns false): its caller has something else
   * to do, e.g. a pty simulator whose device was handed input from outside its loop.
   */
  interrupt(): void {
    this.#interrupts++
    this.#worker?.wake()
  }

  write(bytes: Uint8Array): Promise<void> {
    // Serialised so two writers never interleave their frames on the wire.
    const next = this.#writing.then(() => this.#writeAll(bytes))
    this.#writing = next.catch(() => {})
    return next
  }

  async drain(): Promise<void> {
    await this.#writing
    this.#usable()
    if (this.#worker?.available) {
      let r: number
      try {
        r = await this.#worker.tcdrain(this.#fd)
      } catch (err) {
        this.#usable()
        throw err
      }
      if (r < 0) this.#fail(errnoName(-r), 'tcdrain', undefined, -r)
      return
    }
    // Without the thread: wait out the kernel's output queue asynchronously, then tcdrain
    // for what is left in the UART FIFO (at most its size: 32 bytes on the Pi's PL011, about
    // 2.8 ms at 115200 and 0.3 ms at 1 Mbaud).
    const outq = new Int32Array(1)
    for (;;) {
      this.#usable()
      if (libc().ioctl(this.#fd, TIOCOUTQ, outq) !== 0 || outq[0] === 0) break
      await Bun.sleep(1)
    }
    if (libc().tcdrain(this.#fd) !== 0) {
      const e = errno()
      if (e !== Errno.EAGAIN && e !== Errno.EINTR) this.#fail(errnoName(e), 'tcdrain', undefined, e)
    }
  }

  flush(): void {
    this.#usable()
    if (libc().tcflush(this.#fd, TCIFLUSH) !== 0) {
      const e = errno()
      this.#fail(errnoName(e), 'tcflush', undefined, e)
    }
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#worker?.stop()
    this.#release()
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let off = 0
    const deadline = performance.now() + this.#writeTimeoutMs
    while (off < bytes.length) {
      this.#usable()
      const n = Number(libc().write(this.#fd, bytes.subarray(off), bytes.length - off))
      if (n > 0) {
        off += n
        continue
      }
      const e = n < 0 ? errno() : Errno.EAGAIN
      if (e === Errno.EINTR) continue
      if (e !== Errno.EAGAIN) this.#fail(errnoName(e), 'write', undefined, e)
      // Output queue full: wait for room.
      const left = deadline - performance.now()
      if (left <= 0) {
        throw new TransportError('ETIMEDOUT', `${this.path}: output stalled, ${bytes.length - off} bytes not taken in ${this.#writeTimeoutMs} ms`, {
          path: this.path,
        })
      }
      if (this.#worker?.available) await this.#worker.poll(this.#fd, POLLOUT, Math.min(left, 50))
      else await Bun.sleep(1)
    }
  }

  #pollNow(events: number): number {
    const p = this.#pfd
    p[0] = this.#fd
    p[1] = events
    const rc = libc().poll(p, 1, 0)
    return rc > 0 ? p[1]! >>> 16 : 0
  }

  #usable(): void {
    if (this.#closed) throw new TransportError('ECLOSED', `${this.path}: port is closed`, { path: this.path })
    if (this.#failure) throw this.#failure
  }

  #fail(code: string, op: string, detail?: string, err?: number): never {
    const msg = `${this.path}: ${this.#describe(code, op)}${detail ? ` (${detail})` : ''}`
    this.#failure = new TransportError(code, msg, { errno: err, path: this.path })
    this.#worker?.stop()
    this.#release()
    throw this.#failure
  }

  #release(): void {
    if (this.#fd >= 0) {
      libc().close(this.#fd)
      this.#fd = -1
    }
  }
}
