// Logs and jobs that arrive from robots, written to Postgres. Job events are applied as a
// lifecycle, so the earlier client's repeated "completed" messages change nothing.
import { and, desc, eq, inArray, isNull } from 'drizzle-orm'
import type { LegacyRecord } from '../core/legacy.ts'
import type { BridgeRecords } from './mqtt/bridge.ts'
import type { HubDb } from './db/database.ts'
import { jobs, systemLogs } from './db/schema.ts'

type Level = (typeof systemLogs.$inferInsert)['level']
const LEVELS = new Set(['debug', 'info', 'warn', 'error', 'critical'])

export class HubRecords implements BridgeRecords {
  constructor(private readonly db: HubDb) {}

  async log(rec: { robotId: string | null; level: string; category: string; message: string; details?: unknown; ts: number }) {
    await this.db.insert(systemLogs).values({
      ts: new Date(rec.ts), level: (LEVELS.has(rec.level) ? rec.level : 'info') as Level, category: rec.category,
      robotId: rec.robotId, message: rec.message.slice(0, 4000), details: rec.details ?? null,
    })
  }

  async job(rec: Extract<LegacyRecord, { kind: 'job' }>) {
    const open = (await this.db.select().from(jobs)
      .where(and(eq(jobs.robotId, rec.robotId), isNull(jobs.finishedAt), inArray(jobs.status, ['started', 'in_progress'])))
      .orderBy(desc(jobs.startedAt)).limit(1))[0]
    const at = new Date(rec.ts)
    const finished = rec.status === 'completed' || rec.status === 'cancelled' || rec.status === 'failed'
    const fields = {
      status: rec.status, updatedAt: at,
      ...(rec.taskName !== null ? { taskName: rec.taskName } : {}),
      ...(rec.itemsDone !== null ? { itemsDone: rec.itemsDone } : {}),
      ...(rec.itemsTotal !== null ? { itemsTotal: rec.itemsTotal } : {}),
      ...(rec.percent !== null ? { percent: rec.percent } : {}),
      ...(rec.reason !== null ? { reason: rec.reason } : {}),
      ...(finished ? { finishedAt: at } : {}),
    }
    if (open) {
      await this.db.update(jobs).set(fields).where(eq(jobs.id, open.id))
      return
    }
    // No open job: a start (or the first progress we hear of) opens one; a repeated end is a no-op.
    if (finished) {
      const last = (await this.db.select().from(jobs).where(eq(jobs.robotId, rec.robotId)).orderBy(desc(jobs.startedAt)).limit(1))[0]
      if (last && last.finishedAt && (rec.taskName === null || last.taskName === rec.taskName)) return
    }
    await this.db.insert(jobs).values({ robotId: rec.robotId, startedAt: at, ...fields })
  }
}
