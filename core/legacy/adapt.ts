// The one adapter for the earlier system's MQTT layout (LEGACY.md). Robots running its
// Python client keep working: their messages are mapped here to our samples and events,
// on the edge and on the hub alike. Pure: topic + payload + arrival time in, records out.
// Which converter a topic goes to is core/legacy/topics.ts; what each makes of its payload,
// core/legacy/converters.ts.
import { isObj } from '../json-object.ts'
import { LEGACY_CONVERTERS } from './converters.ts'
import { LegacyMessageError, type LegacyRecord } from './record.ts'
import { legacyTopicOf } from './topics.ts'

/**
 * Map one legacy message. Throws LegacyMessageError with the reason for anything
 * malformed; returns null for a topic outside the legacy layout.
 */
export function adaptLegacyMessage(topic: string, payload: unknown, arrivalMs: number): LegacyRecord | null {
  const t = legacyTopicOf(topic)
  if (!t) return null
  if (!isObj(payload)) throw new LegacyMessageError('payload is not a JSON object')
  return LEGACY_CONVERTERS[t.kind](payload, arrivalMs, t.robotId)
}
