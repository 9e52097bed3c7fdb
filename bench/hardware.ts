// The hat's half-duplex bus with its direction pins switched as on a real TonyPi
// (drivers/transports/half-duplex.ts): how long a 16-servo move occupies the wire, how late the
// turn to receive comes against the servo's reply, and the position-sweep rate. The simulator
// runs in a process of its own: the edge holds its thread during each turnaround wait, and an
// in-process simulator would read the request late and answer late.
import { join } from 'node:path'
import { servoSpecs } from '../core/servo-config.ts'
import { HatDriver } from '../drivers/hat/hat-driver.ts'
import { DEFAULT_TURNAROUND_MARGIN_MS, HalfDuplexDirection, LX_BUS_BAUD, uartWireTimeMs } from '../drivers/transports/half-duplex.ts'
import { MemoryGpioLine } from '../drivers/transports/memory.ts'
import type { SerialPort } from '../drivers/transports/serial-port.ts'
import { openSerialPort } from '../drivers/transports/uart.ts'
import { LX_DEFAULT_TURNAROUND_MS } from '../drivers/sim/lx-bus-device.ts'
import { theoreticalSweepsPerS } from './servo-poll.ts'

const SERVOS = servoSpecs({ servoIds: '1-16' })
const IDS = SERVOS.map((s) => s.id)
/** An LX position read: 6 bytes out, 8 back. */
const READ_OUT = 6
const READ_BACK = 8
/** A MOVE_TIME_WRITE frame. */
const MOVE_BYTES = 10
/** HZ=250, Raspberry Pi OS's kernels: the granularity tcdrain sleeps in (HARDWARE.md section 1). */
const TICK_MS = 4
/** 32 bit periods: the PL011's receive timeout, when a reply is shorter than its RX FIFO trigger. */
const PL011_RX_TIMEOUT_BITS = 32
/** Per read on the Pi: wake from poll, decode, two GPIO ioctls each way (measured on a pty: 0.055 ms a round trip; doubled for a Pi 4). */
const HOST_OVERHEAD_MS = 0.1

/**
 * What the wire model predicts for a Pi 4: each read is its bytes' wire time plus the servo's
 * turnaround, plus the host's overhead, plus (at worst) the PL011's receive timeout before the
 * reply's last bytes are handed over.
 */
export function expectedPiSweepsPerS(reads = IDS.length): { best: number; worst: number; wire: number } {
  const wire = uartWireTimeMs(READ_OUT + READ_BACK, LX_BUS_BAUD) + LX_DEFAULT_TURNAROUND_MS
  const timeout = (PL011_RX_TIMEOUT_BITS * 1000) / LX_BUS_BAUD
  return {
    wire: 1000 / (reads * wire),
    best: 1000 / (reads * (wire + HOST_OVERHEAD_MS)),
    worst: 1000 / (reads * (wire + HOST_OVERHEAD_MS + timeout)),
  }
}

/** A 16-servo move when every frame waited on tcdrain: at least one tick per frame once bytes remain queued. */
export function drainPerFrameSpreadMs(frames = IDS.length): number {
  const w = uartWireTimeMs(MOVE_BYTES, LX_BUS_BAUD)
  return (frames - 1) * Math.max(w, TICK_MS) + w
}

/** Records each write's instant (when the kernel has the bytes) and size. */
function recording(port: SerialPort) {
  const writes: { n: number; at: number }[] = []
  const wrapped: SerialPort = {
    get isOpen() {
      return port.isOpen
    },
    write: async (b) => {
      await port.write(b)
      writes.push({ n: b.length, at: performance.now() })
    },
    drain: () => port.drain(),
    read: (max) => port.read(max),
    waitReadable: (ms) => port.waitReadable(ms),
    flush: () => port.flush(),
    close: () => port.close(),
  }
  return { port: wrapped, writes }
}

/** Wire intervals of the writes, each starting when written or when the one before has left. */
function wireIntervals(writes: { n: number; at: number }[]): { start: number; end: number }[] {
  let free = -Infinity
  return writes.map((w) => {
    const start = Math.max(w.at, free)
    free = start + uartWireTimeMs(w.n, LX_BUS_BAUD)
    return { start, end: free }
  })
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN

async function startSimProcess(): Promise<{ path: string; stop: () => Promise<void> }> {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, '../drivers/sim/cli.ts'), '--protocol', 'lx', '--seed', '1'], {
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const reader = proc.stdout.getReader()
  let text = ''
  const deadline = Date.now() + 10_000
  while (!/TONYPI_SERIAL_PORT=(\S+)/.test(text) && Date.now() < deadline) {
    const { value, done } = await reader.read()
    if (done) break
    text += new TextDecoder().decode(value)
  }
  const path = /TONYPI_SERIAL_PORT=(\S+)/.exec(text)?.[1]
  if (!path) {
    proc.kill('SIGKILL')
    throw new Error(`the simulator did not announce its pty: ${text}`)
  }
  return {
    path,
    stop: async () => {
      proc.kill('SIGTERM')
      await proc.exited
    },
  }
}

/** Sweeps a second over `ms`, and the reads that found no answer. */
async function sweepRate(driver: HatDriver, ms: number) {
  let sweeps = 0
  let missing = 0
  const start = performance.now()
  while (performance.now() - start < ms) {
    for (const v of (await driver.readPositions(IDS)).values()) if (v === null) missing++
    sweeps++
  }
  return { rate: sweeps / ((performance.now() - start) / 1000), missing }
}

const median = (xs: number[]) => pct(xs, 0.5)

export async function benchHardware(seconds = 5) {
  const sim = await startSimProcess()
  try {
    const tx = new MemoryGpioLine('tx', 1)
    const rx = new MemoryGpioLine('rx', 0)
    const direction = new HalfDuplexDirection({ tx, rx }, { baud: LX_BUS_BAUD })
    const rec = recording(openSerialPort(sim.path, { baud: LX_BUS_BAUD }))
    const { driver } = await HatDriver.open({ port: rec.port, direction, i2c: null, servos: SERVOS })
    // Baseline in the same run: the same port without direction pins (an adapter that turns by
    // itself). The two take turns; only `driver` closes the port.
    const plain = (await HatDriver.open({ port: rec.port, direction: HalfDuplexDirection.none(), i2c: null, servos: SERVOS })).driver
    try {
      for (let i = 0; i < 5; i++) await driver.readPositions(IDS) // warm up: JIT, the poll thread
      for (let i = 0; i < 5; i++) await plain.readPositions(IDS)

      // Moves: one burst each, between sweeps as the collector would send them.
      const spreads: number[] = []
      for (let i = 0; i < 20; i++) {
        const from = rec.writes.length
        await driver.move(
          SERVOS.map((s) => ({ id: s.id, position: 450 + ((i * 7 + s.id) % 100) })),
          200,
        )
        const w = wireIntervals(rec.writes).slice(from)
        spreads.push(w.at(-1)!.end - w[0]!.start)
        await driver.readPositions(IDS)
      }

      // Sweeps in alternating rounds, with and without switching; every turn to receive timed
      // against its request's last stop bit.
      const rounds = 5
      const withPins: number[] = []
      const without: number[] = []
      let missing = 0
      const lateness: number[] = []
      for (let r = 0; r < rounds; r++) {
        without.push((await sweepRate(plain, (seconds * 1000) / rounds / 2)).rate)
        const from = rec.writes.length
        const turnsFrom = rx.timeline.length
        const s = await sweepRate(driver, (seconds * 1000) / rounds / 2)
        withPins.push(s.rate)
        missing += s.missing
        const ends = wireIntervals(rec.writes)
          .slice(from)
          .map((x) => x.end)
        const ups = rx.timeline
          .slice(turnsFrom)
          .filter((e) => e.value === 1)
          .map((e) => e.at)
        ups.slice(0, ends.length).forEach((at, i) => {
          lateness.push(at - (ends[i]! + DEFAULT_TURNAROUND_MARGIN_MS))
        })
      }
      const max = theoreticalSweepsPerS(LX_BUS_BAUD, LX_DEFAULT_TURNAROUND_MS)
      return {
        move: {
          spread_ms: median(spreads),
          spread_max_ms: Math.max(...spreads),
          wire_ms: uartWireTimeMs(IDS.length * MOVE_BYTES, LX_BUS_BAUD),
          drain_model_ms: drainPerFrameSpreadMs(),
        },
        poll: {
          sweeps_per_s: median(withPins),
          baseline_per_s: median(without),
          ratio: median(withPins) / median(without),
          theoretical: max,
          missing,
          switches: direction.stats.switches,
        },
        turn: {
          p50_ms: pct(lateness, 0.5),
          p99_ms: pct(lateness, 0.99),
          max_ms: Math.max(...lateness),
          count: lateness.length,
          over_budget: lateness.filter((l) => l >= LX_DEFAULT_TURNAROUND_MS - DEFAULT_TURNAROUND_MARGIN_MS).length,
          /** Later than this and a reply that starts after the servo's turnaround is cut by our own driver. */
          budget_ms: LX_DEFAULT_TURNAROUND_MS - DEFAULT_TURNAROUND_MARGIN_MS,
        },
        pi: expectedPiSweepsPerS(),
      }
    } finally {
      await driver.close()
    }
  } finally {
    await sim.stop()
  }
}
