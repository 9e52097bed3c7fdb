// Retention for the log: events older than the window (TONYPI_LOG_RETENTION_DAYS) go. The
// sample store only ever dropped events under disk-quota pressure, so a quiet robot kept
// every login forever.
import type { EdgeDb } from '../store/database.ts'

/** Deletes events stamped before `nowMs - retentionMs`; returns how many went. */
export function pruneEvents(db: EdgeDb, nowMs: number, retentionMs: number): number {
  return db.$client.query('DELETE FROM events WHERE ts < ?').run(nowMs - retentionMs).changes
}
