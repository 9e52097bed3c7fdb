// HiWonder's own fall rule, as its TonyPi demo runs it (Functions/Fall_and_Stand.py in a
// published copy of the TonyPi software, e.g. AaronWard/generative-ai-workbook,
// resources/libs/tonypi_pro_source_code/TonyPi/Functions/Fall_and_Stand.py): the angle
// atan2(ay, az) in degrees reads about +-90 upright; |angle| > 160 for 5 consecutive readings
// means lying on the back, |angle| < 10 for 5 consecutive readings lying on the front.
// The demo then plays stand_up_back / stand_up_front. It is pure: readings in, state out.
import { hiwonderFallAngle } from '../units.ts'

export const FALL_BACK_DEG = 160
export const FALL_FRONT_DEG = 10
export const FALL_READINGS = 5

export type Posture = 'upright' | 'front' | 'back'

export interface FallState {
  posture: Posture
  /** HiWonder's angle of the latest reading, degrees. */
  angle: number
}

export class FallDetector {
  private posture: Posture = 'upright'
  private candidate: Posture = 'upright'
  private run = 0

  /**
   * One accelerometer reading (any unit: only the direction matters). The posture changes
   * after 5 consecutive readings agree on a new one, in either direction: getting back up
   * also needs 5 upright readings, so a robot rolling over on the floor does not flicker.
   */
  update(accel: readonly [number, number, number]): FallState {
    const angle = hiwonderFallAngle(accel)
    const abs = Math.abs(angle)
    const seen: Posture = abs > FALL_BACK_DEG ? 'back' : abs < FALL_FRONT_DEG ? 'front' : 'upright'
    if (seen === this.posture) {
      this.run = 0
    } else {
      this.run = seen === this.candidate ? this.run + 1 : 1
      this.candidate = seen
      if (this.run >= FALL_READINGS) {
        this.posture = seen
        this.run = 0
      }
    }
    return { posture: this.posture, angle }
  }

  get current(): Posture {
    return this.posture
  }
}
