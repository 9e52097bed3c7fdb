// How a robot's hub status reads, everywhere it is shown.
import type { Tone } from '../components/card.ts'
import type { FleetRobot } from '../lib/types.ts'

export const FLEET_STATUS: Record<FleetRobot['status'], { label: string; tone: Exclude<Tone, undefined> }> = {
  online: { label: 'Online', tone: 'ok' },
  emergency_stopped: { label: 'Emergency-stopped', tone: 'bad' },
  offline: { label: 'Offline', tone: 'bad' },
  unknown: { label: 'Not connected yet', tone: 'muted' },
}

export function statusView(status: FleetRobot['status'], revoked: boolean) {
  return revoked ? { label: 'Revoked', tone: 'muted' as const } : (FLEET_STATUS[status] ?? FLEET_STATUS.unknown)
}

/** `robot-a` or `Lab robot (robot-a)`. */
export function robotLabel(r: Pick<FleetRobot, 'robot_id' | 'name'>): string {
  return r.name && r.name !== r.robot_id ? `${r.name} (${r.robot_id})` : r.robot_id
}
