// The Pi's side of the LX bus-servo wire: send a request, turn the half-duplex line
// around, and wait a few milliseconds for the one frame that answers it. A servo that
// does not answer is a timeout (null), never a hang; an echo or a stray frame is ignored.
import { isLxReplyTo, LxFrameDecoder, type LxFrame } from '../codecs/lx-bus.ts'
import type { HalfDuplexDirection } from '../transports/half-duplex.ts'
import type { SerialPort } from '../transports/serial-port.ts'
import { BusScheduler, type BusPriority } from '../bus/bus-scheduler.ts'
import { BusStats } from '../bus/bus-stats.ts'

export interface LxBusOptions {
  /**
   * How long to wait for a reply after the request has left the wire. A reply is 8 bytes
   * (0.7 ms at 115200) after a turnaround well under 1 ms; 10 ms leaves room for a busy Pi.
   */
  replyTimeoutMs?: number
  /** Extra attempts after a timeout or a bad frame. */
  retries?: number
}

export class LxBusMaster {
  readonly decoder = new LxFrameDecoder()
  readonly scheduler = new BusScheduler()
  readonly stats: BusStats
  private readonly timeoutMs: number
  private readonly retries: number

  constructor(
    private readonly port: SerialPort,
    private readonly direction: HalfDuplexDirection,
    opts: LxBusOptions = {},
  ) {
    this.timeoutMs = opts.replyTimeoutMs ?? 10
    this.retries = opts.retries ?? 1
    this.stats = new BusStats('lx-bus', () => this.decoder.stats)
  }

  /** A write that expects no reply (moves, torque, broadcast). */
  send(frame: Uint8Array, priority: BusPriority = 'command'): Promise<void> {
    return this.sendMany([frame], priority)
  }

  /**
   * Write-only frames in one scheduler slot and one write, so they leave back to back with the
   * line in transmit throughout: a 16-servo move occupies the wire for its bytes' time and no
   * more, and no poll slips in between its frames.
   */
  sendMany(frames: readonly Uint8Array[], priority: BusPriority = 'command'): Promise<void> {
    return this.scheduler.run(priority, async () => {
      this.stats.requests += frames.length
      this.stats.transaction()
      try {
        await this.direction.send(this.port, frames.length === 1 ? frames[0]! : concat(frames))
      } catch (err) {
        this.stats.errors++
        this.stats.lastError = (err as Error).message
        throw err
      }
    })
  }

  /** A read: the answering frame, or null when the servo stayed silent through every retry. */
  request(frame: Uint8Array, priority: BusPriority = 'poll'): Promise<LxFrame | null> {
    return this.scheduler.run(priority, () => this.transact(frame))
  }

  /** Several reads back to back in one scheduler slot (a sweep), so commands slot in between sweeps. */
  requestMany(frames: readonly Uint8Array[], priority: BusPriority = 'poll'): Promise<(LxFrame | null)[]> {
    return this.scheduler.run(priority, async () => {
      const out: (LxFrame | null)[] = []
      for (const f of frames) out.push(await this.transact(f))
      return out
    })
  }

  private async transact(frame: Uint8Array): Promise<LxFrame | null> {
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) this.stats.retries++
      this.stats.requests++
      this.stats.transaction()
      // Whatever is still in the buffer belongs to an earlier, abandoned exchange.
      this.port.flush()
      this.decoder.reset()
      try {
        // With direction pins the line turns to receive right after the request's last stop
        // bit (half-duplex.ts); an adapter that switches by itself needs no wait.
        await this.direction.request(this.port, frame)
        const reply = await this.awaitReply(frame)
        if (reply) {
          this.stats.replies++
          return reply
        }
        this.stats.timeouts++
      } catch (err) {
        this.stats.errors++
        this.stats.lastError = (err as Error).message
        throw err
      }
    }
    return null
  }

  private async awaitReply(sent: Uint8Array): Promise<LxFrame | null> {
    const deadline = performance.now() + this.timeoutMs
    for (;;) {
      const bytes = this.port.read(64)
      if (bytes.length) {
        for (const f of this.decoder.push(bytes)) if (isLxReplyTo(f, sent)) return f
        continue
      }
      const left = deadline - performance.now()
      if (left <= 0) return null
      if (!(await this.port.waitReadable(left))) {
        // One last look: bytes can land between the wait's deadline and now.
        const late = this.port.read(64)
        if (late.length) for (const f of this.decoder.push(late)) if (isLxReplyTo(f, sent)) return f
        return null
      }
    }
  }

  /** Waits until the last frame written has left the wire (before closing the port). */
  async finish(timeoutMs = 200): Promise<void> {
    await Promise.race([this.scheduler.run('command', () => this.direction.finish(this.port)), Bun.sleep(timeoutMs)]).catch(() => {})
  }
}

function concat(frames: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frames.reduce((n, f) => n + f.length, 0))
  let at = 0
  for (const f of frames) {
    out.set(f, at)
    at += f.length
  }
  return out
}
