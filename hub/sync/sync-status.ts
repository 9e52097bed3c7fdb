// A robot's sync as the hub sees it, for the fleet dashboard and GET sync/status: connected or
// not, what is still waiting on the robot and how long catching up will take at the current
// rate, how far behind the hub's copy is, and what the robot had to drop (with the reason).
import { CATCH_UP } from '../../sync/protocol.ts'
import type { RobotSyncStatus } from '../../sync/status.ts'
import type { syncState } from '../db/schema.ts'

type SyncRow = typeof syncState.$inferSelect

export function robotSyncStatus(robotId: string, row: SyncRow | undefined, online: boolean, now: number): RobotSyncStatus {
  const dropped = (row?.dropped ?? {}) as Record<string, number>
  const total = Object.values(dropped).reduce((a, b) => a + b, 0)
  const backlog = row?.backlog ?? null
  const lag = row ? (row.oldestPendingAt ? Math.max(0, now - row.oldestPendingAt.getTime()) : row.lastBatchAt ? 0 : null) : null
  const rate = row?.ratePerS ?? null
  const catchingUp = online && ((backlog ?? 0) > CATCH_UP.records || (lag ?? 0) > CATCH_UP.lagMs)
  return {
    robot_id: robotId,
    connected: online,
    synced: !!row?.lastBatchAt,
    backlog,
    high_water: row ? { events: row.eventsHighWaterSeq, telemetry: row.highWaterSeq } : null,
    last_batch_at: row?.lastBatchAt?.getTime() ?? null,
    lag_ms: lag,
    rate_per_s: rate === null ? null : Math.round(rate * 10) / 10,
    catching_up: catchingUp,
    progress: catchingUp && backlog !== null ? { records_left: backlog, eta_s: rate ? Math.ceil(backlog / rate) : null } : null,
    dropped: {
      total,
      by_stream: dropped,
      reason: total ? "the robot's disk quota was reached while it could not reach the hub: its oldest unsynced samples were dropped" : null,
    },
    quarantined: row?.quarantined ?? 0,
    corrected_samples: row?.correctedSamples ?? 0,
    clock_offset_ms: row?.clockOffsetMs ?? null,
  }
}
