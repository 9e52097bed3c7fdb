// One browser on the live feed, the same on the edge and the hub: its hello, the samples it
// asked for at the rates it asked for, every event, and its requests answered. A browser that
// cannot keep up has samples skipped (the next sweep replaces them) rather than buffered
// without bound; events (command outcomes, alerts, the e-stop) are never skipped.
import type { Sample } from '../streams.ts'
import { parseLiveRequest, type LiveMessage } from './protocol.ts'
import { SampleRate } from './sample-rate.ts'

/** What a live socket needs of Bun's ServerWebSocket. */
export interface LiveWire {
  send(data: string): unknown
  getBufferedAmount(): number
}

const MAX_BUFFERED = 1 << 20

export class LiveSocket {
  private readonly rate: SampleRate
  sent = 0
  skipped = 0

  /** `tagged`: samples name their robot (the hub's feed carries many). */
  constructor(
    private readonly wire: LiveWire,
    private readonly tagged = false,
  ) {
    this.rate = new SampleRate((group, samples) => this.write(group, samples))
  }

  /** True while the client takes every sample as it comes: one serialized message serves them all. */
  get unlimited(): boolean {
    return this.rate.unlimited
  }

  send(m: LiveMessage) {
    this.wire.send(JSON.stringify(m))
    this.sent++
  }

  /** Samples of `robotId` ('' on the edge); `shared` is the message already serialized for clients without rates. */
  samples(samples: readonly Sample[], robotId = '', shared?: string) {
    if (this.rate.unlimited && shared !== undefined) return this.writeRaw(shared)
    const now = this.rate.offer(samples, robotId)
    if (now.length) this.write(robotId, now)
  }

  /** A message from the browser: a rate request is applied and confirmed; anything else gets the reason. */
  receive(text: string) {
    const r = parseLiveRequest(text)
    if (!r.ok) return this.send({ type: 'error', message: r.message })
    this.rate.set(r.request.hz)
    this.send({ type: 'rate', hz: this.rate.rates })
  }

  close() {
    this.rate.stop()
  }

  private write(robotId: string, samples: Sample[]) {
    this.writeRaw(JSON.stringify(this.tagged ? { type: 'samples', robot_id: robotId, samples } : { type: 'samples', samples }))
  }

  private writeRaw(msg: string) {
    if (this.wire.getBufferedAmount() > MAX_BUFFERED) {
      this.skipped++
      return
    }
    this.wire.send(msg)
    this.sent++
  }
}
