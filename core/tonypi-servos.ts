// TonyPi's 16 LX bus servos: which joint each id drives, and the neutral standing pose.
//
// Evidence for the names (HiWonder's own servo-id diagram could not be found in the searchable
// sources, so the mapping is inferred):
// - HiWonder's action groups (../shared/actiongroups, from a published copy of the TonyPi
//   software): stand.d6a is mirror-symmetric about 500 in the pairs (n, n+8), so ids 1..8 are
//   one side and 9..16 the other. squat.d6a bends 2/3/4 and 10/11/12 far (ankle pitch, knee,
//   hip pitch); go_forward.d6a sways 1/5 and 9/13 together (ankle and hip roll) and swings
//   8/16 against each other (shoulder pitch, arms swinging while walking); wave.d6a raises 16
//   and flaps 14 (shoulder pitch, elbow); 7/15 sit at 800/200 when standing (shoulder roll,
//   arms down at the sides).
// - Which side is "left": two independent third-party TonyPi projects (a Tony Pro servo module
//   and a MediaPipe pose-mimic UI) put ids 1..8 on the robot's left and 9..16 on its right; a
//   third disagrees. Left/right is the robot's own, as it faces forward. Not confirmed against
//   HiWonder's documentation.
// The two head servos are PWM servos, not on the bus, so they are not listed here.

export const TONYPI_SERVOS: readonly { id: number; name: string }[] = [
  { id: 1, name: 'left_ankle_roll' },
  { id: 2, name: 'left_ankle_pitch' },
  { id: 3, name: 'left_knee_pitch' },
  { id: 4, name: 'left_hip_pitch' },
  { id: 5, name: 'left_hip_roll' },
  { id: 6, name: 'left_elbow_pitch' },
  { id: 7, name: 'left_shoulder_roll' },
  { id: 8, name: 'left_shoulder_pitch' },
  { id: 9, name: 'right_ankle_roll' },
  { id: 10, name: 'right_ankle_pitch' },
  { id: 11, name: 'right_knee_pitch' },
  { id: 12, name: 'right_hip_pitch' },
  { id: 13, name: 'right_hip_roll' },
  { id: 14, name: 'right_elbow_pitch' },
  { id: 15, name: 'right_shoulder_roll' },
  { id: 16, name: 'right_shoulder_pitch' },
]

/** Servos 1..16 in HiWonder's stand.d6a (HARDWARE.md section 4): index i is servo i + 1. */
export const TONYPI_STAND_POSE: readonly number[] = [500, 390, 500, 600, 500, 575, 800, 725, 500, 610, 500, 400, 500, 425, 200, 275]

/**
 * The six bus servos the earlier Python client reports (robot_client/tonypi_client.py
 * get_servo_status: SERVO_COUNT 6, "Left Hip", "Left Knee", "Right Hip", "Right Knee", "Head Pan",
 * "Head Tilt"), for the legacy-client profile.
 */
export const LEGACY_CLIENT_SERVOS: readonly { id: number; name: string }[] = [
  { id: 1, name: 'left_hip' },
  { id: 2, name: 'left_knee' },
  { id: 3, name: 'right_hip' },
  { id: 4, name: 'right_knee' },
  { id: 5, name: 'head_pan' },
  { id: 6, name: 'head_tilt' },
]
