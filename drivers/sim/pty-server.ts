// Serves a simulated device (SimulatedLxBus, SimulatedBoard) on a real pseudo-terminal, so the edge
// opens the slave path with the same openSerialPort it uses for /dev/ttyAMA0 and cannot tell.
//
// The pump: read whatever the host wrote from the master and hand it to the device with the time
// it arrived; ask the device which of its bytes the host has received by now (wire.ts holds them
// back for their wire time) and write those; sleep until the device's next event or new input.
// Sleeping is the FdWorker's poll with a timeout, which has 1 ms granularity, so the last
// SPIN_MS before an event are waited out by yielding to the event loop (setImmediate); that keeps
// the bytes within a few microseconds of their wire time, at the cost of CPU only while a reply
// or stream packet is actually in flight.
//
// Writes to the master never wait: a UART transmitter does not stop because nobody listens. What
// the pty will not take right now (no client has ever opened the slave and its buffer is full, or
// a client stopped reading) is dropped and counted, as an overrun would lose it.
//
// Cable faults: faults.pullCable('hangup') closes the master (an open client gets EIO, and the
// slave path disappears); faults.plugIn() then opens a new pty, whose path `path`/`pathFn` report
// and onPath announces, for ReopeningSerialPort.open(server.pathFn, ...).

import { openPty, type Pty } from '../transports/index.ts'
import { libc, errno } from '../transports/libc.ts'
import { Errno } from '../transports/errors.ts'
import { SimulatedTonyPi } from './model.ts'
import { SimulatedLxBus, LX_DEFAULT_BAUD, type SimulatedLxBusOptions } from './lx-bus-device.ts'
import { SimulatedBoard, BOARD_DEFAULT_BAUD, type SimulatedBoardOptions } from './board-device.ts'
import type { CableState } from './faults.ts'
import { wallClockMs, type WireDevice } from './wire.ts'

/** Below this much time to the next event, yield instead of sleeping on the poll (1 ms steps). */
const SPIN_MS = 1.5
/** Longest sleep with nothing scheduled; input wakes the pump sooner. */
const IDLE_MS = 100

export interface PtyServerOptions {
  /** Epoch ms with sub-ms resolution; must be the clock the device's model runs on. */
  clock?: () => number
  /** Called with the slave path at start and after every replug. */
  onPath?: (path: string) => void
  /** Called when the pump hits an unexpected error (it carries on). Default: console.error. */
  onError?: (err: unknown) => void
  /**
   * Events before which the host's bytes must be taken in at once (takeInput), given as a
   * subscription that returns its unsubscribe function.
   */
  inputBefore?: (take: () => void) => () => void
}

export interface PtyServerStats {
  /** Device bytes the pty would not take (nobody reading). */
  bytesDropped: number
  /** How many ptys were opened (1 + replugs). */
  ptysOpened: number
}

export interface SimPtyServer<D extends WireDevice> {
  readonly device: D
  readonly faults: D['faults']
  /** The current slave path (the last one while unplugged). */
  readonly path: string
  /** `() => server.path`, the form ReopeningSerialPort.open takes. */
  readonly pathFn: () => string
  readonly stats: PtyServerStats
  /** Pull the cable with a hang-up: the master closes, an open client sees EIO. */
  hangup(): void
  /** Hang up (if not already) and plug into a new pty; returns its path. */
  replug(): string
  /** Stop pumping and close the pty. */
  stop(): Promise<void>
  /** Hand the device whatever the host has written so far, stamped now (the pump does this by itself too). */
  takeInput(): void
}

export function servePty<D extends WireDevice>(device: D, opts: PtyServerOptions = {}): SimPtyServer<D> {
  return new PtyServer(device, opts)
}

class PtyServer<D extends WireDevice> implements SimPtyServer<D> {
  readonly device: D
  readonly stats: PtyServerStats = { bytesDropped: 0, ptysOpened: 0 }
  readonly pathFn = (): string => this.path
  private pty: Pty | null = null
  private lastPath = ''
  private stopped = false
  private readonly clock: () => number
  private readonly onPath: (path: string) => void
  private readonly onError: (err: unknown) => void
  private readonly unsubscribe: () => void
  private readonly loop: Promise<void>
  /** Wakes the pump while it waits for a pty (unplugged) to exist again. */
  private wake: () => void = () => {}

  constructor(device: D, opts: PtyServerOptions) {
    this.device = device
    this.clock = opts.clock ?? wallClockMs
    this.onPath = opts.onPath ?? (() => {})
    this.onError = opts.onError ?? ((err) => console.error('sim pty server:', err))
    const offCable = device.faults.onCableChange((state) => this.cableChanged(state))
    const offInput = opts.inputBefore?.(() => this.takeInput())
    this.unsubscribe = () => {
      offCable()
      offInput?.()
    }
    if (device.faults.cable !== 'hung-up') this.open()
    this.loop = this.run()
  }

  get faults(): D['faults'] {
    return this.device.faults
  }

  get path(): string {
    return this.lastPath
  }

  hangup(): void {
    this.device.faults.pullCable('hangup')
  }

  replug(): string {
    if (this.device.faults.cable !== 'hung-up') this.hangup()
    this.device.faults.plugIn()
    return this.lastPath
  }

  async stop(): Promise<void> {
    if (this.stopped) return this.loop
    this.stopped = true
    this.unsubscribe()
    this.close()
    this.wake()
    await this.loop
  }

  takeInput(): void {
    // The pump may be asleep until its next event, which this input may have brought forward.
    if (this.receiveInput()) this.pty?.master.interrupt()
  }

  /** Hands the device what the host has written so far, stamped now; true if there was any. */
  private receiveInput(): boolean {
    const master = this.pty?.master
    if (!master?.isOpen) return false
    const now = this.clock()
    let took = false
    for (let chunk = master.read(); chunk.length > 0; chunk = master.read()) {
      this.device.receive(chunk, now)
      took = true
    }
    return took
  }

  private cableChanged(state: CableState): void {
    if (this.stopped) return
    if (state === 'hung-up') this.close()
    else if (!this.pty) {
      this.open()
      this.wake()
    }
  }

  private open(): void {
    this.pty = openPty()
    this.stats.ptysOpened++
    this.lastPath = this.pty.slavePath
    this.onPath(this.lastPath)
  }

  private close(): void {
    const p = this.pty
    this.pty = null
    p?.close()
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const pty = this.pty
      if (!pty) {
        await new Promise<void>((resolve) => (this.wake = resolve))
        continue
      }
      try {
        await this.serve(pty)
      } catch (err) {
        // Closing the master (hang-up, stop) interrupts a wait with ECLOSED: expected.
        if (this.stopped || this.pty !== pty) continue
        this.onError(err)
        // A master that failed stays failed: come back on a fresh pty, as a re-enumerated
        // adapter would, rather than repeat the same error forever.
        if (!pty.master.isOpen) {
          this.close()
          try {
            this.open()
          } catch (openErr) {
            this.onError(openErr)
          }
        }
        await Bun.sleep(10)
      }
    }
  }

  private async serve(pty: Pty): Promise<void> {
    const { master } = pty
    const device = this.device
    while (!this.stopped && this.pty === pty) {
      this.receiveInput()
      const now = this.clock()
      const out = device.poll(now)
      if (out.length > 0) this.send(pty, out)
      const next = device.nextEventMs()
      const wait = next === null ? IDLE_MS : Math.min(IDLE_MS, next - this.clock())
      if (wait > SPIN_MS) await master.waitReadable(wait - SPIN_MS)
      else await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }

  private send(pty: Pty, bytes: Uint8Array): void {
    const fd = pty.master.fd
    let off = 0
    while (off < bytes.length && fd >= 0) {
      const n = Number(libc().write(fd, bytes.subarray(off), bytes.length - off))
      if (n > 0) {
        off += n
        continue
      }
      if (n < 0 && errno() === Errno.EINTR) continue
      break // EAGAIN (full) or EIO: the rest falls off the wire
    }
    this.stats.bytesDropped += bytes.length - off
  }
}

// --- A whole simulated robot on a pty, as the CLI and integration tests want it -----------------

export type SimProtocol = 'lx' | 'board'

export interface StartSimulatorOptions extends PtyServerOptions {
  protocol: SimProtocol
  /** Default 1. */
  seed?: number
  /** Default: 115200 for lx, 1,000,000 for board. */
  baud?: number
  /** A model to serve; default a new SimulatedTonyPi with `seed`, starting now. */
  model?: SimulatedTonyPi
  /** Extra device options (turnaround, echo, IMU rate...). */
  lx?: Omit<SimulatedLxBusOptions, 'model' | 'baud'>
  board?: Omit<SimulatedBoardOptions, 'model' | 'baud'>
}

export type SimulatorServer = SimPtyServer<SimulatedLxBus> | SimPtyServer<SimulatedBoard>

export function startLxSimulator(opts: Omit<StartSimulatorOptions, 'protocol'> = {}): SimPtyServer<SimulatedLxBus> {
  const clock = opts.clock ?? wallClockMs
  const model = opts.model ?? new SimulatedTonyPi({ seed: opts.seed ?? 1, startMs: clock() })
  const device = new SimulatedLxBus({ ...opts.lx, model, baud: opts.baud ?? LX_DEFAULT_BAUD })
  // Wired to direction pins: take in the host's bytes before a line changes (hat-buffer.ts).
  const hat = opts.lx?.hat
  return servePty(device, { ...opts, clock, ...(hat ? { inputBefore: (take) => hat.gpio.onBeforeChange(take) } : {}) })
}

export function startBoardSimulator(opts: Omit<StartSimulatorOptions, 'protocol'> = {}): SimPtyServer<SimulatedBoard> {
  const clock = opts.clock ?? wallClockMs
  const model = opts.model ?? new SimulatedTonyPi({ seed: opts.seed ?? 1, startMs: clock() })
  const device = new SimulatedBoard({ ...opts.board, model, baud: opts.baud ?? BOARD_DEFAULT_BAUD })
  return servePty(device, { ...opts, clock })
}

export function startSimulator(opts: StartSimulatorOptions): SimulatorServer {
  return opts.protocol === 'lx' ? startLxSimulator(opts) : startBoardSimulator(opts)
}
