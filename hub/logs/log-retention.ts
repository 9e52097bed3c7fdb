// Retention for the hub's system log (logins, robot registrations, robots' own log lines,
// offline notices): rows older than the window go, as on the edge (TONYPI_LOG_RETENTION_DAYS
// there), so a fleet's log does not grow without bound.
import { inArray, lt } from 'drizzle-orm'
import type { Logger } from '../../core/log.ts'
import type { HubDb } from '../db/database.ts'
import { systemLogs } from '../db/schema.ts'

/**
 * Rows per DELETE: the first pass on a large, never-pruned table must not hold one huge
 * transaction (and its locks) while robots keep writing their log lines.
 */
const BATCH = 5_000

/** Deletes system_logs rows stamped before `nowMs - retentionMs`; returns how many went. */
export async function pruneSystemLogs(db: HubDb, nowMs: number, retentionMs: number, batch = BATCH): Promise<number> {
  const cutoff = new Date(nowMs - retentionMs)
  let total = 0
  for (;;) {
    const old = db.select({ id: systemLogs.id }).from(systemLogs).where(lt(systemLogs.ts, cutoff)).limit(batch)
    const gone = await db.delete(systemLogs).where(inArray(systemLogs.id, old)).returning({ id: systemLogs.id })
    total += gone.length
    if (gone.length < batch) return total
  }
}

export interface SystemLogRetention {
  /** Stops the schedule and waits for a pass in progress, so the database can close after it. */
  stop(): Promise<void>
}

/** Prunes now and then every `everyMs` (hourly by default); a failed pass is logged, not thrown. */
export function scheduleSystemLogRetention(deps: { db: HubDb; retentionMs: number; log: Logger; everyMs?: number }): SystemLogRetention {
  let running: Promise<void> = Promise.resolve()
  let stopped = false
  const pass = () => {
    if (stopped) return
    running = running.then(async () => {
      try {
        const n = await pruneSystemLogs(deps.db, Date.now(), deps.retentionMs)
        if (n) deps.log.info('old system log rows deleted', { rows: n, retention_days: deps.retentionMs / 86_400_000 })
      } catch (err) {
        deps.log.error('system log retention pass failed', { error: err as Error })
      }
    })
  }
  pass()
  const timer = setInterval(pass, deps.everyMs ?? 3_600_000)
  // A hub that fails later in its start must still be able to exit.
  timer.unref?.()
  return {
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
    },
  }
}
