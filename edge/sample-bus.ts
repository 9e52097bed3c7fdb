// The in-process bus: the collector publishes each batch of samples (a servo sweep, an
// IMU reading) once; the store, the live feed, the broker and alert rules subscribe.
// A subscriber that throws is logged and skipped: one bad consumer must not stop the rest.
import type { Logger } from '../core/log.ts'
import type { Sample } from '../core/streams.ts'

export type BusMessage =
  | { kind: 'samples'; samples: Sample[] }
  | { kind: 'event'; event: string; level: 'debug' | 'info' | 'warn' | 'error'; ts: number; data: Record<string, unknown> }

type Handler = (m: BusMessage) => void

export class SampleBus {
  private handlers = new Set<Handler>()
  /** `now` is the robot's wall clock: every event is stamped with it (the simulator can step it). */
  constructor(private readonly log: Logger, readonly now: () => number = Date.now) {}

  subscribe(h: Handler): () => void {
    this.handlers.add(h)
    return () => this.handlers.delete(h)
  }

  publish(m: BusMessage) {
    for (const h of this.handlers) {
      try {
        h(m)
      } catch (err) {
        this.log.error('bus subscriber failed', { error: err as Error })
      }
    }
  }

  samples(samples: Sample[]) {
    if (samples.length) this.publish({ kind: 'samples', samples })
  }

  event(event: string, level: 'debug' | 'info' | 'warn' | 'error', data: Record<string, unknown>, ts = this.now()) {
    this.publish({ kind: 'event', event, level, ts, data })
  }
}
