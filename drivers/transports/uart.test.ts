/**
 * The real UART path (libc open/termios/read/write/poll/tcdrain/tcflush) over a real pty
 * pair: the slave is opened with openSerialPort exactly as /dev/ttyAMA0 would be.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { openPty, type Pty } from './pty.ts'
import { clearModemLines, openSerialPort, ReopeningSerialPort, describeSerialError, readExact, type ReopenEvent } from './uart.ts'
import { isRaw8N1, readTermios } from './termios.ts'
import type { FdSerialPort } from './fd-port.ts'
import { createMemorySerialPair } from './memory.ts'
import { TransportError } from './errors.ts'
import { bytes, median, rejected, threadInPoll, thrown } from './test-support.ts'
import { waitFor } from '../../test/support/wait-for.ts'

const cleanup: Array<() => void> = []
afterEach(() => {
  for (const fn of cleanup.splice(0).reverse()) fn()
})

function pty(): Pty {
  const p = openPty()
  cleanup.push(() => p.close())
  return p
}

function open(path: string, baud: number, wait?: 'thread' | 'loop'): FdSerialPort {
  const port = openSerialPort(path, { baud, wait })
  cleanup.push(() => port.close())
  return port
}

for (const baud of [115200, 1000000]) {
  describe(`pty slave at ${baud} baud`, () => {
    test('termios is raw 8N1 with VMIN=0/VTIME=0 at the requested rate', () => {
      const p = pty()
      const port = open(p.slavePath, baud)
      const t = readTermios(port.fd)
      expect(t.baud).toBe(baud)
      expect(isRaw8N1(t)).toBe(true)
    })

    test('bytes flow both ways, unchanged (no echo, no CR/LF translation)', async () => {
      const p = pty()
      const port = open(p.slavePath, baud)
      const all = Uint8Array.from({ length: 256 }, (_, i) => i) // includes \r \n ^C ^D ^S ^Q
      await p.master.write(all)
      expect(await readExact(port, 256, 1000)).toEqual(all)
      await port.write(all)
      await port.drain()
      expect(await readExact(p.master, 256, 1000)).toEqual(all)
      // An echo is the kernel's, with no later event to wait for: wait for it to become readable, briefly.
      expect(await port.waitReadable(50)).toBe(false) // nothing echoed back
    })

    test('flush discards input that arrived but was not read', async () => {
      const p = pty()
      const port = open(p.slavePath, baud)
      await p.master.write(bytes(1, 2, 3))
      expect(await port.waitReadable(500)).toBe(true)
      port.flush()
      expect(port.read().length).toBe(0)
      await p.master.write(bytes(4))
      expect(await readExact(port, 1, 500)).toEqual(bytes(4))
    })

    test('close: isOpen false, later calls fail ECLOSED, close is idempotent', async () => {
      const p = pty()
      const port = open(p.slavePath, baud)
      expect(port.isOpen).toBe(true)
      port.close()
      port.close()
      expect(port.isOpen).toBe(false)
      expect(thrown(() => port.read()).code).toBe('ECLOSED')
      expect((await rejected(port.write(bytes(1)))).code).toBe('ECLOSED')
      expect((await rejected(port.waitReadable(10))).code).toBe('ECLOSED')
    })
  })
}

describe('waiting', () => {
  for (const wait of ['thread', 'loop'] as const) {
    test(`${wait}: waitReadable times out with false, then wakes on data`, async () => {
      const p = pty()
      const port = open(p.slavePath, 115200, wait)
      const t0 = performance.now()
      expect(await port.waitReadable(30)).toBe(false)
      expect(performance.now() - t0).toBeGreaterThanOrEqual(29)
      setTimeout(() => void p.master.write(bytes(9)), 10)
      expect(await port.waitReadable(2000)).toBe(true)
      expect(port.read()).toEqual(bytes(9))
    })
  }

  /** Round trips through a pty with an echoing master, in ms. */
  async function roundTrips(wait: 'thread' | 'loop', n: number): Promise<number[]> {
    const p = openPty({ wait })
    const port = openSerialPort(p.slavePath, { baud: 1000000, wait })
    try {
      await port.whenWorkerReady()
      await p.master.whenWorkerReady()
      const rtts: number[] = []
      for (let i = 0; i < n; i++) {
        const echo = (async () => {
          await p.master.waitReadable(1000)
          await p.master.write(p.master.read())
        })()
        const t0 = performance.now()
        await port.write(bytes(0x55, 0x55, 1, 3, 0x1c, 0xdf))
        await port.drain()
        await readExact(port, 6, 1000)
        rtts.push(performance.now() - t0)
        await echo
      }
      return rtts
    } finally {
      port.close()
      p.close()
    }
  }

  test('thread: a reply is noticed well inside one timer tick; the sleep loop cannot', async () => {
    // Percentiles rather than the mean: on a loaded 2-core machine a few trips wait for a
    // CPU slice. The sleep loop pays >= 1 timer tick (~1.1 ms) per wait on every trip.
    const thread = await roundTrips('thread', 60)
    const loop = await roundTrips('loop', 20)
    const p25 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 4)]!
    if (process.env.RTT_DEBUG) console.log(`thread p25 ${p25(thread)} median ${median(thread)}; loop p25 ${p25(loop)}`)
    expect(p25(thread)).toBeLessThan(0.5)
    expect(p25(loop)).toBeGreaterThan(0.9)
  })

  test('close() interrupts a pending wait at once with ECLOSED', async () => {
    const p = pty()
    const port = open(p.slavePath, 115200)
    await port.whenWorkerReady()
    const pending = rejected(port.waitReadable(5000))
    await waitFor('the wait pending on the thread', threadInPoll, 2000, 1)
    const t0 = performance.now()
    port.close()
    const err = await pending
    expect(err.code).toBe('ECLOSED')
    expect(performance.now() - t0).toBeLessThan(500)
  })

  test('interrupt() ends a pending wait early with false; the port stays usable', async () => {
    const p = pty()
    const port = open(p.slavePath, 115200)
    await port.whenWorkerReady()
    let done = false
    const pending = port.waitReadable(5000).then((r) => {
      done = true
      return r
    })
    await waitFor('the wait pending on the thread', threadInPoll, 2000, 1)
    expect(done).toBe(false)
    port.interrupt()
    expect(await pending).toBe(false)
    await p.master.write(bytes(1))
    expect(await port.waitReadable(1000)).toBe(true)
  })

  test('large writes wait for room in the output queue and arrive in order', async () => {
    const p = pty()
    const port = open(p.slavePath, 1000000)
    const big = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff)
    const sending = port.write(big)
    const got = await readExact(p.master, big.length, 10_000)
    await sending
    expect(got).toEqual(big)
  })

  test('concurrent writes never interleave', async () => {
    const p = pty()
    const port = open(p.slavePath, 1000000)
    const a = new Uint8Array(50_000).fill(0xaa)
    const b = new Uint8Array(50_000).fill(0xbb)
    const both = Promise.all([port.write(a), port.write(b)])
    const got = await readExact(p.master, 100_000, 10_000)
    await both
    expect(got.subarray(0, 50_000).every((x) => x === 0xaa)).toBe(true)
    expect(got.subarray(50_000).every((x) => x === 0xbb)).toBe(true)
  })

  test('a write nobody drains times out with ETIMEDOUT instead of hanging', async () => {
    const p = pty()
    const port = openSerialPort(p.slavePath, { baud: 115200, writeTimeoutMs: 200 })
    cleanup.push(() => port.close())
    const err = await rejected(port.write(new Uint8Array(1 << 20)))
    expect(err.code).toBe('ETIMEDOUT')
    expect(err.message).toContain('output stalled')
  })
})

describe('errors', () => {
  test("missing device: ENOENT, 'no such device'", () => {
    const err = thrown(() => openSerialPort('/dev/ttyTONYPI-MISSING', { baud: 115200 }))
    expect(err.code).toBe('ENOENT')
    expect(err.message).toContain('/dev/ttyTONYPI-MISSING: no such device')
    expect(err.path).toBe('/dev/ttyTONYPI-MISSING')
  })

  test("not a tty: ENOTTY, 'not a serial device'", () => {
    const err = thrown(() => openSerialPort('/dev/null', { baud: 115200 }))
    expect(err.code).toBe('ENOTTY')
    expect(err.message).toContain('not a serial device')
  })

  test('bad baud rate is refused before the device is touched', () => {
    expect(thrown(() => openSerialPort('/dev/ttyTONYPI-MISSING', { baud: 250000 })).code).toBe('EBAUD')
  })

  test('permission and busy messages say what to do', () => {
    // Tests run as root here, which bypasses both checks, so the wording is checked directly.
    expect(describeSerialError('EACCES', 'open')).toContain('add the user to the dialout group')
    expect(describeSerialError('EBUSY', 'open')).toContain('another program')
    expect(describeSerialError('ENXIO', 'read')).toContain('device disappeared')
  })

  test('the device disappearing (pty master closed): EIO, disconnected, fd released', async () => {
    const p = pty()
    const port = open(p.slavePath, 115200)
    p.close()
    const err = thrown(() => port.read())
    expect(err.code).toBe('EIO')
    expect(err.disconnected).toBe(true)
    expect(err.message).toContain('device disappeared')
    expect(port.isOpen).toBe(false)
    expect(port.fd).toBe(-1)
    expect((await rejected(port.write(bytes(1)))).code).toBe('EIO') // the same failure, again
  })

  test('a wait in progress when the device disappears rejects with EIO', async () => {
    const p = pty()
    const port = open(p.slavePath, 115200)
    await port.whenWorkerReady()
    const pending = rejected(port.waitReadable(5000))
    await waitFor('the wait pending on the thread', threadInPoll, 2000, 1)
    p.close()
    const err = await pending
    expect(err.code).toBe('EIO')
    expect(err.disconnected).toBe(true)
  })

  test('a write after the device disappeared: EIO', async () => {
    const p = pty()
    const port = open(p.slavePath, 115200)
    p.close()
    const err = await rejected(port.write(bytes(1, 2)))
    expect(err.code).toBe('EIO')
  })
})

describe('DTR and RTS', () => {
  test('clearModemLines asks the kernel to clear both (TIOCMBIC with TIOCM_DTR | TIOCM_RTS)', () => {
    const calls: [number, number, number][] = []
    const r = clearModemLines(7, '/dev/ttyUSB0', (fd, req, arg) => {
      calls.push([fd, req, arg[0]!])
      return 0
    })
    expect(r).toBe('cleared')
    expect(calls).toEqual([[7, 0x5417, 0x002 | 0x004]])
  })

  test('a tty without modem lines is fine; a failing device is an error that names it', () => {
    expect(clearModemLines(7, '/dev/pts/3', () => -25)).toBe('no modem lines') // ENOTTY
    expect(clearModemLines(7, '/dev/ttyAMA0', () => -22)).toBe('no modem lines') // EINVAL
    expect(thrown(() => clearModemLines(7, '/dev/ttyUSB0', () => -5)).message).toBe(
      '/dev/ttyUSB0: device disappeared (clearing DTR and RTS: EIO): unplugged, powered off, or the other end of the pty closed',
    )
  })

  test('on a pty (no modem lines) the real call is harmless: the port opens and carries bytes', async () => {
    const pty = openPty()
    const port = openSerialPort(pty.slavePath, { baud: 1_000_000, clearModemLines: true })
    try {
      expect(clearModemLines(port.fd, pty.slavePath)).toBe('no modem lines')
      await port.write(bytes(0xaa, 0x55))
      expect(await readExact(pty.master, 2, 1000)).toEqual(bytes(0xaa, 0x55))
    } finally {
      port.close()
      pty.close()
    }
  })
})

describe('ReopeningSerialPort', () => {
  test('loses the device, reports it once, reopens at the new path, carries data again', async () => {
    let current = pty()
    let path = current.slavePath
    const events: ReopenEvent[] = []
    const port = ReopeningSerialPort.open(() => path, { baud: 115200, minDelayMs: 10, onState: (e) => events.push(e) })
    cleanup.push(() => port.close())
    await current.master.write(bytes(1))
    expect(await readExact(port, 1, 1000)).toEqual(bytes(1))

    const first = current
    const next = pty() // opened now so that it surely gets a different pts number
    first.close() // the simulator dies: its slave path vanishes
    // The freed pts number can go to any process's next pty at once; tests (and other test
    // processes) must not find it again, so the path function stops returning it.
    path = '/dev/pts/gone'
    const lost = thrown(() => port.read())
    expect(lost.code).toBe('EIO') // the real cause, once
    expect(port.state).toBe('reopening')
    expect(thrown(() => port.read()).code).toBe('EDISCONNECTED') // then: known to be down
    expect((await rejected(port.write(bytes(2)))).code).toBe('EDISCONNECTED')
    await waitFor('a few failed attempts: the old path is gone', () => events.filter((e) => e.state === 'retry').length >= 3, 2000, 5)
    expect(port.isOpen).toBe(false)

    current = next // the new simulator is announced at its own path
    expect(current.slavePath).not.toBe(first.slavePath)
    path = current.slavePath
    expect(await port.whenOpen(2000)).toBe(true)
    expect(port.state).toBe('open')
    await current.master.write(bytes(3, 4))
    expect(await readExact(port, 2, 1000)).toEqual(bytes(3, 4))
    await port.write(bytes(5))
    expect(await readExact(current.master, 1, 1000)).toEqual(bytes(5))

    const states = events.map((e) => e.state)
    expect(states[0]).toBe('lost')
    expect(states).toContain('retry')
    expect(states.at(-1)).toBe('open')
    const retry = events.find((e) => e.state === 'retry') as Extract<ReopenEvent, { state: 'retry' }>
    expect((retry.error as TransportError).code).toBe('ENOENT')
    expect(port.lastError?.code).toBe('ENOENT')
  })

  test('back-off doubles from minDelayMs up to maxDelayMs', async () => {
    /** A port whose device is gone after its first open: every reopen fails and the back-off runs. */
    const failing = (onRetry: (delays: number[]) => void) => {
      const [a] = createMemorySerialPair()
      const s = { opens: 0, delays: [] as number[] }
      const port = ReopeningSerialPort.open('/dev/ttyFAKE', {
        baud: 115200,
        minDelayMs: 5,
        maxDelayMs: 30,
        opener: () => {
          if (s.opens++ === 0) return a
          throw new TransportError('ENOENT', '/dev/ttyFAKE: no such device')
        },
        onState: (e) => {
          if (e.state === 'retry') {
            s.delays.push(e.delayMs)
            onRetry(s.delays)
          }
        },
      })
      cleanup.push(() => port.close())
      a.hangup() // a's peer fails... a itself is closed: make a's own calls fail like a lost device
      return { port, s }
    }
    let fiveRetries!: () => void
    const five = new Promise<void>((r) => {
      fiveRetries = r
    })
    const { port, s } = failing((d) => {
      if (d.length === 5) fiveRetries()
    })
    expect(thrown(() => port.read()).code).toBe('ECLOSED') // closed is not a disconnect: no reopen
    expect(port.state).toBe('open')
    port.reopen() // force: now every open fails and the back-off runs
    await five
    expect(s.delays.slice(0, 5)).toEqual([5, 10, 20, 30, 30])
    port.close()
    const n = s.opens
    // A twin on the same back-off: its fifth retry comes 65 ms after it starts, long after the
    // closed port's pending 30 ms attempt would have run.
    let twinRetries!: () => void
    const twinDone = new Promise<void>((r) => {
      twinRetries = r
    })
    const twin = failing((d) => {
      if (d.length === 5) twinRetries()
    })
    twin.port.reopen()
    await twinDone
    expect(s.opens).toBe(n) // close() stops the retries
  })

  test('first open failing throws the clear error (a config mistake should not retry silently)', () => {
    const err = thrown(() => ReopeningSerialPort.open('/dev/ttyTONYPI-MISSING', { baud: 115200 }))
    expect(err.message).toContain('no such device')
  })

  test('whenOpen resolves false on timeout and on close', async () => {
    const p = pty()
    let path = p.slavePath
    const port = ReopeningSerialPort.open(() => path, { baud: 115200, minDelayMs: 5 })
    cleanup.push(() => port.close())
    p.close()
    path = '/dev/pts/gone' // the freed pts number may go to another process's pty at once
    thrown(() => port.read())
    expect(await port.whenOpen(30)).toBe(false)
    const waiting = port.whenOpen(5000)
    port.close()
    expect(await waiting).toBe(false)
    expect(thrown(() => port.read()).code).toBe('ECLOSED')
  })
})
