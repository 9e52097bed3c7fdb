/**
 * The libc calls the transports need, bound once per thread through bun:ffi.
 *
 * Why libc and not npm addons: under Bun 1.4 `serialport` aborts the process and `i2c-bus` /
 * `onoff` refuse to load (HARDWARE.md section 5). The kernel interfaces behind them are
 * plain system calls, and glibc already wraps each of them.
 *
 * ABI notes, valid for Linux x86_64 and aarch64 (the only targets Bun ships for Linux):
 * - `open`, `ioctl` are variadic in C. Both ABIs pass variadic integer/pointer arguments in
 *   the same registers as fixed ones (SysV AMD64 and AAPCS64 on Linux; Apple's arm64 ABI is
 *   the one that differs, and it is not a target here), so a fixed-arity binding is sound.
 *   `open` is never given O_CREAT, so its third argument is never read.
 * - `ioctl`'s third argument is declared `ptr`; integer arguments (I2C_SLAVE's address) are
 *   passed as plain numbers, which bun:ffi hands over unchanged. Verified: TCFLSH with 99
 *   fails EINVAL and with 0 succeeds, so the integer reaches the kernel.
 * - errno is thread-local; `__errno_location()` returns this thread's slot, read right after
 *   the failing call (no allocation in between, so no GC can clobber it). Workers import
 *   this module again and get their own slot.
 */
import { dlopen, FFIType, read, type Pointer } from 'bun:ffi'
import { TransportError } from './errors.ts'

// fcntl.h / asm-generic/fcntl.h: identical on x86_64 and aarch64 for these flags
// (arm64 only overrides O_DIRECTORY, O_NOFOLLOW, O_DIRECT, O_LARGEFILE). Checked with gcc.
export const O_RDWR = 0o2
export const O_NOCTTY = 0o400
export const O_NONBLOCK = 0o4000
export const O_CLOEXEC = 0o2000000

// poll.h (asm-generic/poll.h). struct pollfd { int fd; short events; short revents; } = 8 bytes.
export const POLLIN = 0x001
export const POLLOUT = 0x004
export const POLLERR = 0x008
export const POLLHUP = 0x010
export const POLLNVAL = 0x020

// termios.h: tcflush queue selectors, tcsetattr actions (asm-generic/termbits.h).
export const TCIFLUSH = 0
export const TCIOFLUSH = 2
export const TCSANOW = 0

// asm-generic/ioctls.h (x86 and arm64 both use the generic numbers).
export const TIOCEXCL = 0x540c
export const TIOCOUTQ = 0x5411
// Modem control (asm-generic/ioctls.h, asm-generic/termios.h): TIOCMBIC clears the bits given.
export const TIOCMBIC = 0x5417
export const TIOCM_DTR = 0x002
export const TIOCM_RTS = 0x004

const SYMBOLS = {
  open: { args: ['cstring', 'i32'], returns: 'i32' },
  close: { args: ['i32'], returns: 'i32' },
  read: { args: ['i32', 'ptr', 'u64'], returns: FFIType.i64_fast },
  write: { args: ['i32', 'ptr', 'u64'], returns: FFIType.i64_fast },
  poll: { args: ['ptr', 'u64', 'i32'], returns: 'i32' },
  ioctl: { args: ['i32', 'u64', 'ptr'], returns: 'i32' },
  pipe2: { args: ['ptr', 'i32'], returns: 'i32' },
  tcgetattr: { args: ['i32', 'ptr'], returns: 'i32' },
  tcsetattr: { args: ['i32', 'i32', 'ptr'], returns: 'i32' },
  cfmakeraw: { args: ['ptr'], returns: 'void' },
  cfsetspeed: { args: ['ptr', 'u32'], returns: 'i32' },
  cfgetospeed: { args: ['ptr'], returns: 'u32' },
  tcdrain: { args: ['i32'], returns: 'i32' },
  tcflush: { args: ['i32', 'i32'], returns: 'i32' },
  posix_openpt: { args: ['i32'], returns: 'i32' },
  grantpt: { args: ['i32'], returns: 'i32' },
  unlockpt: { args: ['i32'], returns: 'i32' },
  ptsname_r: { args: ['i32', 'ptr', 'u64'], returns: 'i32' },
  strerror: { args: ['i32'], returns: 'cstring' },
  gnu_get_libc_version: { args: [], returns: 'cstring' },
  __errno_location: { args: [], returns: 'ptr' },
} as const

type Libc = ReturnType<typeof dlopen<typeof SYMBOLS>>['symbols']

let lib: Libc | undefined
let errnoSlot: Pointer | undefined

/** The bound libc. Loaded on first use so importing a transport never fails on a dev laptop. */
export function libc(): Libc {
  if (lib) return lib
  if (process.platform !== 'linux') {
    throw new TransportError('ENOLIBC', `device transports need Linux (this is ${process.platform}); use the sim profile`)
  }
  try {
    lib = dlopen('libc.so.6', SYMBOLS).symbols
  } catch (cause) {
    throw new TransportError('ENOLIBC', 'cannot load libc.so.6 through bun:ffi (device transports need glibc Linux)', { cause })
  }
  errnoSlot = lib.__errno_location() as Pointer
  return lib
}

/** errno of the last failed libc call on this thread. */
export function errno(): number {
  libc()
  return read.i32(errnoSlot!)
}

export function strerror(err: number): string {
  return libc().strerror(err) ?? `errno ${err}`
}

/** Integer ioctl argument, passed where the binding declares a pointer (see header). */
export function intArg(n: number): Pointer {
  return n as unknown as Pointer
}

export function glibcVersion(): string {
  return libc().gnu_get_libc_version() ?? 'unknown'
}
