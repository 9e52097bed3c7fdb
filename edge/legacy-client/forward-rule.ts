// What the earlier client on this robot may hear. In the legacy-client profile every command
// reaches it from the edge, which validated, rate-limited and audited it and waits for its
// answer; the same command sent by an operator's tool on its topics must not reach it a second
// time directly (it would run twice and be answered twice). Its queries (status_request,
// battery_request) move nothing and reach it as they were sent.
import { LEGACY_QUERIES } from '../../core/legacy/mapping.ts'
import { isLegacyCommand, legacyTopicOf } from '../../core/legacy/topics.ts'
import type { ForwardFilter } from '../broker/broker.ts'

export const earlierClientHears: ForwardFilter = (subscriber, packet) => {
  if (subscriber?.kind !== 'local' || packet.publishedBy === undefined) return true
  const t = legacyTopicOf(packet.topic)
  if (!isLegacyCommand(t)) return true
  if (t.kind === 'emergency_stop') return false
  try {
    const type = (JSON.parse(Buffer.from(packet.payload).toString('utf8')) as { type?: unknown }).type
    return (LEGACY_QUERIES as readonly unknown[]).includes(type)
  } catch {
    return false
  }
}
