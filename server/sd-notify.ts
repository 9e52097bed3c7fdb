// systemd's notify protocol (sd_notify(3)), for `Type=notify` units with `WatchdogSec=`: each
// state is one datagram of `KEY=value` lines to the AF_UNIX socket named by $NOTIFY_SOCKET
// (a path, or `@name` in the abstract namespace). Bun has no datagram sockets on AF_UNIX, so the
// four libc calls it takes go through bun:ffi.
//
// The watchdog is pinged at half the interval systemd gives ($WATCHDOG_USEC), and only while the
// service's own check says it works; a check that fails, or a process that no longer turns its
// event loop, lets the interval run out and systemd restarts the service.
import { dlopen, FFIType, ptr } from 'bun:ffi'

const AF_UNIX = 1
const SOCK_DGRAM = 2
const SOCK_NONBLOCK = 0o4000
const SOCK_CLOEXEC = 0o2000000
const MSG_NOSIGNAL = 0x4000
const MSG_DONTWAIT = 0x40
/** sizeof(sun_path) in struct sockaddr_un (sys/un.h). */
const SUN_PATH_MAX = 108

let libc: ReturnType<typeof openLibc> | null = null
function openLibc() {
  return dlopen('libc.so.6', {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    sendto: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i64 },
    bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
    recv: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i64 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  }).symbols
}
const sys = () => (libc ??= openLibc())

/** struct sockaddr_un for a path, or for `@name` in the abstract namespace; with its length. */
export function sockaddrUn(path: string): { addr: Uint8Array; len: number } {
  const abstract = path.startsWith('@')
  const name = new TextEncoder().encode(abstract ? path.slice(1) : path)
  if (name.length + 1 > SUN_PATH_MAX) throw new Error(`socket path too long: ${path}`)
  const addr = new Uint8Array(2 + SUN_PATH_MAX)
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true)
  addr.set(name, abstract ? 3 : 2)
  // The abstract name is exactly its bytes after the leading NUL; a path ends with its NUL.
  return { addr, len: 2 + name.length + 1 }
}

export class SystemdNotifier {
  constructor(readonly socket: string) {}

  /** The notifier systemd asked for, or null when the service was not started by it with Type=notify. */
  static fromEnv(env: Record<string, string | undefined> = process.env): SystemdNotifier | null {
    const s = env.NOTIFY_SOCKET
    return s && (s.startsWith('/') || s.startsWith('@')) ? new SystemdNotifier(s) : null
  }

  /** Sends one datagram of `KEY=value` lines; false when the socket refused it. */
  notify(state: Record<string, string | number>): boolean {
    const text = Object.entries(state)
      .map(([k, v]) => `${k}=${String(v).replace(/\n/g, ' ')}`)
      .join('\n')
    const data = new TextEncoder().encode(text)
    const { addr, len } = sockaddrUn(this.socket)
    const c = sys()
    const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)
    if (fd < 0) return false
    try {
      return Number(c.sendto(fd, ptr(data), data.length, MSG_NOSIGNAL, ptr(addr), len)) === data.length
    } finally {
      c.close(fd)
    }
  }
}

/** The watchdog interval systemd set for this process, in ms, or null. */
export function watchdogIntervalMs(env: Record<string, string | undefined> = process.env, pid = process.pid): number | null {
  const usec = Number(env.WATCHDOG_USEC)
  if (!Number.isFinite(usec) || usec <= 0) return null
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null
  return usec / 1000
}

export interface WatchdogCheck {
  ok: boolean
  status: string
}

/**
 * Every half interval: runs `check`, pings the watchdog (WATCHDOG=1) when it is ok, and says the
 * status either way (STATUS=, which `systemctl status` shows).
 */
export function startWatchdog(n: SystemdNotifier, intervalMs: number, check: () => WatchdogCheck | Promise<WatchdogCheck>): { stop(): void } {
  let busy = false
  let lastStatus = ''
  const beat = async () => {
    if (busy) return
    busy = true
    try {
      const r = await check()
      const state: Record<string, string> = r.ok ? { WATCHDOG: '1' } : {}
      if (r.status !== lastStatus) state.STATUS = lastStatus = r.status
      if (Object.keys(state).length) n.notify(state)
    } catch (err) {
      n.notify({ STATUS: (lastStatus = `watchdog check failed: ${(err as Error).message}`) })
    } finally {
      busy = false
    }
  }
  void beat()
  const timer = setInterval(() => void beat(), Math.max(50, intervalMs / 2))
  return { stop: () => clearInterval(timer) }
}

/** A datagram socket bound at `path` that collects what is sent to it (tests listen with it). */
export class NotifyListener {
  private readonly fd: number
  private readonly buf = new Uint8Array(4096)
  readonly received: string[] = []

  constructor(readonly path: string) {
    const c = sys()
    this.fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)
    if (this.fd < 0) throw new Error('socket(AF_UNIX, SOCK_DGRAM) failed')
    const { addr, len } = sockaddrUn(path)
    if (c.bind(this.fd, ptr(addr), len) !== 0) throw new Error(`bind ${path} failed`)
  }

  /** Takes what has arrived. */
  drain(): string[] {
    const c = sys()
    for (;;) {
      const n = Number(c.recv(this.fd, ptr(this.buf), this.buf.length, MSG_DONTWAIT))
      if (n < 0) break
      this.received.push(new TextDecoder().decode(this.buf.subarray(0, n)))
    }
    return this.received
  }

  close() {
    sys().close(this.fd)
  }
}
