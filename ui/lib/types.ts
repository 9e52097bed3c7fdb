// Shapes the dashboard reads from the API. Those the edge declares in core/ are imported
// as types (erased from the bundle), so a change there breaks the typecheck here.
import type { Command, CommandOutcome, PublicUser, RobotStatus, Role, ServoStatus } from '../../core/schemas.ts'
import type { StreamName } from '../../core/streams.ts'
import type { PlayProgress } from '../../drivers/action-groups/player.ts'

export type { Command, CommandOutcome, PlayProgress, PublicUser, RobotStatus, Role, ServoStatus, StreamName }

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

export interface LiveSample {
  stream: StreamName
  ts: number
  source?: string
  values: Record<string, number>
}

export type LiveMessage =
  | { type: 'hello'; robot_id: string; user: string; role: Role; ts: number }
  | { type: 'samples'; samples: LiveSample[] }
  | { type: 'event'; event: string; level: 'debug' | 'info' | 'warn' | 'error'; ts: number; data: Record<string, unknown> }

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

export interface HealthReport {
  status: 'ok' | 'failing'
  robot_id: string
  ts: number
  failing: string[]
  checks: Record<string, { ok: boolean; detail?: string }>
}

export interface EdgeStats {
  store: {
    seq: number; db_bytes: number; quota_bytes: number; pending_samples: number
    dropped_chunks: number; dropped_samples: number; dropped_unwritten_samples: number
    last_flush_ts: number | null; last_flush_error: string | null
  }
  mqtt: { clients: number; refused_connections: number; refused_publishes: number; refused_subscriptions: number }
  live: { clients: number; sent: number; skipped: number }
  uptime_s: number
}
