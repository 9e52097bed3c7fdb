// Mosquitto's password and ACL files, written from the hub's robots and users, then a
// SIGHUP so the broker reloads them. The broker refuses anonymous clients; a robot may
// publish only under its own id (never on the earlier layout's shared topics, which name the
// robot only in the payload: hub/mqtt/bridge.ts); viewers only subscribe; operators may also
// command. A person's broker password is a generated secret (HubUserRepo.issueBrokerSecret),
// never their login password: Mosquitto cannot throttle guessing, so guessing must be hopeless.
import { readFileSync } from 'node:fs'
import { writeFileAtomic } from '../../server/atomic-file.ts'
import type { Role } from '../../core/schemas.ts'

export interface BrokerAccount {
  username: string
  mqttHash: string
}

export interface BrokerRobot extends BrokerAccount {
  robotId: string
}

export interface BrokerUser extends BrokerAccount {
  role: Role
}

/** Topics of the earlier layout that carry the robot id as the last level. */
const LEGACY_PER_ROBOT = ['sensors', 'servos', 'status', 'logs', 'job']

export function aclFor(service: string, robots: readonly BrokerRobot[], users: readonly BrokerUser[]): string {
  // The hub's replicas also talk among themselves under tonypi-hub/ (hub/cluster/bus.ts): no one else may.
  const lines: string[] = [
    '# Written by the TonyPi hub; edits are overwritten.',
    '',
    `user ${service}`,
    'topic readwrite tonypi/#',
    'topic readwrite tonypi-hub/#',
    '',
  ]
  for (const r of robots) {
    lines.push(`user ${r.username}`)
    lines.push(`topic write tonypi/${r.robotId}/#`)
    lines.push(`topic read tonypi/${r.robotId}/command/request`, `topic read tonypi/${r.robotId}/sync`)
    lines.push('topic read tonypi/system/broadcast')
    for (const root of LEGACY_PER_ROBOT) lines.push(`topic write tonypi/${root}/${r.robotId}`)
    lines.push(`topic read tonypi/commands/${r.robotId}`, 'topic read tonypi/commands/broadcast')
    lines.push(`topic read tonypi/emergency_stop/${r.robotId}`, 'topic read tonypi/emergency_stop/broadcast', '')
  }
  for (const u of users) {
    lines.push(`user ${u.username}`, 'topic read tonypi/#')
    if (u.role !== 'viewer') lines.push('topic write tonypi/+/command/request')
    if (u.role === 'admin') lines.push('topic write tonypi/system/broadcast')
    lines.push('')
  }
  return lines.join('\n')
}

export function passwordFileFor(accounts: readonly BrokerAccount[]): string {
  return accounts.map((a) => `${a.username}:${a.mqttHash}`).join('\n') + '\n'
}

export interface MosquittoFiles {
  passwordFile: string
  aclFile: string
  pidFile?: string
  /** The hub's own account line, kept as the broker had it. */
  service: BrokerAccount
}

export function writeMosquittoAuth(files: MosquittoFiles, robots: readonly BrokerRobot[], users: readonly BrokerUser[]): { reloaded: boolean } {
  // A person can never take the service account's line (or a robot's) in these files.
  const taken = new Set([files.service.username, ...robots.map((r) => r.username)].map((n) => n.toLowerCase()))
  const usable = users.filter(
    (u) => /^[A-Za-z0-9_.@-]+$/.test(u.username) && !taken.has(u.username.toLowerCase()) && !u.username.toLowerCase().startsWith('robot-'),
  )
  writeFileAtomic(files.passwordFile, passwordFileFor([files.service, ...robots, ...usable]))
  writeFileAtomic(files.aclFile, aclFor(files.service.username, robots, usable))
  if (!files.pidFile) return { reloaded: false }
  const pid = Number(readFileSync(files.pidFile, 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 1) return { reloaded: false }
  process.kill(pid, 'SIGHUP')
  return { reloaded: true }
}

/** The service account's hash line from an existing password file (written by the service script). */
export function readServiceAccount(passwordFile: string, username: string): BrokerAccount | null {
  for (const line of readFileSync(passwordFile, 'utf8').split('\n')) {
    const i = line.indexOf(':')
    if (i > 0 && line.slice(0, i) === username) return { username, mqttHash: line.slice(i + 1) }
  }
  return null
}
