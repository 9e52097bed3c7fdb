// The MQTT topic tree (DESIGN.md section 3). Built and parsed here only, so no other
// module concatenates topic strings.

export const TOPIC_ROOT = 'tonypi'

export const ROBOT_CHANNELS = [
  'status',
  'telemetry',
  'performance',
  'servos',
  'sensors',
  'imu',
  'battery',
  'job',
  'command/request',
  'command/response',
  // The sync uplink to the hub: `live` carries a reduced-rate view for the fleet dashboard (its
  // history arrives in sync batches), `sync` tells the robot the hub has something for it.
  'live',
  'sync',
] as const
export type RobotChannel = (typeof ROBOT_CHANNELS)[number]

export const robotTopic = (robotId: string, channel: RobotChannel) => `${TOPIC_ROOT}/${robotId}/${channel}`
export const SYSTEM_ALERTS_TOPIC = `${TOPIC_ROOT}/system/alerts`
export const SYSTEM_BROADCAST_TOPIC = `${TOPIC_ROOT}/system/broadcast`

/** Robot ids are used as topic levels and file names: keep them to a safe alphabet. */
export const ROBOT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/**
 * The first-level names the earlier system used under `tonypi/`; never valid robot ids here.
 * `vision` and `scan` are what its client publishes when a robot program calls its
 * send_vision_data / send_qr_scan (robot_client/tonypi_client.py).
 */
export const LEGACY_ROOT_NAMES = ['sensors', 'servos', 'status', 'battery', 'location', 'logs', 'job', 'commands', 'emergency_stop', 'vision', 'scan'] as const
export type LegacyRoot = (typeof LEGACY_ROOT_NAMES)[number]
export const LEGACY_ROOTS: ReadonlySet<string> = new Set(LEGACY_ROOT_NAMES)
const isLegacyRoot = (s: string): s is LegacyRoot => LEGACY_ROOTS.has(s)

export function isValidRobotId(id: string): boolean {
  return ROBOT_ID_PATTERN.test(id) && id !== 'system' && !LEGACY_ROOTS.has(id)
}

export type ParsedTopic =
  | { kind: 'robot'; robotId: string; channel: RobotChannel }
  | { kind: 'system'; channel: 'alerts' | 'broadcast' }
  | { kind: 'legacy'; root: LegacyRoot; robotId?: string }
  | { kind: 'unknown' }

export function parseTopic(topic: string): ParsedTopic {
  const parts = topic.split('/')
  if (parts[0] !== TOPIC_ROOT || parts.length < 2) return { kind: 'unknown' }
  if (parts[1] === 'system' && parts.length === 3 && (parts[2] === 'alerts' || parts[2] === 'broadcast')) {
    return { kind: 'system', channel: parts[2] }
  }
  const root = parts[1]
  if (isLegacyRoot(root) && parts.length <= 3) {
    return parts.length === 3 ? { kind: 'legacy', root, robotId: parts[2] } : { kind: 'legacy', root }
  }
  const channel = parts.slice(2).join('/')
  if ((ROBOT_CHANNELS as readonly string[]).includes(channel) && isValidRobotId(parts[1])) {
    return { kind: 'robot', robotId: parts[1], channel: channel as RobotChannel }
  }
  return { kind: 'unknown' }
}
