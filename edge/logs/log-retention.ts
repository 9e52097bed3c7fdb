// Retention for the log: events older than the window go. The sample store only ever
// dropped events under disk-quota pressure, so a quiet robot kept every login forever.
import type { EdgeDb } from '../store/database.ts'

/** Until a config key exists for it (TONYPI_LOG_RETENTION_DAYS). */
export const DEFAULT_LOG_RETENTION_MS = 30 * 86_400_000

export function pruneEvents(db: EdgeDb, nowMs: number, retentionMs = DEFAULT_LOG_RETENTION_MS): number {
  return db.$client.query('DELETE FROM events WHERE ts < ?').run(nowMs - retentionMs).changes
}
