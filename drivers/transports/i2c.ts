/**
 * Linux i2c-dev (/dev/i2c-N) through libc: the MPU6050 and the hat's battery MCU.
 *
 * Two ways to talk, both from linux/i2c-dev.h (Documentation/i2c/dev-interface.rst):
 * - I2C_RDWR (0x0707): one ioctl carrying several messages joined by repeated starts, no
 *   STOP between the register-number write and the read. Used for writeRead and write.
 * - I2C_SLAVE (0x0703) then write(2)/read(2): a STOP between the two halves. Used only
 *   when the adapter rejects I2C_RDWR (EOPNOTSUPP: no I2C_FUNC_I2C); the MPU6050 and the
 *   hat MCU accept that too.
 *
 * Struct layouts on LP64 (x86_64 and aarch64), verified with gcc offsetof() against
 * <linux/i2c.h> / <linux/i2c-dev.h> on x86_64; aarch64 has the same sizes and alignment:
 *
 *   struct i2c_msg { __u16 addr; __u16 flags; __u16 len; __u8 *buf; }
 *     addr @0, flags @2, len @4, 2 bytes padding, buf @8 (pointer alignment), size 16
 *   struct i2c_rdwr_ioctl_data { struct i2c_msg *msgs; __u32 nmsgs; }
 *     msgs @0, nmsgs @8, 4 bytes tail padding, size 16
 *
 * Transfers run on the FdWorker thread when it is up: at the Pi's default 100 kHz a 14-byte
 * MPU6050 burst read is about 1.5 ms of bus time, which would otherwise stall the JS thread
 * 100 times a second. Calls are queued: one transfer at a time per bus.
 */
import { ptr } from 'bun:ffi'
import { libc, errno, strerror, O_CLOEXEC, O_RDWR, intArg } from './libc.ts'
import { Errno, TransportError, errnoName } from './errors.ts'
import { FdWorker } from './fd-worker.ts'

export interface I2cBus {
  /** Write `write` then read readLen bytes, joined by a repeated start. */
  writeRead(addr: number, write: Uint8Array, readLen: number): Promise<Uint8Array>
  write(addr: number, bytes: Uint8Array): Promise<void>
  close(): void
}

export const I2C_SLAVE = 0x0703
export const I2C_RDWR = 0x0707
export const I2C_M_RD = 0x0001
export const I2C_MSG_SIZE = 16
export const I2C_MSG_OFFSETS = { addr: 0, flags: 2, len: 4, buf: 8 } as const
export const I2C_RDWR_DATA_SIZE = 16
export const I2C_RDWR_DATA_OFFSETS = { msgs: 0, nmsgs: 8 } as const

export const I2C_MODE_RDWR = 0
export const I2C_MODE_PLAIN = 1

export interface I2cMsg {
  addr: number
  flags: number
  buf: Uint8Array
}

/**
 * The ioctl argument for I2C_RDWR. Returns both buffers: the caller must keep them (and
 * the message buffers) alive until the ioctl returns, since they are referenced by address.
 */
export function encodeRdwr(msgs: I2cMsg[]): { rdwr: Uint8Array; table: Uint8Array } {
  const table = new Uint8Array(I2C_MSG_SIZE * msgs.length)
  const dv = new DataView(table.buffer)
  msgs.forEach((m, i) => {
    const o = i * I2C_MSG_SIZE
    dv.setUint16(o + I2C_MSG_OFFSETS.addr, m.addr, true)
    dv.setUint16(o + I2C_MSG_OFFSETS.flags, m.flags, true)
    dv.setUint16(o + I2C_MSG_OFFSETS.len, m.buf.length, true)
    dv.setBigUint64(o + I2C_MSG_OFFSETS.buf, BigInt(ptr(m.buf)), true)
  })
  const rdwr = new Uint8Array(I2C_RDWR_DATA_SIZE)
  const rv = new DataView(rdwr.buffer)
  rv.setBigUint64(I2C_RDWR_DATA_OFFSETS.msgs, BigInt(ptr(table)), true)
  rv.setUint32(I2C_RDWR_DATA_OFFSETS.nmsgs, msgs.length, true)
  return { rdwr, table }
}

/** One blocking transfer: 0, or -errno. Runs on the FdWorker thread or, as a fallback, here. */
export function i2cTransferSync(fd: number, addr: number, write: Uint8Array, read: Uint8Array, mode: number): number {
  const sys = libc()
  if (mode === I2C_MODE_RDWR) {
    const msgs: I2cMsg[] = []
    if (write.length > 0) msgs.push({ addr, flags: 0, buf: write })
    if (read.length > 0) msgs.push({ addr, flags: I2C_M_RD, buf: read })
    const { rdwr, table } = encodeRdwr(msgs)
    const rc = sys.ioctl(fd, I2C_RDWR, rdwr)
    void table // referenced by address from rdwr; kept alive until here
    if (rc < 0) return -errno()
    return rc === msgs.length ? 0 : -Errno.EIO
  }
  if (sys.ioctl(fd, I2C_SLAVE, intArg(addr)) !== 0) return -errno()
  if (write.length > 0) {
    const n = Number(sys.write(fd, write, write.length))
    if (n < 0) return -errno()
    if (n !== write.length) return -Errno.EIO
  }
  if (read.length > 0) {
    const n = Number(sys.read(fd, read, read.length))
    if (n < 0) return -errno()
    if (n !== read.length) return -Errno.EIO
  }
  return 0
}

const hex = (addr: number) => `0x${addr.toString(16).padStart(2, '0')}`

export function describeI2cError(path: string, code: string, addr?: number, op = 'transfer'): string {
  const at = addr === undefined ? '' : ` at ${hex(addr)}`
  switch (code) {
    case 'ENOENT':
      return `${path}: no such device: enable I2C with raspi-config (Interface Options > I2C, or dtparam=i2c_arm=on in config.txt) and reboot, or set TONYPI_I2C_BUS=none`
    case 'EACCES':
    case 'EPERM':
      return `${path}: permission denied: add the user to the i2c group (sudo usermod -aG i2c $USER, then log in again)`
    case 'ENOTTY':
      return `${path}: not an i2c-dev device (ENOTTY)`
    case 'EREMOTEIO':
    case 'ENXIO':
      return `${path}: no device answered${at} (${code}: NACK): check wiring, power and the address`
    case 'EBUSY':
      return `${path}: address${at.replace(' at', '')} is claimed by a kernel driver (EBUSY): unbind it or remove its dtoverlay`
    case 'ETIMEDOUT':
      return `${path}: bus timed out${at} (ETIMEDOUT): SDA or SCL held low?`
    case 'EAGAIN':
      return `${path}: arbitration lost${at} (EAGAIN): another master on the bus?`
    default:
      return `${path}: ${op}${at} failed: ${code}`
  }
}

class LinuxI2cBus implements I2cBus {
  readonly path: string
  #fd: number
  #mode = I2C_MODE_RDWR
  readonly #worker: FdWorker | null
  #queue: Promise<unknown> = Promise.resolve()
  #warm = false

  constructor(path: string, fd: number, worker: FdWorker | null) {
    this.path = path
    this.#fd = fd
    this.#worker = worker
  }

  writeRead(addr: number, write: Uint8Array, readLen: number): Promise<Uint8Array> {
    return this.#enqueue(() => this.#transfer(addr, write, readLen))
  }

  async write(addr: number, bytes: Uint8Array): Promise<void> {
    await this.#enqueue(() => this.#transfer(addr, bytes, 0))
  }

  close(): void {
    if (this.#fd < 0) return
    this.#worker?.stop()
    libc().close(this.#fd)
    this.#fd = -1
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(op)
    this.#queue = next.catch(() => {})
    return next
  }

  async #transfer(addr: number, write: Uint8Array, readLen: number): Promise<Uint8Array> {
    if (this.#fd < 0) throw new TransportError('ECLOSED', `${this.path}: bus is closed`, { path: this.path })
    if (!Number.isInteger(addr) || addr < 0 || addr > 0x7f) {
      throw new TransportError('EINVAL', `${this.path}: ${addr} is not a 7-bit I2C address`, { path: this.path })
    }
    if (!Number.isInteger(readLen) || readLen < 0 || readLen > 8192 || write.length > 8192) {
      throw new TransportError('EINVAL', `${this.path}: transfer of ${write.length}+${readLen} bytes is out of range`, { path: this.path })
    }
    let { rc, bytes } = await this.#run(addr, write, readLen, this.#mode)
    if (rc === -Errno.EOPNOTSUPP && this.#mode === I2C_MODE_RDWR) {
      this.#mode = I2C_MODE_PLAIN // adapter without I2C_FUNC_I2C: fall back for good
      ;({ rc, bytes } = await this.#run(addr, write, readLen, this.#mode))
    }
    if (rc < 0) {
      const code = errnoName(-rc)
      throw new TransportError(code, describeI2cError(this.path, code, addr), { errno: -rc, path: this.path })
    }
    return bytes
  }

  async #run(addr: number, write: Uint8Array, readLen: number, mode: number): Promise<{ rc: number; bytes: Uint8Array }> {
    if (this.#worker && !this.#warm) {
      await this.#worker.whenReady(100) // once: the thread starts in a few ms
      this.#warm = true
    }
    if (this.#worker?.available) {
      return this.#worker.i2c(this.#fd, addr, write, readLen, mode)
    }
    const bytes = new Uint8Array(readLen)
    return { rc: i2cTransferSync(this.#fd, addr, write, bytes, mode), bytes }
  }
}

/** Open an i2c-dev bus (default /dev/i2c-1, the Pi header's SDA1/SCL1). */
export function openI2cBus(path = '/dev/i2c-1', opts: { wait?: 'thread' | 'sync' } = {}): I2cBus {
  const fd = libc().open(path, O_RDWR | O_CLOEXEC)
  if (fd < 0) {
    const e = errno()
    const code = errnoName(e)
    const msg = describeI2cError(path, code, undefined, 'open')
    throw new TransportError(code, msg.endsWith(`failed: ${code}`) ? `${msg} (${strerror(e)})` : msg, { errno: e, path })
  }
  return new LinuxI2cBus(path, fd, (opts.wait ?? 'thread') === 'thread' ? FdWorker.start() : null)
}
