// Units and conversions of the robot's world. LX bus servos report 0..1000 over
// 0..240 degrees (HARDWARE.md section 1); the earlier system spoke degrees -90..90.

export const DEGREES_PER_UNIT = 0.24
export const POSITION_CENTRE = 500
export const POSITION_MIN = 0
export const POSITION_MAX = 1000

/** Angle from centre in degrees (500 -> 0, 1000 -> +120). */
export function positionToDegrees(position: number): number {
  return (position - POSITION_CENTRE) * DEGREES_PER_UNIT
}

export function degreesToPosition(deg: number): number {
  return Math.round(POSITION_CENTRE + deg / DEGREES_PER_UNIT)
}

/** The earlier Python client reported position as (pulse - 500) / 500 * 90. */
export function legacyDegreesToPosition(deg: number): number {
  return Math.round(POSITION_CENTRE + (deg / 90) * 500)
}

export function clampPosition(position: number, min = POSITION_MIN, max = POSITION_MAX): number {
  return Math.min(max, Math.max(min, Math.round(position)))
}

export type BatteryPack = '2S' | '3S'

/**
 * Resting Li-ion voltage curve per cell (V at state of charge). A linear map from empty to
 * full voltage, as the earlier system did, reads 50 % when the pack is nearly flat: Li-ion
 * cells spend most of their charge on a plateau around 3.6..3.9 V.
 */
const CELL_CURVE: ReadonlyArray<readonly [volts: number, percent: number]> = [
  [3.0, 0],
  [3.3, 5],
  [3.5, 10],
  [3.6, 20],
  [3.7, 40],
  [3.75, 50],
  [3.8, 60],
  [3.9, 72],
  [4.0, 83],
  [4.1, 93],
  [4.2, 100],
]

export function cellsOf(pack: BatteryPack): number {
  return pack === '3S' ? 3 : 2
}

/** Pack voltage range (empty..full), as the earlier system documented: 2S 6.0..8.4 V, 3S 9.0..12.6 V. */
export function packRange(pack: BatteryPack): { empty: number; full: number } {
  const n = cellsOf(pack)
  return { empty: 3.0 * n, full: 4.2 * n }
}

export function batteryPercent(voltageV: number, pack: BatteryPack): number {
  const cell = voltageV / cellsOf(pack)
  if (cell <= CELL_CURVE[0][0]) return 0
  for (let i = 1; i < CELL_CURVE.length; i++) {
    const [v1, p1] = CELL_CURVE[i]
    if (cell <= v1) {
      const [v0, p0] = CELL_CURVE[i - 1]
      return Math.round((p0 + ((cell - v0) / (v1 - v0)) * (p1 - p0)) * 10) / 10
    }
  }
  return 100
}

export const GRAVITY = 9.80665

/**
 * The controller board's IMU has x pointing up where the hat's MPU6050 has y (HiWonder's Pi 5
 * code computes the fall angle as atan2(ax, az), the Pi 4 code as atan2(ay, az)). A quarter
 * turn about z (body x = -board y, body y = board x) gives both one body frame, so attitude and
 * fall detection are shared. The sign of the sideways axis is our assumption (a proper
 * rotation); no HiWonder source states it. Used for accelerations and rotation rates alike.
 */
export function boardImuToBody(v: readonly [number, number, number]): [number, number, number] {
  return [-v[1], v[0], v[2]]
}

/**
 * Roll and pitch from the accelerometer. The TonyPi's MPU6050 is mounted with gravity
 * along its y axis when the robot stands (HARDWARE.md section 3), so "upright" is y-up:
 * pitch tips forward/back (the angle HiWonder's fall detection watches, minus 90),
 * roll tips sideways.
 */
export function attitudeFromAccel(accel: readonly [number, number, number]): { roll_deg: number; pitch_deg: number } {
  const [ax, ay, az] = accel
  const toDeg = 180 / Math.PI
  const pitch = Math.atan2(az, ay) * toDeg
  const roll = Math.atan2(ax, Math.hypot(ay, az)) * toDeg
  return { roll_deg: round2(roll), pitch_deg: round2(pitch) }
}

/** HiWonder's own fall angle: atan2(ay, az) in degrees, near +-90 when upright. */
export function hiwonderFallAngle(accel: readonly [number, number, number]): number {
  return (Math.atan2(accel[1], accel[2]) * 180) / Math.PI
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100
}
