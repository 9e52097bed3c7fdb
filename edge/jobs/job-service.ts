// Jobs: tasks the robot performs, with one lifecycle whatever reports them (the API, a
// robot-side program on `tonypi/{id}/job`, the earlier system's `tonypi/job/{id}` messages,
// an action group the job runs). The earlier system inserted a row per "completed" message
// (LEGACY.md flaw 11); here a job is one row, updated in place, and a finished job never
// changes again.
import { and, desc, eq, gte, inArray, isNotNull, isNull, lte, sql, type SQL } from 'drizzle-orm'
import type { RobotEvents } from '../../core/events.ts'
import { JOB_STATUSES, jobChanges, type JobEventRecord, type JobProgress as LifecycleProgress, type JobState, type JobStatus } from '../../core/job-event.ts'
import { jobStats, type JobStats } from '../../core/job-stats.ts'
import type { JobRecord } from '../../core/job-record.ts'
import { planJobReport, type KnownJob } from '../../core/legacy/mapping.ts'
import type { Logger } from '../../core/log.ts'
import type { CommandExecutor } from '../commands/command-executor.ts'
import type { SampleBus } from '../sample-bus.ts'
import type { EdgeDb } from '../store/database.ts'
import { jobs } from '../store/schema.ts'

export { JOB_STATUSES, type JobRecord, type JobStatus }

/** A job message from the robot, as core decodes both MQTT layouts. */
export type JobReport = Pick<JobEventRecord, 'status' | 'taskName' | 'itemsDone' | 'itemsTotal' | 'percent' | 'reason' | 'ts'>
/** Who reported over MQTT: the earlier client (`legacy`) or our own layout (`mqtt`). */
export type JobReportSource = 'legacy' | 'mqtt'

export type JobProgress = Omit<LifecycleProgress, 'task_name'>

/** What became of a report: `ignored` says why nothing changed when that is not a plain repeat. */
export interface JobUpdate {
  job: JobRecord
  changed: boolean
  ignored?: string
}

export class JobError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

type Row = typeof jobs.$inferSelect

function toRecord(r: Row): JobRecord {
  return {
    id: r.id,
    task_name: r.taskName,
    status: r.status,
    items_done: r.itemsDone,
    items_total: r.itemsTotal,
    percent: r.percent,
    reason: r.reason,
    action: (r.action as JobRecord['action']) ?? null,
    source: r.source,
    started_at: r.startedAt,
    updated_at: r.updatedAt,
    finished_at: r.finishedAt,
    duration_ms: r.finishedAt !== null ? r.finishedAt - r.startedAt : null,
  }
}

const stateOf = (r: Row): KnownJob => ({
  id: r.id,
  taskName: r.taskName,
  status: r.status,
  itemsDone: r.itemsDone,
  itemsTotal: r.itemsTotal,
  percent: r.percent,
  reason: r.reason,
  finishedAt: r.finishedAt,
})

export class JobService {
  /** Command id -> job id, for jobs that run an action group. */
  private readonly running = new Map<string, number>()

  constructor(private readonly deps: { db: EdgeDb; takeSeq: () => number; bus: SampleBus; commands: CommandExecutor; log: Logger }) {
    deps.bus.on('command', this, (e) => this.onCommand(e.data))
    deps.bus.on('action.progress', this, (e) => this.onActionProgress(e.data))
  }

  get(id: number): JobRecord | null {
    const r = this.deps.db.select().from(jobs).where(eq(jobs.id, id)).get()
    return r ? toRecord(r) : null
  }

  create(
    req: { task_name: string; items_total?: number; action?: { name: string; repeat?: number } },
    by: { user: string; source: string },
    now = this.deps.bus.now(),
  ): JobRecord {
    const job = this.insert(
      {
        taskName: req.task_name,
        status: req.action ? 'started' : 'queued',
        itemsTotal: req.items_total ?? null,
        action: req.action ?? null,
        source: by.source,
      },
      now,
      by.user,
    )
    if (!req.action) return job
    const out = this.deps.commands.submit({
      body: { type: 'action.run', name: req.action.name, ...(req.action.repeat !== undefined ? { repeat: req.action.repeat } : {}) },
      username: by.user,
      origin: 'api',
    })
    if (out.state === 'rejected')
      return this.update(job.id, { status: 'failed', reason: `action ${req.action.name}: ${out.reason ?? 'rejected'}` }, by.user).job
    this.running.set(out.id, job.id)
    this.deps.db
      .update(jobs)
      .set({ action: { ...req.action, command_id: out.id } })
      .where(eq(jobs.id, job.id))
      .run()
    return this.get(job.id)!
  }

  /** Applies a progress report (the one lifecycle, core/job-event.ts jobChanges). Repeats change nothing; anything after the end is ignored with a reason. */
  update(id: number, p: JobProgress, user?: string, now = this.deps.bus.now()): JobUpdate {
    const row = this.deps.db.select().from(jobs).where(eq(jobs.id, id)).get()
    if (!row) throw new JobError(404, `no job ${id}`)
    const { set, ignored } = jobChanges(stateOf(row), p, now)
    if (ignored) return { job: toRecord(row), changed: false, ignored: `job ${id} is ${ignored}` }
    return this.write(row, set, now, user)
  }

  private write(row: Row, set: Partial<JobState>, now: number, user?: string): JobUpdate {
    if (Object.keys(set).length === 0) return { job: toRecord(row), changed: false }
    const { taskName, ...rest } = set
    this.deps.db
      .update(jobs)
      .set({ ...rest, ...(taskName ? { taskName } : {}), seq: this.deps.takeSeq(), updatedAt: now })
      .where(eq(jobs.id, row.id))
      .run()
    const updated = this.get(row.id)!
    this.announce(updated, user)
    return { job: updated, changed: true }
  }

  /** The earlier system's job message: matched to its task's current run by name (it has no id). */
  legacy(rec: JobReport): JobUpdate {
    return this.reported(rec, { source: 'legacy' })
  }

  /**
   * A job message from the robot. With a job id it reports on that job (one created through
   * the API, say; an unknown id is a JobError 404). Without one, it goes where the one mapping
   * of the edge and the hub says (core/legacy/mapping.ts planJobReport), among that source's
   * jobs, at the report's own time.
   */
  reported(rec: JobReport, by: { source: JobReportSource; jobId?: number | null }): JobUpdate {
    const progress: JobProgress = { status: rec.status, items_done: rec.itemsDone, items_total: rec.itemsTotal, percent: rec.percent, reason: rec.reason }
    if (by.jobId !== undefined && by.jobId !== null) return this.update(by.jobId, progress, undefined, rec.ts)
    const mine = and(eq(jobs.source, by.source), rec.taskName !== null ? eq(jobs.taskName, rec.taskName) : undefined)
    const open = this.deps.db
      .select()
      .from(jobs)
      .where(and(mine, isNull(jobs.finishedAt)))
      .orderBy(desc(jobs.id))
      .limit(1)
      .get()
    const last = this.deps.db
      .select()
      .from(jobs)
      .where(and(mine, isNotNull(jobs.finishedAt)))
      .orderBy(desc(jobs.id))
      .limit(1)
      .get()
    const plan = planJobReport(rec, open ? stateOf(open) : null, last ? stateOf(last) : null)
    switch (plan.kind) {
      case 'update': {
        if (plan.ignored) return { job: toRecord(open!), changed: false, ignored: `job ${open!.id} is ${plan.ignored}` }
        return this.write(open!, plan.set, rec.ts)
      }
      case 'ignore':
        return { job: toRecord(last!), changed: false, ignored: plan.reason }
      case 'create': {
        const { startedAt, taskName, ...fields } = plan.job
        const row = this.deps.db
          .insert(jobs)
          .values({
            ...fields,
            taskName: (taskName ?? '').slice(0, 200),
            action: null,
            source: by.source,
            seq: this.deps.takeSeq(),
            startedAt,
            updatedAt: rec.ts,
          })
          .returning()
          .get()
        const job = toRecord(row)
        this.announce(job)
        return { job, changed: true }
      }
    }
  }

  list(q: { status?: JobStatus; from?: number; to?: number; limit?: number }): JobRecord[] {
    return this.deps.db
      .select()
      .from(jobs)
      .where(this.window(q))
      .orderBy(desc(jobs.startedAt), desc(jobs.id))
      .limit(Math.min(q.limit ?? 100, 1000))
      .all()
      .map(toRecord)
  }

  stats(q: { from?: number; to?: number }): JobStats {
    const groups = this.deps.db
      .select({
        status: jobs.status,
        n: sql<number>`count(*)`,
        finished: sql<number>`count(${jobs.finishedAt})`,
        durationMs: sql<number>`coalesce(sum(${jobs.finishedAt} - ${jobs.startedAt}), 0)`,
      })
      .from(jobs)
      .where(this.window(q))
      .groupBy(jobs.status)
      .all()
    return jobStats(groups)
  }

  private window(q: { status?: JobStatus; from?: number; to?: number }): SQL | undefined {
    const w: SQL[] = []
    if (q.status) w.push(inArray(jobs.status, [q.status]))
    if (q.from !== undefined) w.push(gte(jobs.startedAt, q.from))
    if (q.to !== undefined) w.push(lte(jobs.startedAt, q.to))
    return w.length ? and(...w) : undefined
  }

  private insert(
    v: { taskName: string; status: JobStatus; itemsTotal: number | null; action: JobRecord['action']; source: string },
    now: number,
    user?: string,
    quiet = false,
  ): JobRecord {
    const row = this.deps.db
      .insert(jobs)
      .values({
        ...v,
        taskName: v.taskName.slice(0, 200),
        seq: this.deps.takeSeq(),
        startedAt: now,
        updatedAt: now,
      })
      .returning()
      .get()
    const job = toRecord(row)
    if (!quiet) this.announce(job, user)
    return job
  }

  private announce(job: JobRecord, user?: string) {
    const level = job.status === 'failed' ? 'warn' : 'info'
    this.deps.bus.event('job', level, { ...job, ...(user ? { user } : {}) }, job.updated_at)
  }

  private onCommand(d: RobotEvents['command']) {
    const jobId = this.running.get(String(d.id))
    if (jobId === undefined) return
    const reason = typeof d.reason === 'string' ? d.reason : null
    if (d.state === 'done') {
      this.running.delete(String(d.id))
      this.update(jobId, { status: 'completed', percent: 100, reason })
    } else if (d.state === 'failed' || d.state === 'rejected') {
      this.running.delete(String(d.id))
      this.update(jobId, { status: 'failed', reason })
    }
  }

  /** One group plays at a time, so the progress belongs to the one running action job. */
  private onActionProgress(d: RobotEvents['action.progress']) {
    if (this.running.size !== 1) return
    const jobId = [...this.running.values()][0]
    const frame = Number(d.frame),
      frames = Number(d.frames),
      rep = Number(d.repetition),
      repeat = Number(d.repeat)
    if (!(frames > 0) || !(repeat > 0)) return // repeat 0 plays until stopped: no percent to give
    const pct = Math.floor((((rep - 1) * frames + frame) / (frames * repeat)) * 100)
    const job = this.get(jobId)
    // Steps of 10 %: every frame taking a sequence number and a row write would swamp sync.
    if (job && (job.percent === null || pct - job.percent >= 10) && pct < 100) this.update(jobId, { status: 'in_progress', percent: pct })
  }
}
