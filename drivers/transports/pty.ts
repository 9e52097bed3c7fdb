/**
 * A pseudo-terminal pair standing in for a UART: the simulator (or a test) holds the master,
 * the edge opens `slavePath` with openSerialPort exactly as it would /dev/ttyAMA0.
 *
 * posix_openpt(3) / grantpt(3) / unlockpt(3) / ptsname_r(3) from glibc; nothing to install.
 *
 * The slave is put in raw mode at once, through the master: on Linux a termios ioctl on a
 * master acts on its slave (tty_mode_ioctl uses tty->link for PTY_TYPE_MASTER). Without
 * this the slave starts canonical with ECHO on, and every byte the simulator wrote would be
 * echoed straight back to it before any client opened the slave. The setting persists while
 * the master is open, across clients opening and closing the slave.
 *
 * Master-side behaviour measured on Linux (this container): before any slave open, read is
 * EAGAIN and writes are buffered for the first opener; after the slave closes, poll reports
 * POLLHUP, read is EIO and writes are still buffered. So the master treats "no slave" as
 * "nothing to read", not as an error (hangupIsFatal: false). Closing the master hangs up
 * the slave (it then reads 0 with POLLHUP and writes EIO), which is how a test pulls the
 * cable, and the slave path disappears (open gives ENOENT).
 */
import { CString, ptr } from 'bun:ffi'
import { libc, errno, O_CLOEXEC, O_NOCTTY, O_NONBLOCK, O_RDWR } from './libc.ts'
import { TransportError, errnoName } from './errors.ts'
import { applyRaw } from './termios.ts'
import { FdSerialPort, type WaitStrategy } from './fd-port.ts'

export interface Pty {
  /** The master end: bytes written here arrive at the slave, and vice versa. */
  master: FdSerialPort
  /** e.g. /dev/pts/3: what the edge opens. */
  slavePath: string
  /** Closes the master; the slave side sees a hang-up. */
  close(): void
}

export function openPty(opts: { wait?: WaitStrategy } = {}): Pty {
  const sys = libc()
  const fd = sys.posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
  if (fd < 0) {
    const e = errno()
    throw new TransportError(errnoName(e), `posix_openpt failed: ${errnoName(e)} (is /dev/ptmx available? devpts mounted?)`, { errno: e })
  }
  let slavePath = ''
  try {
    if (sys.grantpt(fd) !== 0) throw step('grantpt')
    if (sys.unlockpt(fd) !== 0) throw step('unlockpt')
    const name = new Uint8Array(128)
    const rc = sys.ptsname_r(fd, name, name.length)
    if (rc !== 0) throw step('ptsname_r', rc)
    slavePath = new CString(ptr(name))
    applyRaw(fd, null, slavePath)
  } catch (err) {
    sys.close(fd)
    throw err
  }
  const master = new FdSerialPort(fd, { path: `${slavePath} (master)`, hangupIsFatal: false, wait: opts.wait })
  return { master, slavePath, close: () => master.close() }
}

function step(op: string, rc?: number): TransportError {
  const e = rc && rc > 0 ? rc : errno() // ptsname_r returns the error number instead of setting errno
  return new TransportError(errnoName(e), `${op} failed: ${errnoName(e)}`, { errno: e })
}
