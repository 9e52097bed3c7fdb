// The job service alone, on a real SQLite file and the command executor over the simulated
// robot: one row per job updated in place, status only forward, a finished job frozen, reports
// matched to their run by task name, and jobs that run an action group following its command.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { JOB_RUN_GAP_MS, type JobEventRecord } from '../../../core/job-event.ts'
import { JobError, JobService } from '../../../edge/jobs/job-service.ts'
import { jobs } from '../../../edge/store/schema.ts'
import { waitFor } from '../../support/edge-harness.ts'
import { kit, robot, type Kit } from './kit.ts'

let k: Kit
let r: ReturnType<typeof robot>
let svc: JobService
beforeEach(() => {
  k = kit()
  r = robot(k)
  svc = new JobService({ db: k.db, takeSeq: () => k.store.takeSeq(), bus: k.bus, commands: r.commands, log: k.log.child('jobs') })
})
afterEach(async () => {
  await r.commands.idle()
  k.close()
})

const by = { user: 'op', source: 'api' }
const rows = () => k.db.select().from(jobs).all()
const report = (status: JobEventRecord['status'], more: Partial<JobEventRecord> = {}) => ({
  status,
  taskName: 'pick',
  itemsDone: null,
  itemsTotal: null,
  percent: null,
  reason: null,
  ts: 0,
  ...more,
})

describe('JobService', () => {
  test('a job is one row updated in place; items give a percent; each change is announced with its user', () => {
    const job = svc.create({ task_name: 'sort parts', items_total: 8 }, by, 1000)
    expect(job).toMatchObject({ status: 'queued', items_total: 8, started_at: 1000, finished_at: null, duration_ms: null })
    const u = svc.update(job.id, { status: 'in_progress', items_done: 2 }, 'op', 2000)
    expect(u).toMatchObject({ changed: true, job: { status: 'in_progress', items_done: 2, percent: 25 } })
    expect(svc.update(job.id, { items_done: 2 }, 'op', 2500)).toMatchObject({ changed: false })
    const done = svc.update(job.id, { status: 'completed', items_done: 8 }, 'op', 5000).job
    expect(done).toMatchObject({ status: 'completed', percent: 100, finished_at: 5000, duration_ms: 4000 })
    expect(rows()).toHaveLength(1)
    expect(k.events('job').map((e) => [e.status, e.user])).toEqual([
      ['queued', 'op'],
      ['in_progress', 'op'],
      ['completed', 'op'],
    ])
  })

  test('status only moves forward, a finished job never changes, and the reason says why', () => {
    const job = svc.create({ task_name: 't' }, by, 1000)
    svc.update(job.id, { status: 'in_progress' }, 'op', 1100)
    expect(svc.update(job.id, { status: 'started' }, 'op', 1200).job.status).toBe('in_progress')
    svc.update(job.id, { status: 'failed', reason: 'x'.repeat(600) }, 'op', 1300)
    expect(svc.get(job.id)!.reason).toHaveLength(500)
    const late = svc.update(job.id, { status: 'completed', percent: 100 }, 'op', 1400)
    expect(late).toMatchObject({ changed: false, ignored: `job ${job.id} is already failed; completed ignored` })
    expect(svc.update(job.id, { status: 'failed' }, 'op', 1500)).toEqual({ job: svc.get(job.id)!, changed: false })
    expect(svc.get(job.id)).toMatchObject({ status: 'failed', percent: null, finished_at: 1300 })
  })

  test('an unknown job is a 404 and writes nothing', () => {
    const err = (() => {
      try {
        svc.update(99, { status: 'completed' })
      } catch (e) {
        return e
      }
    })() as JobError
    expect(err).toBeInstanceOf(JobError)
    expect([err.status, err.message]).toEqual([404, 'no job 99'])
    expect(() => svc.reported(report('started'), { source: 'mqtt', jobId: 98 })).toThrow('no job 98')
    expect(rows()).toEqual([])
  })

  test("reports without an id join their task's current run; a new run starts after the end", () => {
    const a = svc.reported({ ...report('started'), ts: 1000 }, { source: 'mqtt' }).job
    expect(svc.reported({ ...report('in_progress', { itemsDone: 1, itemsTotal: 4 }), ts: 2000 }, { source: 'mqtt' }).job).toMatchObject({
      id: a.id,
      percent: 25,
    })
    expect(svc.reported({ ...report('completed'), ts: 3000 }, { source: 'mqtt' }).job).toMatchObject({ id: a.id, status: 'completed' })
    // A late repeat of the end joins the finished run and changes nothing.
    expect(svc.reported({ ...report('completed'), ts: 3500 }, { source: 'mqtt' })).toMatchObject({ changed: false, job: { id: a.id } })
    const b = svc.reported({ ...report('started'), ts: 4000 }, { source: 'mqtt' }).job
    expect(b.id).not.toBe(a.id)
    svc.reported({ ...report('completed'), ts: 5000 }, { source: 'mqtt' })
    // Long after the end, any report is a new run; the same name from another source is another job.
    const c = svc.reported({ ...report('in_progress'), ts: 5000 + JOB_RUN_GAP_MS + 1 }, { source: 'mqtt' }).job
    const d = svc.legacy({ ...report('in_progress'), ts: 5000 + JOB_RUN_GAP_MS + 2 }).job
    expect(new Set([a.id, b.id, c.id, d.id]).size).toBe(4)
    expect(d.source).toBe('legacy')
  })

  test('a job that runs an action group starts it and ends when its command does', async () => {
    const job = svc.create({ task_name: 'greet', action: { name: 'stand' } }, by)
    expect(job.status).toBe('started')
    const commandId = job.action!.command_id!
    expect([job.action!.name, typeof commandId]).toEqual(['stand', 'string'])
    const done = await waitFor(
      'the job completed',
      () => {
        const j = svc.get(job.id)!
        return j.status === 'completed' ? j : null
      },
      5000,
    )
    expect(done).toMatchObject({ percent: 100, reason: '1 frame played' })
    expect(
      k
        .events('command')
        .filter((e) => e.id === commandId)
        .map((e) => e.state),
    ).toEqual(['accepted', 'done'])
  })

  test("a job whose action cannot run fails at once with the command's reason", () => {
    const job = svc.create({ task_name: 'dance', action: { name: 'moonwalk' } }, by)
    expect(job.status).toBe('failed')
    expect(job.reason).toStartWith('action moonwalk: ')
    expect(job.reason).toContain('moonwalk')
  })

  test('stats count finished jobs only for the success rate', () => {
    const ids = [1, 2, 3].map((i) => svc.create({ task_name: `t${i}` }, by, 1000).id)
    svc.update(ids[0], { status: 'completed' }, 'op', 3000)
    svc.update(ids[1], { status: 'failed' }, 'op', 5000)
    expect(svc.stats({})).toMatchObject({ total: 3, success_rate: 0.5, mean_duration_ms: 3000, by_status: { queued: 1, completed: 1, failed: 1 } })
    expect(svc.list({ status: 'queued' }).map((j) => j.id)).toEqual([ids[2]])
  })
})
