// Logs and jobs that arrive from robots, written to Postgres. Job events (ours on
// `tonypi/{id}/job` and the earlier client's) are applied as the edge applies them
// (core/legacy/mapping.ts), so a repeated "completed" or a straggler after the end changes nothing.
import { and, desc, eq, isNotNull, isNull, type SQL } from 'drizzle-orm'
import type { LegacyRecord } from '../core/legacy/record.ts'
import { planJobReport, type KnownJob } from '../core/legacy/mapping.ts'
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
      ts: new Date(rec.ts),
      level: (LEVELS.has(rec.level) ? rec.level : 'info') as Level,
      category: rec.category,
      robotId: rec.robotId,
      message: rec.message.slice(0, 4000),
      details: rec.details ?? null,
    })
  }

  /**
   * One job message (our layout or the earlier one, decoded to one record), applied as the edge
   * applies it (core/legacy/mapping.ts planJobReport): matched among the jobs the hub made from
   * this robot's reports (a synced robot's own jobs arrive by sync and are the robot's to match).
   * One robot's job messages are applied one at a time, also across the hub's replicas; one the
   * broker sends again (`resent`: it may have been applied before the replica holding it died)
   * opens no second run.
   */
  job(rec: Extract<LegacyRecord, { kind: 'job' }>, resent = false): Promise<void> {
    return exclusively(this.db, `job:${rec.robotId}`, () => this.applyJob(rec, resent))
  }

  private async applyJob(rec: Extract<LegacyRecord, { kind: 'job' }>, resent: boolean) {
    const mine = and(eq(jobs.robotId, rec.robotId), isNull(jobs.edgeKey), rec.taskName !== null ? eq(jobs.taskName, rec.taskName) : undefined)
    const newest = (where: SQL | undefined) => this.db.select().from(jobs).where(where).orderBy(desc(jobs.startedAt), desc(jobs.id)).limit(1)
    if (resent && rec.status === 'started') {
      // A message without a time of its own is stamped on arrival, so its second copy is later.
      const [latest] = await newest(mine)
      if (latest && latest.startedAt.getTime() >= rec.ts - RESENT_WITHIN_MS) return
    }
    const [open] = await newest(and(mine, isNull(jobs.finishedAt)))
    const [last] = await newest(and(mine, isNotNull(jobs.finishedAt)))
    const plan = planJobReport(rec, open ? known(open) : null, last ? known(last) : null)
    const at = new Date(rec.ts)
    const date = (ms: number | null) => (ms === null ? null : new Date(ms))
    if (plan.kind === 'update' && Object.keys(plan.set).length) {
      const { finishedAt, ...set } = plan.set
      await this.db
        .update(jobs)
        .set({ ...set, ...(finishedAt !== undefined ? { finishedAt: date(finishedAt) } : {}), updatedAt: at })
        .where(eq(jobs.id, plan.id))
    } else if (plan.kind === 'create') {
      const j = plan.job
      await this.db.insert(jobs).values({
        robotId: rec.robotId,
        taskName: j.taskName,
        status: j.status,
        itemsDone: j.itemsDone,
        itemsTotal: j.itemsTotal,
        percent: j.percent,
        reason: j.reason,
        startedAt: new Date(j.startedAt),
        finishedAt: date(j.finishedAt),
        updatedAt: at,
      })
    }
  }
}

const known = (r: typeof jobs.$inferSelect): KnownJob => ({
  id: r.id,
  taskName: r.taskName,
  status: r.status,
  itemsDone: r.itemsDone,
  itemsTotal: r.itemsTotal,
  percent: r.percent,
  reason: r.reason,
  finishedAt: r.finishedAt?.getTime() ?? null,
})

/**
 * A job as the API serves it: the edge's record (edge/jobs/job-service.ts JobRecord: snake_case,
 * epoch ms), plus the robot. The hub hears no action or source from robots.
 */
export function jobRecord(r: typeof jobs.$inferSelect) {
  const started = r.startedAt.getTime()
  const finished = r.finishedAt?.getTime() ?? null
  return {
    id: r.id,
    robot_id: r.robotId,
    task_name: r.taskName,
    status: r.status,
    items_done: r.itemsDone,
    items_total: r.itemsTotal,
    percent: r.percent,
    reason: r.reason,
    // A job synced from the robot keeps what the robot recorded; one heard over MQTT has only its report.
    action: r.action ?? null,
    source: r.source ?? 'robot',
    edge_id: r.edgeId,
    started_at: started,
    updated_at: r.updatedAt.getTime(),
    finished_at: finished,
    duration_ms: finished === null ? null : finished - started,
  }
}
