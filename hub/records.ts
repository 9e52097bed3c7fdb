// Logs and jobs that arrive from robots, written to Postgres. Job events (ours on
// `tonypi/{id}/job` and the earlier client's) are applied as a lifecycle, so a repeated
// "completed" or a straggler after the end changes nothing.
import { and, desc, eq, inArray, isNull } from 'drizzle-orm'
import { isFinishedJobStatus, JOB_RUN_GAP_MS, JOB_STATUS_RANK } from '../core/job-event.ts'
import type { LegacyRecord } from '../core/legacy.ts'
import type { IngestRecords } from './mqtt/ingest.ts'
import type { HubDb } from './db/database.ts'
import { jobs, systemLogs } from './db/schema.ts'
import { exclusively } from './cluster/exclusively.ts'

type Level = (typeof systemLogs.$inferInsert)['level']
/** How soon the broker sends a message again after the replica holding it died. */
const RESENT_WITHIN_MS = 60_000
const LEVELS = new Set(['debug', 'info', 'warn', 'error', 'critical'])

export class HubRecords implements IngestRecords {
  constructor(private readonly db: HubDb) {}

  async log(rec: { robotId: string | null; level: string; category: string; message: string; details?: unknown; ts: number }) {
    await this.db.insert(systemLogs).values({
      ts: new Date(rec.ts), level: (LEVELS.has(rec.level) ? rec.level : 'info') as Level, category: rec.category,
      robotId: rec.robotId, message: rec.message.slice(0, 4000), details: rec.details ?? null,
    })
  }

  /**
   * One job message (our layout or the earlier one, decoded to one record). A report is
   * matched to the robot's open job for its task (any open job when it names no task);
   * with none open, a "started" opens a run, and so does anything else unless it is a
   * repeat or a straggler of the run of that task that just ended, which changes nothing.
   * One robot's job messages are applied one at a time, also across the hub's replicas; one the
   * broker sends again (`resent`: it may have been applied before the replica holding it died)
   * opens no second run.
   */
  job(rec: Extract<LegacyRecord, { kind: 'job' }>, resent = false): Promise<void> {
    return exclusively(this.db, `job:${rec.robotId}`, () => this.applyJob(rec, resent))
  }

  private async applyJob(rec: Extract<LegacyRecord, { kind: 'job' }>, resent: boolean) {
    const mine = and(eq(jobs.robotId, rec.robotId), rec.taskName !== null ? eq(jobs.taskName, rec.taskName) : undefined)
    const open = (await this.db.select().from(jobs)
      .where(and(mine, isNull(jobs.finishedAt), inArray(jobs.status, ['started', 'in_progress'])))
      .orderBy(desc(jobs.startedAt), desc(jobs.id)).limit(1))[0]
    const at = new Date(rec.ts)
    const finished = isFinishedJobStatus(rec.status)
    const fields = {
      status: rec.status, updatedAt: at,
      ...(rec.taskName !== null ? { taskName: rec.taskName } : {}),
      ...(rec.itemsDone !== null ? { itemsDone: rec.itemsDone } : {}),
      ...(rec.itemsTotal !== null ? { itemsTotal: rec.itemsTotal } : {}),
      // `!== null`, not truthiness: a zero percent is a value.
      ...(rec.percent !== null ? { percent: rec.percent } : {}),
      ...(rec.reason !== null ? { reason: rec.reason } : {}),
      ...(finished ? { finishedAt: at } : {}),
    }
    if (resent && rec.status === 'started') {
      // A message without a time of its own is stamped on arrival, so its second copy is later.
      const last = (await this.db.select().from(jobs).where(mine).orderBy(desc(jobs.startedAt), desc(jobs.id)).limit(1))[0]
      if (last && last.startedAt.getTime() >= rec.ts - RESENT_WITHIN_MS) return
    }
    if (open) {
      if (JOB_STATUS_RANK[rec.status] < (JOB_STATUS_RANK[open.status as typeof rec.status] ?? 0)) fields.status = open.status as typeof rec.status
      await this.db.update(jobs).set(fields).where(eq(jobs.id, open.id))
      return
    }
    if (rec.status !== 'started') {
      const last = (await this.db.select().from(jobs).where(mine).orderBy(desc(jobs.startedAt), desc(jobs.id)).limit(1))[0]
      if (last?.finishedAt && rec.ts - last.finishedAt.getTime() <= JOB_RUN_GAP_MS) return
    }
    await this.db.insert(jobs).values({ robotId: rec.robotId, startedAt: at, ...fields })
  }
}

/**
 * A job as the API serves it: the edge's record (edge/jobs/job-service.ts JobRecord: snake_case,
 * epoch ms), plus the robot. The hub hears no action or source from robots.
 */
export function jobRecord(r: typeof jobs.$inferSelect) {
  const started = r.startedAt.getTime()
  const finished = r.finishedAt?.getTime() ?? null
  return {
    id: r.id, robot_id: r.robotId, task_name: r.taskName, status: r.status,
    items_done: r.itemsDone, items_total: r.itemsTotal, percent: r.percent, reason: r.reason,
    // A job synced from the robot keeps what the robot recorded; one heard over MQTT has only its report.
    action: r.action ?? null, source: r.source ?? 'robot', edge_id: r.edgeId,
    started_at: started, updated_at: r.updatedAt.getTime(), finished_at: finished, duration_ms: finished === null ? null : finished - started,
  }
}
