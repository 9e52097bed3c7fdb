// Topic permissions of the embedded broker, by role. The edge owns its topic tree: only
// it publishes telemetry there. Operators may command; viewers only read. Programs on the
// robot itself (anonymous, loopback only) may report jobs on `job`, and the earlier
// system's client may publish its own layout.
import { parseTopic } from '../../core/topics.ts'
import { isLegacyCommand, isLegacyReply, legacyTopicOf } from '../../core/legacy/topics.ts'
import { roleAtLeast } from '../../core/roles.ts'
import type { BrokerPrincipal as Principal } from './principal.ts'

const LEGACY_TELEMETRY = new Set(['sensors', 'servos', 'status', 'battery', 'location', 'logs', 'job', 'vision', 'scan'])
/** Where its client answers: commands on `commands/response`, an emergency stop on both. */

export function canPublish(p: Principal, topic: string, robotId: string): string | null {
  const t = parseTopic(topic)
  const operator = p.kind === 'user' && roleAtLeast(p.role, 'operator')
  const admin = p.kind === 'user' && p.role === 'admin'
  if (t.kind === 'robot') {
    if (t.robotId !== robotId) return `topic is for robot ${t.robotId}, this is ${robotId}`
    if (t.channel === 'command/request') return operator ? null : 'commands need the operator role'
    // Job progress comes from the robot's own task programs, like the legacy `tonypi/job/{id}`;
    // an operator reports on a job through PATCH /api/v1/jobs/{id}, which names its user.
    if (t.channel === 'job') return p.kind === 'local' || admin ? null : 'job reports are accepted from the robot itself only'
    return 'only the robot publishes its own telemetry'
  }
  if (t.kind === 'legacy') {
    // Per-robot topics of the earlier layout: this robot's only (or everyone's, for commands).
    const lt = legacyTopicOf(topic)
    const reply = isLegacyReply(lt)
    const command = isLegacyCommand(lt)
    const forUs = t.robotId === undefined || t.robotId === robotId || (t.robotId === 'broadcast' && command) || reply
    if (!forUs) return `topic is for robot ${t.robotId}, this is ${robotId}`
    if (LEGACY_TELEMETRY.has(t.root)) return p.kind === 'local' || admin ? null : 'legacy telemetry is accepted from the robot itself only'
    if (reply) return p.kind === 'local' || admin ? null : 'legacy command responses come from the robot itself only'
    if (command) return operator ? null : 'commands need the operator role'
  }
  if (t.kind === 'system' && t.channel === 'broadcast') return admin ? null : 'broadcasts need the admin role'
  return `publishing to ${topic.slice(0, 120)} is not allowed`
}

export function canSubscribe(p: Principal, filter: string): string | null {
  if (filter.startsWith('$SYS')) return p.kind === 'user' && p.role === 'admin' ? null : '$SYS is for admins'
  if (filter === '#' || filter === 'tonypi/#' || filter.startsWith('tonypi/') || filter === '+/#') return null
  return `subscribing to ${filter.slice(0, 120)} is not allowed`
}
