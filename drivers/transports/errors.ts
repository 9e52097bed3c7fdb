/**
 * One error type for every transport, so callers can branch on `code` (an errno name such
 * as "ENOENT", or one of the transport's own codes below) without parsing messages, while
 * the message itself tells a TonyPi owner what to do about it.
 */

/** Codes that are not errno values: states the transports detect themselves. */
export type TransportCode =
  | 'ECLOSED' // the caller closed this port/bus/line and then used it
  | 'EDISCONNECTED' // a ReopeningSerialPort is between a lost device and its return
  | 'EBAUD' // a baud rate that is not a standard Linux termios rate, or the driver refused it
  | 'ENOLIBC' // not Linux with glibc: bun:ffi cannot find libc.so.6
  | 'ENOGPIO' // neither the GPIO character device nor sysfs exists

/**
 * errno numbers used by the transports. The values are the asm-generic ones, which both
 * x86_64 and aarch64 Linux use (checked against <errno.h> with gcc on x86_64, glibc 2.36).
 */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  ENOTTY: 25,
  EPROTO: 71,
  EOPNOTSUPP: 95,
  ESHUTDOWN: 108,
  ETIMEDOUT: 110,
  EREMOTEIO: 121,
} as const

const NAMES = new Map<number, string>(Object.entries(Errno).map(([k, v]) => [v, k]))

export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `errno ${errno}`
}

/** errnos meaning "the device went away under us" (USB adapter unplugged, pty master closed). */
const GONE = new Set<string>(['EIO', 'ENXIO', 'ENODEV', 'ESHUTDOWN'])

export class TransportError extends Error {
  override readonly name = 'TransportError'
  /** errno name ("ENOENT") or a TransportCode. */
  readonly code: string
  /** The raw errno when a system call produced this error. */
  readonly errno: number | undefined
  /** The device path involved, when there is one. */
  readonly path: string | undefined

  constructor(code: string, message: string, opts: { errno?: number; path?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.code = code
    this.errno = opts.errno
    this.path = opts.path
  }

  /** True when the device disappeared: worth closing and reopening, not worth retrying as is. */
  get disconnected(): boolean {
    return GONE.has(this.code)
  }
}

export function isDisconnect(err: unknown): err is TransportError {
  return err instanceof TransportError && err.disconnected
}
