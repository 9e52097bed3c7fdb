/**
 * A Raspberry Pi UART (or USB serial adapter, or pty slave) as a SerialPort, through libc.
 *
 * open(2) flags: O_NOCTTY so the robot's bus never becomes our controlling terminal;
 * O_NONBLOCK so open() does not wait for carrier and reads never block the JS thread;
 * O_CLOEXEC so a spawned child does not keep the device open after we close it.
 * Then TIOCEXCL (tty_ioctl(4): further opens fail with EBUSY, except for root), raw 8N1
 * at the requested rate (termios.ts), and TCIOFLUSH to drop bytes left over from before.
 */
import { libc, errno, strerror, O_CLOEXEC, O_NOCTTY, O_NONBLOCK, O_RDWR, TCIOFLUSH, TIOCEXCL, TIOCMBIC, TIOCM_DTR, TIOCM_RTS, intArg } from './libc.ts'
import { Errno, TransportError, errnoName, isDisconnect } from './errors.ts'
import { applyRaw, baudCode } from './termios.ts'
import { FdSerialPort, type WaitStrategy } from './fd-port.ts'
import type { SerialPort } from './serial-port.ts'

export type { SerialPort } from './serial-port.ts'
export { readExact } from './serial-port.ts'
export { BAUD_CODES } from './termios.ts'

export interface SerialPortOptions {
  baud: number
  /** Refuse other openers while we hold the port (TIOCEXCL). Default true. */
  exclusive?: boolean
  /** See fd-port.ts; default "thread". */
  wait?: WaitStrategy
  /**
   * Drop DTR and RTS right after opening (clearModemLines). For a board on a USB serial adapter,
   * whose reset may hang off them: HiWonder's controller-board SDK sets rts = dtr = False.
   */
  clearModemLines?: boolean
  writeTimeoutMs?: number
}

/** What a person should do about an errno on a serial device. */
export function describeSerialError(code: string, op: string): string {
  switch (code) {
    case 'ENOENT':
      return `no such device (${op}: ENOENT): check TONYPI_SERIAL_PORT; on a Pi enable the UART (enable_uart=1) and use /dev/ttyAMA0 or /dev/serial0`
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${op}: ${code}): add the user to the dialout group (sudo usermod -aG dialout $USER, then log in again)`
    case 'EBUSY':
      return `device busy (${op}: EBUSY): another program holds it open exclusively`
    case 'ENOTTY':
      return `not a serial device (${op}: ENOTTY)`
    case 'EIO':
    case 'ENXIO':
    case 'ENODEV':
    case 'ESHUTDOWN':
      return `device disappeared (${op}: ${code}): unplugged, powered off, or the other end of the pty closed`
    default:
      return `${op} failed: ${code}`
  }
}

function openError(path: string, op: string): TransportError {
  const e = errno()
  const code = errnoName(e)
  const extra = describeSerialError(code, op).startsWith(`${op} failed`) ? ` (${strerror(e)})` : ''
  return new TransportError(code, `${path}: ${describeSerialError(code, op)}${extra}`, { errno: e, path })
}

/**
 * Drops DTR and RTS (TIOCMBIC). Linux raises both when a tty opens, and a USB serial adapter's
 * DTR/RTS often drive the attached microcontroller's reset or boot pins; HiWonder's Board() clears
 * them the same way (pyserial's rts = dtr = False). A tty without modem control (a pty, a UART
 * without those lines) answers ENOTTY or EINVAL: nothing to clear, and that is fine.
 */
export function clearModemLines(
  fd: number,
  path = `fd ${fd}`,
  /** 0, or -errno; the real ioctl by default (tests pass a stand-in). */
  ioctl: (fd: number, request: number, arg: Int32Array) => number = (f, r, a) => (libc().ioctl(f, r, a) === 0 ? 0 : -errno()),
): 'cleared' | 'no modem lines' {
  const rc = ioctl(fd, TIOCMBIC, Int32Array.of(TIOCM_DTR | TIOCM_RTS))
  if (rc === 0) return 'cleared'
  if (-rc === Errno.ENOTTY || -rc === Errno.EINVAL) return 'no modem lines'
  const code = errnoName(-rc)
  throw new TransportError(code, `${path}: ${describeSerialError(code, 'clearing DTR and RTS')}`, { errno: -rc, path })
}

/** Open and configure a serial device. Throws TransportError with a message meant for the user. */
export function openSerialPort(path: string, opts: SerialPortOptions): FdSerialPort {
  baudCode(opts.baud) // reject a bad rate before touching the device
  const sys = libc()
  const fd = sys.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
  if (fd < 0) throw openError(path, 'open')
  try {
    if ((opts.exclusive ?? true) && sys.ioctl(fd, TIOCEXCL, intArg(0)) !== 0) throw openError(path, 'TIOCEXCL')
    applyRaw(fd, opts.baud, path)
    if (opts.clearModemLines) clearModemLines(fd, path)
    if (sys.tcflush(fd, TCIOFLUSH) !== 0) throw openError(path, 'tcflush')
  } catch (err) {
    sys.close(fd)
    throw err
  }
  return new FdSerialPort(fd, {
    path,
    hangupIsFatal: true,
    wait: opts.wait,
    writeTimeoutMs: opts.writeTimeoutMs,
    describe: describeSerialError,
  })
}

export type ReopenEvent =
  | { state: 'open'; path: string; attempt: number }
  | { state: 'lost'; path: string; error: TransportError }
  | { state: 'retry'; path: string; attempt: number; delayMs: number; error: unknown }
  | { state: 'closed'; path: string }

export interface ReopenOptions extends SerialPortOptions {
  /** First retry delay after the device disappears; doubles up to maxDelayMs. Default 50. */
  minDelayMs?: number
  /** Default 2000. */
  maxDelayMs?: number
  onState?: (ev: ReopenEvent) => void
  /** How to open the device; tests substitute twins. Default openSerialPort. */
  opener?: (path: string, opts: SerialPortOptions) => SerialPort
}

/**
 * A SerialPort that survives the device going away: the first disconnect error reaches the
 * caller (so it can mark the bus down), the dead descriptor is closed, and the device is
 * reopened in the background with exponential back-off. Between loss and return, every
 * call throws EDISCONNECTED at once; whenOpen() waits for the return.
 *
 * `path` may be a function: a USB adapter comes back at the same path, a restarted pty
 * simulator at a new one.
 */
export class ReopeningSerialPort implements SerialPort {
  readonly #path: () => string
  readonly #opts: ReopenOptions
  readonly #opener: (path: string, opts: SerialPortOptions) => SerialPort
  #inner: SerialPort | null
  #closed = false
  #attempt = 0
  #delay: number
  #timer: ReturnType<typeof setTimeout> | null = null
  #lastError: TransportError | null = null
  #openWaiters: Array<() => void> = []

  /** Opens now (throwing the clear error if that fails); reopens by itself later. */
  static open(path: string | (() => string), opts: ReopenOptions): ReopeningSerialPort {
    return new ReopeningSerialPort(typeof path === 'string' ? () => path : path, opts)
  }

  private constructor(path: () => string, opts: ReopenOptions) {
    this.#path = path
    this.#opts = opts
    this.#opener = opts.opener ?? openSerialPort
    this.#delay = opts.minDelayMs ?? 50
    this.#inner = this.#opener(path(), opts)
  }

  get isOpen(): boolean {
    return this.#inner?.isOpen ?? false
  }

  get state(): 'open' | 'reopening' | 'closed' {
    return this.#closed ? 'closed' : this.#inner ? 'open' : 'reopening'
  }

  /** Why the device was last lost (or why the last reopen failed). */
  get lastError(): TransportError | null {
    return this.#lastError
  }

  read(max?: number): Uint8Array {
    return this.#guard((p) => p.read(max))
  }

  waitReadable(timeoutMs: number): Promise<boolean> {
    return this.#guardAsync((p) => p.waitReadable(timeoutMs))
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.#guardAsync((p) => p.write(bytes))
  }

  drain(): Promise<void> {
    return this.#guardAsync((p) => p.drain())
  }

  flush(): void {
    this.#guard((p) => p.flush())
  }

  /** Resolves true once the device is open again, false after timeoutMs or on close(). */
  whenOpen(timeoutMs: number): Promise<boolean> {
    if (this.#inner) return Promise.resolve(true)
    if (this.#closed) return Promise.resolve(false)
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t)
        resolve(this.#inner !== null)
      }
      const t = setTimeout(() => {
        this.#openWaiters = this.#openWaiters.filter((w) => w !== done)
        resolve(false)
      }, timeoutMs)
      this.#openWaiters.push(done)
    })
  }

  /**
   * Close whatever is open and try to open the device now (resetting the back-off).
   * True when it is open afterwards; otherwise retries continue in the background.
   */
  reopen(): boolean {
    if (this.#closed) return false
    if (this.#inner) {
      this.#inner.close()
      this.#inner = null
    }
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#delay = this.#opts.minDelayMs ?? 50
    this.#try()
    return this.#inner !== null
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#inner?.close()
    this.#inner = null
    for (const w of this.#openWaiters.splice(0)) w()
    this.#opts.onState?.({ state: 'closed', path: this.#path() })
  }

  #port(): SerialPort {
    if (this.#closed) throw new TransportError('ECLOSED', 'serial port is closed')
    if (this.#inner) return this.#inner
    const why = this.#lastError ? ` (${this.#lastError.code})` : ''
    throw new TransportError('EDISCONNECTED', `serial device lost${why}; reopening (attempt ${this.#attempt})`, {
      cause: this.#lastError ?? undefined,
    })
  }

  #guard<T>(fn: (p: SerialPort) => T): T {
    const p = this.#port()
    try {
      return fn(p)
    } catch (err) {
      this.#onError(p, err)
      throw err
    }
  }

  async #guardAsync<T>(fn: (p: SerialPort) => Promise<T>): Promise<T> {
    const p = this.#port()
    try {
      return await fn(p)
    } catch (err) {
      this.#onError(p, err)
      throw err
    }
  }

  #onError(p: SerialPort, err: unknown): void {
    if (!isDisconnect(err) || p !== this.#inner || this.#closed) return
    p.close()
    this.#inner = null
    this.#lastError = err
    this.#attempt = 0
    this.#delay = this.#opts.minDelayMs ?? 50
    this.#opts.onState?.({ state: 'lost', path: err.path ?? this.#path(), error: err })
    this.#schedule()
  }

  /** Next attempt after the current delay; the delay after that doubles (capped). */
  #schedule(): number {
    const delayMs = this.#delay
    this.#delay = Math.min(this.#opts.maxDelayMs ?? 2000, delayMs * 2)
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#try()
    }, delayMs)
    return delayMs
  }

  #try(): void {
    if (this.#closed || this.#inner) return
    this.#attempt++
    let path = ''
    try {
      path = this.#path()
      this.#inner = this.#opener(path, this.#opts)
    } catch (error) {
      if (error instanceof TransportError) this.#lastError = error
      const delayMs = this.#schedule()
      this.#opts.onState?.({ state: 'retry', path, attempt: this.#attempt, delayMs, error })
      return
    }
    this.#opts.onState?.({ state: 'open', path, attempt: this.#attempt })
    this.#attempt = 0
    this.#delay = this.#opts.minDelayMs ?? 50
    for (const w of this.#openWaiters.splice(0)) w()
  }
}
