// Shapes the dashboard reads from the API. Those the edge and the hub declare are imported
// as types (erased from the bundle: no server code reaches the browser), so a change there
// breaks the typecheck here.
import type { Command, CommandOutcome, PublicUser, RobotStatus, Role, ServoStatus } from '../../core/schemas.ts'
import type { AlertMessage, AlertRecord } from '../../core/alerts/record.ts'
import type { FeedEventName, FeedEvents } from '../../core/events.ts'
import type { Sample, StreamName } from '../../core/streams.ts'
import type { LiveFeedMessage as LiveMessage, LiveRates } from '../../core/live/protocol.ts'
import type { PlayProgress } from '../../drivers/action-groups/player.ts'
import type { HealthReport } from '../../edge/api/health.ts'
import type { RobotView as FleetRobot } from '../../hub/robots/robot-repo.ts'

export type { Command, CommandOutcome, FeedEventName, FeedEvents, LiveMessage, LiveRates, PlayProgress, PublicUser, RobotStatus, Role, ServoStatus, StreamName }

/** `GET /health` of the edge; hub: a robot of the fleet as `GET robots` lists it. */
export type { FleetRobot, HealthReport }

/** `GET /actions`: the action groups installed on the robot and the one playing. */
export interface ActionsResponse {
  dir: string
  names: string[]
  playing: { name: string; progress: PlayProgress | null } | null
  /** The folder could not be read (missing, permissions): `names` is then empty. */
  error?: string
}

export interface LoginResponse {
  access_token: string
  token_type: 'bearer'
  expires_in: number
  user: PublicUser
}

/** A sample as the live feed carries it (core/streams.ts). */
export type LiveSample = Sample

/** Hub: a robot's broker credential, shown once when registered or rotated. */
export interface RobotCredential {
  username: string
  token: string
}

/** Hub: `POST command`'s answer (200 done/accepted; 409 rejected, 502 failed, 504 timeout as errors). */
export interface FleetCommandOutcome {
  id: string
  robot_id: string
  type: string
  state: 'done' | 'accepted' | 'rejected' | 'failed' | 'timeout'
  reason?: string
}

/** A job as the edge and the hub serve it (edge/jobs/job-service.ts JobRecord; the hub adds robot_id). */
export interface JobRow {
  id: number
  robot_id?: string
  task_name: string | null
  status: 'queued' | 'started' | 'in_progress' | 'completed' | 'cancelled' | 'failed'
  items_done: number | null
  items_total: number | null
  percent: number | null
  reason: string | null
  started_at: number
  updated_at: number
  finished_at: number | null
}

/** An alert as the edge and the hub serve it (core/alerts/record.ts), times in epoch ms; and
 * the live feed's `alert` event: the alert as it is now, with what changed. */
export type AlertRow = AlertRecord
export type { AlertMessage }

/** A hub log entry (epoch ms). */
export interface LogRow {
  id: number
  ts: number
  level: 'debug' | 'info' | 'warn' | 'error' | 'critical'
  category: string
  robot_id: string | null
  message: string
  details: unknown
}

export interface ThrottledFlags {
  raw: number
  under_voltage_now: boolean
  freq_capped_now: boolean
  throttled_now: boolean
  soft_temp_limit_now: boolean
  under_voltage_occurred: boolean
  freq_capped_occurred: boolean
  throttled_occurred: boolean
  soft_temp_limit_occurred: boolean
}

export interface PerformanceResponse {
  robot_id: string
  latest: (Record<string, number> & { ts: number; throttled?: ThrottledFlags }) | null
  window?: SensorHistory
}

export type HistoryPoint = Record<string, number | string> & { ts: number }

export interface SensorHistory {
  robot_id?: string
  stream?: StreamName
  resolution: string
  from: number
  to: number
  truncated: boolean
  points: HistoryPoint[]
}

export interface EdgeStats {
  store: {
    seq: number
    db_bytes: number
    quota_bytes: number
    pending_samples: number
    dropped_chunks: number
    dropped_samples: number
    dropped_unwritten_samples: number
    last_flush_ts: number | null
    last_flush_error: string | null
  }
  mqtt: { clients: number; refused_connections: number; refused_publishes: number; refused_subscriptions: number }
  live: { clients: number; sent: number; skipped: number }
  uptime_s: number
}
