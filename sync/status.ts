// Sync's state as the two dashboards read it: the robot's own view (GET sync/status on the
// edge) and the hub's view of each robot (GET sync/status on the hub). Types only, declared
// once for the servers and the dashboard.
import type { LaneMarks } from './protocol.ts'

/** The robot's batches: what is waiting, how far the hub has it, what went wrong. */
export interface SyncStatus {
  configured: true
  connected: boolean
  hub_url: string
  backlog: number
  backlog_by_lane: { events: number; telemetry: number }
  cursor: LaneMarks
  last_ack_ts: number | null
  lag_ms: number
  rate_per_s: number
  dropped: { total: number; by_stream: Record<string, number>; reason: string | null }
  catching_up: boolean
  last_error: string | null
  last_error_ts: number | null
  quarantined: number
  corrected_samples: number
  hub_clock_offset_ms: number | null
}

/** The robot's live link to the hub's broker. */
export interface UplinkStatus {
  connected: boolean
  broker: string | null
  since: number | null
  last_error: string | null
  live_sent: number
  commands: number
}

/** GET /api/v1/sync/status on the edge: with a hub, the batches, the live link and what flows down; without, what is waiting. */
export type EdgeSyncStatus =
  | (SyncStatus & { live: UplinkStatus; down: { last_ts: number | null; last_error: string | null } })
  | { configured: false; connected: false; backlog: number; cursor: LaneMarks; dropped: { total: number; by_stream: Record<string, number> }; message: string }

/** GET /api/v1/sync/status on the hub, per robot. */
export interface RobotSyncStatus {
  robot_id: string
  connected: boolean
  synced: boolean
  backlog: number | null
  high_water: { events: number; telemetry: number } | null
  last_batch_at: number | null
  lag_ms: number | null
  rate_per_s: number | null
  catching_up: boolean
  progress: { records_left: number; eta_s: number | null } | null
  dropped: { total: number; by_stream: Record<string, number>; reason: string | null }
  quarantined: number
  corrected_samples: number
  clock_offset_ms: number | null
}
