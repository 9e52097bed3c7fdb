// Is the robot standing? From the accelerometer alone, as HiWonder's own fall detector
// does. Its detector fires at about 80 degrees from vertical forwards and 70 backwards
// (|atan2(ay, az)| < 10 or > 160); we call it fallen at 65 degrees in any direction, so a
// fall sideways counts too and the dashboard never says "upright" while the robot's own
// get-up routine is already running.
import { GRAVITY } from '../../core/units.ts'

export type Posture = 'upright' | 'tilted' | 'fallen-front' | 'fallen-back' | 'fallen-side' | 'unknown'

const FALLEN_DEG = 65
const TILTED_DEG = 20

export function tiltFromVertical(accel: readonly [number, number, number]): number {
  const [ax, ay, az] = accel
  const n = Math.hypot(ax, ay, az)
  if (n < GRAVITY * 0.3) return NaN // free fall or a dead sensor: no direction to trust
  return (Math.acos(Math.max(-1, Math.min(1, ay / n))) * 180) / Math.PI
}

export function classifyPosture(accel: readonly [number, number, number] | null): Posture {
  if (!accel) return 'unknown'
  const tilt = tiltFromVertical(accel)
  if (Number.isNaN(tilt)) return 'unknown'
  if (tilt < TILTED_DEG) return 'upright'
  if (tilt < FALLEN_DEG) return 'tilted'
  const [ax, , az] = accel
  if (Math.abs(ax) > Math.abs(az)) return 'fallen-side'
  // The TonyPi's IMU has z pointing out of the chest: lying on the front, gravity is +z.
  return az > 0 ? 'fallen-front' : 'fallen-back'
}

export function isFallen(p: Posture): boolean {
  return p.startsWith('fallen')
}

export const POSTURE_LABEL: Record<Posture, string> = {
  upright: 'Upright',
  tilted: 'Tilted',
  'fallen-front': 'Fallen (on its front)',
  'fallen-back': 'Fallen (on its back)',
  'fallen-side': 'Fallen (on its side)',
  unknown: 'No IMU reading',
}
