// Retention for the log: events older than the window (TONYPI_LOG_RETENTION_DAYS) go, once the
// hub has them when the robot syncs to one. The sample store only ever dropped events under
// disk-quota pressure, so a quiet robot kept every login forever.
import type { EdgeDb } from '../store/database.ts'

/** Deletes events stamped before `nowMs - retentionMs` (and synced up to `syncedSeq`); returns how many went. */
export function pruneEvents(db: EdgeDb, nowMs: number, retentionMs: number, syncedSeq = Number.MAX_SAFE_INTEGER): number {
  return db.$client.query('DELETE FROM events WHERE ts < ? AND seq <= ?').run(nowMs - retentionMs, syncedSeq).changes
}
