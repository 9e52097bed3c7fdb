// What the earlier system's messages become here (core/legacy/adapt.ts makes them): one
// record per message, with the reason in a LegacyMessageError when a message is malformed.
import type { Sample } from '../streams.ts'

export type LegacyRecord =
  | { kind: 'samples'; robotId: string; samples: Sample[]; tsTrusted: boolean }
  /** One axis of an IMU reading: the client sends six messages per reading (core/legacy/imu.ts joins them). */
  | { kind: 'imu_axis'; robotId: string; axis: LegacyImuAxis; value: number; ts: number; tsTrusted: boolean }
  | {
      kind: 'status'
      robotId: string
      status: 'online' | 'offline' | 'emergency_stopped'
      ts: number
      tsTrusted: boolean
      samples: Sample[]
      info: Record<string, unknown>
    }
  | { kind: 'log'; robotId: string; ts: number; tsTrusted: boolean; level: LegacyLogLevel; message: string; source: string }
  | {
      kind: 'job'
      robotId: string
      ts: number
      tsTrusted: boolean
      status: LegacyJobStatus
      taskName: string | null
      itemsDone: number | null
      itemsTotal: number | null
      percent: number | null
      reason: string | null
    }
  | { kind: 'command'; robotId: string | 'broadcast'; id: string | null; type: string; params: Record<string, unknown> }
  /** A reply; an emergency stop's comes twice, on `tonypi/emergency_stop/response` and `tonypi/commands/response`. */
  | {
      kind: 'command_response'
      robotId: string
      commandId: string | null
      success: boolean
      message: string
      ts: number
      replyTo: 'commands' | 'emergency_stop'
    }
  /** Something its client publishes that this system does not keep (vision detections), with why. */
  | { kind: 'unused'; robotId: string; reason: string }

export type LegacyLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'critical'

/** The sensor types of its IMU readings (robot_client/tonypi_client.py read_sensors). */
export const LEGACY_IMU_AXES = ['accelerometer_x', 'accelerometer_y', 'accelerometer_z', 'gyroscope_x', 'gyroscope_y', 'gyroscope_z'] as const
export type LegacyImuAxis = (typeof LEGACY_IMU_AXES)[number]
export const isLegacyImuAxis = (t: string): t is LegacyImuAxis => (LEGACY_IMU_AXES as readonly string[]).includes(t)
export type LegacyJobStatus = 'started' | 'in_progress' | 'completed' | 'cancelled' | 'failed'

export class LegacyMessageError extends Error {}
