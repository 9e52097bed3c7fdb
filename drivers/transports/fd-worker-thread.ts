/**
 * The thread side of fd-worker.ts: waits for a request in shared memory, makes the blocking
 * call, stores the result, wakes the JS thread. Nothing else runs here.
 */
import { libc, errno, POLLIN } from './libc.ts'
import { CTL, CTL_BYTES, DATA_BYTES, OP_I2C, OP_POLL, OP_TCDRAIN } from './fd-worker.ts'
import { i2cTransferSync } from './i2c.ts'

declare const self: Worker

function run(ctl: Int32Array, data: Uint8Array, pfd: Int32Array, scratch: Uint8Array): number {
  const sys = libc()
  switch (ctl[CTL.OP]) {
    case OP_POLL: {
      // struct pollfd[2]: { fd, (revents << 16) | events } as two int32 each (little endian).
      pfd[0] = ctl[CTL.A0]!
      pfd[1] = ctl[CTL.A1]! & 0xffff
      pfd[2] = ctl[CTL.A3]!
      pfd[3] = POLLIN
      const rc = sys.poll(pfd, 2, ctl[CTL.A2]!)
      if (rc < 0) return -errno()
      if (pfd[3]! >>> 16 !== 0) while (Number(sys.read(pfd[2]!, scratch, scratch.length)) > 0); // drain the wake pipe
      return pfd[1]! >>> 16
    }
    case OP_TCDRAIN:
      return sys.tcdrain(ctl[CTL.A0]!) === 0 ? 0 : -errno()
    case OP_I2C: {
      const write = data.slice(0, ctl[CTL.A2]!)
      const read = new Uint8Array(ctl[CTL.A3]!)
      const rc = i2cTransferSync(ctl[CTL.A0]!, ctl[CTL.A1]!, write, read, ctl[CTL.A4]!)
      if (rc === 0) data.set(read, 0)
      return rc
    }
    default:
      return -22 // EINVAL
  }
}

self.onmessage = (ev: MessageEvent<{ sab: SharedArrayBuffer }>) => {
  const ctl = new Int32Array(ev.data.sab, 0, CTL_BYTES / 4)
  const data = new Uint8Array(ev.data.sab, CTL_BYTES, DATA_BYTES)
  const pfd = new Int32Array(4)
  const scratch = new Uint8Array(64)
  libc()
  // Read the sequence before announcing readiness: a request sent in between must be
  // seen as new, not taken as the starting point (that lost it, and the caller waited
  // for its 5 s limit).
  let seen = Atomics.load(ctl, CTL.REQ)
  self.postMessage('ready')
  for (;;) {
    Atomics.wait(ctl, CTL.REQ, seen)
    seen = Atomics.load(ctl, CTL.REQ)
    if (Atomics.load(ctl, CTL.STOP)) break
    let result: number
    try {
      result = run(ctl, data, pfd, scratch)
    } catch {
      result = -5 // EIO: never leave the JS side waiting
    }
    ctl[CTL.RESULT] = result
    Atomics.store(ctl, CTL.DONE, seen)
    Atomics.notify(ctl, CTL.DONE)
  }
}
