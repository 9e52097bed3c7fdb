/**
 * struct termios as glibc lays it out on Linux x86_64 and aarch64, the standard baud-rate
 * table, and the one configuration the robot needs: raw 8N1, no flow control, VMIN=0/VTIME=0.
 *
 * Layout (glibc sysdeps/unix/sysv/linux/bits/termios-struct.h, NCCS = 32; verified with gcc
 * offsetof() on x86_64 / glibc 2.36; aarch64 uses the same generic header and the same
 * natural alignment under LP64, so the offsets are identical):
 *
 *   off  size  field
 *     0     4  c_iflag
 *     4     4  c_oflag
 *     8     4  c_cflag
 *    12     4  c_lflag
 *    16     1  c_line
 *    17    32  c_cc[NCCS]
 *    49     3  (padding: c_ispeed needs 4-byte alignment)
 *    52     4  c_ispeed
 *    56     4  c_ospeed
 *    60        sizeof(struct termios)
 *
 * We let libc fill and interpret the struct (tcgetattr, cfmakeraw, cfsetspeed, tcsetattr),
 * and only poke c_cflag bits cfmakeraw leaves alone and c_cc[VMIN]/c_cc[VTIME].
 *
 * Baud rates: we call cfsetspeed() with the plain number (115200), never the B115200 code.
 * glibc < 2.42 accepts either in cfsetspeed (its BSD-derived table matches the numeric
 * value too; verified on 2.36 for every rate below). glibc >= 2.42 made speed_t numeric and
 * its default-version cfsetspeed (the one dlsym returns) takes only the number (glibc
 * commit "linux: implement arbitrary and split speeds in termios", 2025). The number is
 * the one spelling both understand. The kernel still encodes a standard rate as the CBAUD
 * bits of c_cflag, which is what we check after tcsetattr (man 3 termios: tcsetattr
 * succeeds if *any* requested change was made, so the result must be read back).
 */
import { libc, errno, TCSANOW } from './libc.ts'
import { TransportError, errnoName } from './errors.ts'

export const TERMIOS_SIZE = 60
export const TERMIOS_OFFSETS = {
  c_iflag: 0,
  c_oflag: 4,
  c_cflag: 8,
  c_lflag: 12,
  c_line: 16,
  c_cc: 17,
  c_ispeed: 52,
  c_ospeed: 56,
} as const
export const NCCS = 32
/** c_cc indices (asm-generic/termbits.h; x86 and arm64 share them). */
export const VTIME = 5
export const VMIN = 6

// c_cflag / c_iflag / c_oflag / c_lflag bits (asm-generic/termbits.h, octal as there).
export const CBAUD = 0o010017
export const BOTHER = 0o010000
export const CSIZE = 0o000060
export const CS8 = 0o000060
export const CSTOPB = 0o000100
export const CREAD = 0o000200
export const PARENB = 0o000400
export const CLOCAL = 0o004000
export const CRTSCTS = 0o20000000000
export const ICANON = 0o000002
export const ECHO = 0o000010
export const ISIG = 0o000001
export const OPOST = 0o000001
export const IXON = 0o002000
export const ICRNL = 0o000400

/**
 * Standard Linux rates -> their CBAUD code (asm-generic/termbits.h; B115200 = 0o010002,
 * B1000000 = 0o010010 as HARDWARE.md says). Every value was checked against <termios.h>.
 */
export const BAUD_CODES: ReadonlyMap<number, number> = new Map([
  [50, 0o000001],
  [75, 0o000002],
  [110, 0o000003],
  [134, 0o000004],
  [150, 0o000005],
  [200, 0o000006],
  [300, 0o000007],
  [600, 0o000010],
  [1200, 0o000011],
  [1800, 0o000012],
  [2400, 0o000013],
  [4800, 0o000014],
  [9600, 0o000015],
  [19200, 0o000016],
  [38400, 0o000017],
  [57600, 0o010001],
  [115200, 0o010002],
  [230400, 0o010003],
  [460800, 0o010004],
  [500000, 0o010005],
  [576000, 0o010006],
  [921600, 0o010007],
  [1000000, 0o010010],
  [1152000, 0o010011],
  [1500000, 0o010012],
  [2000000, 0o010013],
  [2500000, 0o010014],
  [3000000, 0o010015],
  [3500000, 0o010016],
  [4000000, 0o010017],
])

const RATE_OF_CODE = new Map([...BAUD_CODES].map(([rate, code]) => [code, rate]))

export function baudCode(baud: number): number {
  const code = BAUD_CODES.get(baud)
  if (code === undefined) {
    throw new TransportError('EBAUD', `${baud} is not a standard baud rate (use one of ${[...BAUD_CODES.keys()].filter((b) => b >= 9600).join(', ')})`)
  }
  return code
}

/** Decoded struct termios, for checks and diagnostics. */
export interface TermiosState {
  iflag: number
  oflag: number
  cflag: number
  lflag: number
  cc: Uint8Array
  /** The rate the kernel holds for this tty (from the CBAUD bits), or null when nonstandard. */
  baud: number | null
}

function newTermiosBuffer(): Uint8Array {
  // A little slack past 60 bytes: if some libc ever grew the struct, it writes into slack
  // instead of past our buffer.
  return new Uint8Array(128)
}

function fail(op: string, path: string): never {
  const e = errno()
  const hint = e === 25 ? ' (not a terminal or serial device)' : ''
  throw new TransportError(errnoName(e), `${path}: ${op} failed: ${errnoName(e)}${hint}`, { errno: e, path })
}

export function decodeTermios(buf: Uint8Array): TermiosState {
  const dv = new DataView(buf.buffer, buf.byteOffset, TERMIOS_SIZE)
  const cflag = dv.getUint32(TERMIOS_OFFSETS.c_cflag, true)
  return {
    iflag: dv.getUint32(TERMIOS_OFFSETS.c_iflag, true),
    oflag: dv.getUint32(TERMIOS_OFFSETS.c_oflag, true),
    cflag,
    lflag: dv.getUint32(TERMIOS_OFFSETS.c_lflag, true),
    cc: buf.slice(TERMIOS_OFFSETS.c_cc, TERMIOS_OFFSETS.c_cc + NCCS),
    baud: RATE_OF_CODE.get(cflag & CBAUD) ?? null,
  }
}

/** tcgetattr(fd), decoded. */
export function readTermios(fd: number, path = `fd ${fd}`): TermiosState {
  const buf = newTermiosBuffer()
  if (libc().tcgetattr(fd, buf) !== 0) fail('tcgetattr', path)
  return decodeTermios(buf)
}

/** True when the flags are what cfmakeraw + our 8N1/no-flow-control edits produce. */
export function isRaw8N1(t: TermiosState): boolean {
  return (
    (t.lflag & (ICANON | ECHO | ISIG)) === 0 &&
    (t.oflag & OPOST) === 0 &&
    (t.iflag & (IXON | ICRNL)) === 0 &&
    (t.cflag & CSIZE) === CS8 &&
    (t.cflag & (PARENB | CSTOPB | CRTSCTS)) === 0 &&
    (t.cflag & (CREAD | CLOCAL)) === (CREAD | CLOCAL) &&
    t.cc[VMIN] === 0 &&
    t.cc[VTIME] === 0
  )
}

/**
 * Raw 8N1 at `baud` (or the current rate when baud is null, as for a pty master), no
 * hardware or software flow control, reads that never wait in the kernel (VMIN=0, VTIME=0:
 * termios(3) "polling read"), then read back and verified.
 */
export function applyRaw(fd: number, baud: number | null, path = `fd ${fd}`): TermiosState {
  const sys = libc()
  const code = baud === null ? null : baudCode(baud)
  const buf = newTermiosBuffer()
  if (sys.tcgetattr(fd, buf) !== 0) fail('tcgetattr', path)
  sys.cfmakeraw(buf)
  const dv = new DataView(buf.buffer, 0, TERMIOS_SIZE)
  let cflag = dv.getUint32(TERMIOS_OFFSETS.c_cflag, true)
  // cfmakeraw sets CS8 and clears PARENB but leaves CSTOPB/CRTSCTS as found; a port left
  // with hardware flow control by another program would stall every write. CLOCAL: ignore
  // modem lines (no DCD on the Pi UART), CREAD: enable the receiver.
  cflag = (cflag & ~(CSTOPB | CRTSCTS)) | CREAD | CLOCAL
  dv.setUint32(TERMIOS_OFFSETS.c_cflag, cflag >>> 0, true)
  buf[TERMIOS_OFFSETS.c_cc + VMIN] = 0
  buf[TERMIOS_OFFSETS.c_cc + VTIME] = 0
  if (baud !== null && sys.cfsetspeed(buf, baud) !== 0) {
    throw new TransportError('EBAUD', `${path}: libc refused ${baud} baud (cfsetspeed: ${errnoName(errno())})`, { path })
  }
  if (sys.tcsetattr(fd, TCSANOW, buf) !== 0) fail('tcsetattr', path)
  const got = readTermios(fd, path)
  if (code !== null && (got.cflag & CBAUD) !== code) {
    throw new TransportError('EBAUD', `${path}: the driver did not accept ${baud} baud (it reports ${got.baud ?? 'a nonstandard rate'})`, { path })
  }
  if (!isRaw8N1(got)) {
    throw new TransportError('EINVAL', `${path}: raw 8N1 mode did not stick (tcgetattr after tcsetattr disagrees)`, { path })
  }
  return got
}
