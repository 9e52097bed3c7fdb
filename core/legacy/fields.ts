// How every converter (core/legacy/converters.ts) reads the fields its client puts in each
// message: the robot id, the timestamp, numbers and strings.
import { isValidRobotId } from '../topics.ts'
import { LegacyMessageError } from './record.ts'

/** Timestamps from the earlier client are local time without a zone: hints only. */
const PLAUSIBLE_SKEW_MS = 5 * 60_000

export function legacyTimestamp(raw: unknown, arrivalMs: number): { ts: number; trusted: boolean } {
  if (typeof raw === 'string' || typeof raw === 'number') {
    const t = typeof raw === 'number' ? (raw < 1e11 ? raw * 1000 : raw) : Date.parse(raw)
    if (Number.isFinite(t) && Math.abs(t - arrivalMs) <= PLAUSIBLE_SKEW_MS) return { ts: Math.round(t), trusted: true }
  }
  return { ts: arrivalMs, trusted: false }
}

export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** The topic's robot id, else the payload's; when both are there they must agree. */
export function robotIdOf(topicId: string | undefined, payload: Record<string, unknown>): string {
  const id = topicId ?? str(payload.robot_id)
  if (!id) throw new LegacyMessageError('no robot_id in topic or payload')
  if (!isValidRobotId(id)) throw new LegacyMessageError(`invalid robot_id ${JSON.stringify(id).slice(0, 80)}`)
  if (topicId && payload.robot_id !== undefined && payload.robot_id !== topicId) {
    throw new LegacyMessageError(`robot_id ${JSON.stringify(payload.robot_id)} does not match topic ${topicId}`)
  }
  return id
}
