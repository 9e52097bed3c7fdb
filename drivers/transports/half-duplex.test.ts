import { afterAll, describe, expect, test } from 'bun:test'
import {
  DEFAULT_TURNAROUND_MARGIN_MS,
  HIWONDER_HAT_PINS,
  HIWONDER_HAT_PINS_GPIO17,
  HalfDuplexDirection,
  openHalfDuplexDirection,
  uartWireTimeMs,
} from './half-duplex.ts'
import { createMemorySerialPair, MemoryGpioChip, MemoryGpioLine } from './memory.ts'
import { openPty } from './pty.ts'
import type { SerialPort } from './serial-port.ts'
import { openSerialPort, readExact } from './uart.ts'
import { TransportError } from './errors.ts'
import { bytes, rejected, thrown } from './test-support.ts'

/** Wraps a port so its writes and drains land in one log with the GPIO twins, and their instants are kept. */
function logged(port: SerialPort, log: string[], opts: { failWrite?: boolean } = {}) {
  const writes: { n: number; at: number }[] = []
  let drains = 0
  const wrapped: SerialPort = {
    get isOpen() {
      return port.isOpen
    },
    write: async (b) => {
      log.push(`write ${b.length}`)
      if (opts.failWrite) throw new TransportError('EIO', 'device disappeared')
      await port.write(b)
      writes.push({ n: b.length, at: performance.now() })
    },
    drain: async () => {
      drains++
      await port.drain()
      log.push('drained')
    },
    read: (max) => port.read(max),
    waitReadable: (ms) => port.waitReadable(ms),
    flush: () => port.flush(),
    close: () => port.close(),
  }
  return { port: wrapped, writes, drains: () => drains }
}

const READ_POS = bytes(0x55, 0x55, 1, 3, 0x1c, 0xdf)
const MOVE = bytes(0x55, 0x55, 5, 7, 1, 0x2c, 1, 0xe8, 3, 0xda)

describe('HalfDuplexDirection', () => {
  test("TonyPi's pins: BCM 27 TX-enable, BCM 4 RX-enable (BusServoCmd.py, GPIO.BOARD 13 and 7)", () => {
    expect(HIWONDER_HAT_PINS).toEqual({ txEnable: 27, rxEnable: 4 })
    expect(HIWONDER_HAT_PINS_GPIO17).toEqual({ txEnable: 27, rxEnable: 17 })
  })

  test("opens the lines in HiWonder's initial state: TX_CON high, RX_CON low", () => {
    const gpio = new MemoryGpioChip()
    const dir = openHalfDuplexDirection(HIWONDER_HAT_PINS, gpio.open)
    expect(gpio.lines.get(27)!.value).toBe(1)
    expect(gpio.lines.get(4)!.value).toBe(0)
    expect(dir.mode).toBe('transmit')
  })

  test('a request: write, no drain, then RX on and TX off', async () => {
    const log: string[] = []
    const gpio = new MemoryGpioChip(log)
    const dir = openHalfDuplexDirection(HIWONDER_HAT_PINS, gpio.open)
    const [edge, bus] = createMemorySerialPair()
    const w = logged(edge, log)
    await dir.request(w.port, READ_POS)
    expect(log).toEqual(['write 6', 'gpio4=1', 'gpio27=0'])
    expect(w.drains()).toBe(0)
    expect(bus.read()).toEqual(READ_POS)
    expect(dir.mode).toBe('receive')
  })

  test('a burst of write-only frames after a read: one switch to transmit, and the line stays there', async () => {
    const log: string[] = []
    const gpio = new MemoryGpioChip(log)
    const dir = openHalfDuplexDirection(HIWONDER_HAT_PINS, gpio.open)
    const [edge] = createMemorySerialPair()
    const w = logged(edge, log)
    await dir.request(w.port, READ_POS)
    log.length = 0
    for (let i = 0; i < 4; i++) await dir.send(w.port, MOVE)
    expect(log).toEqual(['gpio27=1', 'gpio4=0', 'write 10', 'write 10', 'write 10', 'write 10'])
    expect(dir.mode).toBe('transmit')
    expect(dir.stats.switches).toBe(2)
  })

  test('a failed request still turns the line to receive; a failed send leaves it driving', async () => {
    const log: string[] = []
    const gpio = new MemoryGpioChip(log)
    const dir = openHalfDuplexDirection(HIWONDER_HAT_PINS, gpio.open)
    const [edge] = createMemorySerialPair()
    const failing = logged(edge, log, { failWrite: true }).port
    expect((await rejected(dir.request(failing, bytes(1)))).code).toBe('EIO')
    expect(log).toEqual(['write 1', 'gpio4=1', 'gpio27=0'])
    log.length = 0
    expect((await rejected(dir.send(failing, bytes(1)))).code).toBe('EIO')
    expect(log).toEqual(['gpio27=1', 'gpio4=0', 'write 1'])
    expect(dir.mode).toBe('transmit')
  })

  test('none: no lines, a request is written without any wait or drain', async () => {
    const dir = openHalfDuplexDirection('none')
    expect(dir.switching).toBe(false)
    const log: string[] = []
    const [edge, bus] = createMemorySerialPair({ baud: 115200 })
    const w = logged(edge, log)
    await dir.request(w.port, bytes(0xaa, 0x55))
    expect(log).toEqual(['write 2'])
    expect(await readExact(bus, 2, 100)).toEqual(bytes(0xaa, 0x55))
    dir.close()
  })

  test('finish() is the one place that drains', async () => {
    const dir = openHalfDuplexDirection(HIWONDER_HAT_PINS, new MemoryGpioChip().open)
    const log: string[] = []
    const [edge] = createMemorySerialPair({ baud: 115200 })
    const w = logged(edge, log)
    await dir.send(w.port, MOVE)
    await dir.finish(w.port)
    expect(log).toEqual(['write 10', 'drained'])
  })

  test('at a slow rate the turn still waits for the last stop bit (most of the wait without holding the thread)', async () => {
    const gpio = new MemoryGpioChip()
    const dir = openHalfDuplexDirection(HIWONDER_HAT_PINS, gpio.open, { baud: 1200 })
    const [edge] = createMemorySerialPair({ baud: 1200 })
    const w = logged(edge, [])
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    await dir.request(w.port, READ_POS) // 6 bytes at 1200 baud: 50 ms
    clearInterval(timer)
    const turned = gpio.lines.get(4)!.timeline.at(-1)!
    expect(turned.value).toBe(1)
    expect(turned.at - w.writes[0]!.at).toBeGreaterThanOrEqual(uartWireTimeMs(6, 1200) + DEFAULT_TURNAROUND_MARGIN_MS - 0.01)
    expect(ticks).toBeGreaterThan(5) // the event loop ran meanwhile
  })

  test('bad turnaround settings are refused', () => {
    expect(() => HalfDuplexDirection.none({ baud: 0 })).toThrow(/baud must be a positive number/)
    expect(() => HalfDuplexDirection.none({ marginMs: -1 })).toThrow(/margin must be 0..5 ms/)
  })

  test('if the second line cannot be opened, the first is released', () => {
    const gpio = new MemoryGpioChip()
    const err = thrown(() =>
      openHalfDuplexDirection({ txEnable: 27, rxEnable: 17 }, (o) => {
        if (o.line === 17) throw new TransportError('EBUSY', 'line 17 is in use')
        return gpio.open(o)
      }),
    )
    expect(err.code).toBe('EBUSY')
    expect(gpio.lines.get(27)!.closed).toBe(true)
  })

  test('close releases both lines', () => {
    const gpio = new MemoryGpioChip()
    const dir = openHalfDuplexDirection(HIWONDER_HAT_PINS, gpio.open)
    dir.close()
    expect(gpio.lines.get(27)!.closed).toBe(true)
    expect(gpio.lines.get(4)!.closed).toBe(true)
  })
})

/**
 * The schedule on a real pty: every write instant against every direction switch, checked
 * against the wire model (10 bits a byte at 115200, bytes queued behind earlier ones).
 */
describe('turnaround schedule on a pty', () => {
  const pty = openPty()
  const port = openSerialPort(pty.slavePath, { baud: 115200 })
  afterAll(() => {
    port.close()
    pty.close()
  })

  test('reads turn after their wire time plus the margin; a 16-frame burst is one switch and leaves back to back', async () => {
    const tx = new MemoryGpioLine('tx', 1)
    const rx = new MemoryGpioLine('rx', 0)
    const dir = new HalfDuplexDirection({ tx, rx }, { baud: 115200 })
    const w = logged(port, [])
    const byteMs = uartWireTimeMs(1, 115200)
    const rxUps = () => rx.timeline.filter((e, i) => i > 0 && e.value === 1).map((e) => e.at)

    // Reads, each followed by its turn to receive.
    for (let i = 0; i < 20; i++) await dir.request(w.port, READ_POS)
    // A move of sixteen servos, then a read behind it.
    for (let id = 1; id <= 16; id++) await dir.send(w.port, MOVE)
    await dir.request(w.port, READ_POS)

    expect(w.drains()).toBe(0)
    expect(w.writes.length).toBe(20 + 16 + 1)
    // Wire model from the write instants: a frame starts when written or when the one before has left.
    let free = -Infinity
    const ends = w.writes.map((x) => (free = Math.max(x.at, free) + x.n * byteMs))
    const ups = rxUps()
    expect(ups.length).toBe(21)
    const reads = [...w.writes.keys()].filter((i) => i < 20 || i === 36)
    const lateness = reads.map((wi, k) => ups[k]! - (ends[wi]! + DEFAULT_TURNAROUND_MARGIN_MS))
    // Never before the last stop bit plus the margin: the reply cannot be cut off by our own driver.
    for (const l of lateness) expect(l).toBeGreaterThanOrEqual(-0.01)
    // The read behind the burst waited for the burst to leave the wire first.
    expect(ups[20]! - ends[35]!).toBeGreaterThanOrEqual(6 * byteMs + DEFAULT_TURNAROUND_MARGIN_MS - 0.01)
    // One switch to transmit for the whole burst: TX went high once after the 20th read, not 16 times.
    const txUpsDuringBurst = tx.timeline.filter((e) => e.value === 1 && e.at > ups[19]! && e.at < ups[20]!)
    expect(txUpsDuringBurst.length).toBe(1)
    // 20 reads: turn to receive 20 times and back to transmit 20 times (19 between reads, 1 for the burst), plus the last read's turn.
    expect(dir.stats.switches).toBe(20 + 20 + 1)
    // The burst's frames reach the other end back to back, in order.
    const got: number[] = []
    for (let chunk = pty.master.read(); chunk.length; chunk = pty.master.read()) got.push(...chunk)
    expect(got.length).toBe(21 * READ_POS.length + 16 * MOVE.length)
  })
})
