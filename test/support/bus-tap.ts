// Everything on a robot's bus, samples and events, in the one order they were raised: what a
// test records to check what happened before what.
import type { AnyRobotEvent } from '../../core/events.ts'
import type { Sample } from '../../core/streams.ts'
import type { SampleBus } from '../../edge/sample-bus.ts'

export type BusMessage = { kind: 'samples'; samples: Sample[] } | ({ kind: 'event' } & AnyRobotEvent)

/** Calls `cb` with each message from now on; returns how to stop. */
export function tapBus(bus: SampleBus, cb: (m: BusMessage) => void): () => void {
  const owner = {}
  bus.on('samples', owner, (samples) => cb({ kind: 'samples', samples }))
  bus.onEvent(owner, (e) => cb({ kind: 'event', ...e }))
  return () => bus.off(owner)
}
