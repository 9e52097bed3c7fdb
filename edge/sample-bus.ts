// The in-process bus: the collector publishes each batch of samples (a servo sweep, an
// IMU reading) once, and each part raises its events (core/events.ts) here; the store, the live
// feed, the broker and alert rules listen. Typed like zigbee2mqtt's event bus: a listener names
// what it wants and gets that payload's type, and everything an owner subscribed is removed with
// `off(owner)`. Listeners run in the order they subscribed, whatever they listen to, so a
// listener that raises an event of its own does not overtake earlier listeners of the first.
// A listener that throws is logged and skipped: one bad consumer must not stop the rest.
import type { AnyRobotEvent, EventLevel, RobotEvent, RobotEventName, RobotEvents } from '../core/events.ts'
import type { Logger } from '../core/log.ts'
import type { Sample } from '../core/streams.ts'

/** What can be listened to: the samples, or one event by name. */
export type BusTopics = { samples: Sample[] } & { [K in RobotEventName]: RobotEvent<K> }

/** `null`: every event (the store's log, the live feed). */
interface Listener {
  topic: keyof BusTopics | null
  owner: object
  cb: (payload: never) => void
}

export class SampleBus {
  private readonly listeners = new Set<Listener>()
  /** `now` is the robot's wall clock: every event is stamped with it (the simulator can step it). */
  constructor(
    private readonly log: Logger,
    readonly now: () => number = Date.now,
  ) {}

  on<K extends keyof BusTopics>(topic: K, owner: object, cb: (payload: BusTopics[K]) => void) {
    this.listeners.add({ topic, owner, cb })
  }

  /** Every event, whatever its name (not the samples). */
  onEvent(owner: object, cb: (e: AnyRobotEvent) => void) {
    this.listeners.add({ topic: null, owner, cb })
  }

  /** Removes every listener `owner` subscribed. */
  off(owner: object) {
    for (const l of this.listeners) if (l.owner === owner) this.listeners.delete(l)
  }

  /** Listeners left, for tests that an owner cleaned up after itself. */
  get size() {
    return this.listeners.size
  }

  samples(samples: Sample[]) {
    if (samples.length) this.emit('samples', samples)
  }

  event<K extends RobotEventName>(event: K, level: EventLevel, data: RobotEvents[K], ts = this.now()) {
    this.emit(event, { event, level, ts, data } as BusTopics[K])
  }

  private emit<K extends keyof BusTopics>(topic: K, payload: BusTopics[K]) {
    const isEvent = topic !== 'samples'
    for (const l of this.listeners) {
      if (l.topic !== topic && !(isEvent && l.topic === null)) continue
      try {
        ;(l.cb as (p: BusTopics[K]) => void)(payload)
      } catch (err) {
        this.log.error('bus subscriber failed', { topic, error: err as Error })
      }
    }
  }
}
