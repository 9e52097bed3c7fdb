// The job message of our own topic tree (`tonypi/{robot_id}/job`): a robot-side program
// reports a job's start, progress and end. Declared once here; decoded into the very record
// the legacy adapter makes of `tonypi/job/{id}`, so the edge's job service and the hub's
// records apply one lifecycle whichever layout the robot speaks.
import { Type as T, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { legacyTimestamp } from './legacy/fields.ts'
import type { LegacyJobStatus, LegacyRecord } from './legacy/record.ts'
import { RobotId } from './schemas.ts'
import { isObj } from './json-object.ts'

export const JOB_EVENT_STATUSES = ['started', 'in_progress', 'completed', 'cancelled', 'failed'] as const satisfies readonly LegacyJobStatus[]

/** Every state a job can be in: `queued` is the API's, before anything started it. */
export const JOB_STATUSES = ['queued', 'started', 'in_progress', 'completed', 'cancelled', 'failed'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

/** Status only moves forward: a late "started" after "in_progress" must not rewind a job. */
export const JOB_STATUS_RANK: Record<JobStatus, number> = { queued: 0, started: 1, in_progress: 2, completed: 3, cancelled: 3, failed: 3 }
export const isFinishedJobStatus = (s: JobStatus) => JOB_STATUS_RANK[s] === 3

/** A job as both ends keep it (the edge's SQLite row and the hub's PostgreSQL row, times in epoch ms). */
export interface JobState {
  taskName: string | null
  status: JobStatus
  itemsDone: number | null
  itemsTotal: number | null
  percent: number | null
  reason: string | null
  finishedAt: number | null
}

/** A report on a job: absent (or null) fields are "not reported", never zero. */
export interface JobProgress {
  status?: JobStatus
  task_name?: string | null
  items_done?: number | null
  items_total?: number | null
  percent?: number | null
  reason?: string | null
}

const given = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null

/**
 * What a report changes on a job, the one lifecycle of the edge and the hub: status only
 * forward, a finished job never again (a repeat of its end changes nothing; anything else is
 * `ignored`, with why), a zero is a value, and a percent derived from items when only items came.
 */
export function jobChanges(cur: JobState, p: JobProgress, now: number): { set: Partial<JobState>; ignored?: string } {
  if (isFinishedJobStatus(cur.status)) {
    const repeat = p.status === undefined || p.status === cur.status
    return { set: {}, ...(repeat ? {} : { ignored: `already ${cur.status}; ${p.status} ignored` }) }
  }
  const set: Partial<JobState> = {}
  if (p.status && JOB_STATUS_RANK[p.status] > JOB_STATUS_RANK[cur.status]) set.status = p.status
  if (given(p.task_name) && cur.taskName !== p.task_name && (cur.taskName === null || cur.taskName === UNNAMED_TASK)) set.taskName = p.task_name.slice(0, 200)
  if (given(p.items_done) && p.items_done !== cur.itemsDone) set.itemsDone = p.items_done
  if (given(p.items_total) && p.items_total !== cur.itemsTotal) set.itemsTotal = p.items_total
  if (given(p.percent) && p.percent !== cur.percent) set.percent = p.percent
  else if (!given(p.percent) && (set.itemsDone !== undefined || set.itemsTotal !== undefined)) {
    // Only items reported: derive the percent so a progress bar moves.
    const done = set.itemsDone ?? cur.itemsDone
    const total = set.itemsTotal ?? cur.itemsTotal
    if (given(done) && given(total) && total > 0) set.percent = Math.round((done / total) * 1000) / 10
  }
  if (given(p.reason) && p.reason !== cur.reason) set.reason = p.reason.slice(0, 500)
  if (set.status && isFinishedJobStatus(set.status)) set.finishedAt = now
  return { set }
}

/** The name a job reported without one gets, on the edge and the hub alike. */
export const UNNAMED_TASK = 'unnamed task'

/**
 * Reports without a job id are matched by task name. A non-"started" report for a task
 * whose last run ended longer ago than this begins a new run; sooner, it is a repeat or a
 * straggler of that run and changes nothing. The edge and the hub both apply it.
 */
export const JOB_RUN_GAP_MS = 10 * 60_000

/** Counts are bounded like the API's PATCH /jobs/{id}; null reads as "not reported". */
const Count = T.Union([T.Integer({ minimum: 0, maximum: 10_000_000 }), T.Null()])

export const JobEvent = T.Object(
  {
    robot_id: T.Optional(RobotId),
    job_id: T.Optional(
      T.Union([T.Integer({ minimum: 1 }), T.Null()], { description: "the edge's job id (from POST /api/v1/jobs); without it the job is matched by task_name" }),
    ),
    task_name: T.Optional(T.Union([T.String({ minLength: 1, maxLength: 200 }), T.Null()])),
    status: T.Union(JOB_EVENT_STATUSES.map((s) => T.Literal(s))),
    items_done: T.Optional(Count),
    items_total: T.Optional(Count),
    percent: T.Optional(T.Union([T.Number({ minimum: 0, maximum: 100 }), T.Null()], { description: '0 is a value: "nothing done yet", not "unknown"' })),
    reason: T.Optional(T.Union([T.String({ maxLength: 500 }), T.Null()])),
    ts: T.Optional(T.Number({ minimum: 1e12, maximum: 1e13, description: 'epoch ms' })),
  },
  {
    // Strict: a misspelt `percentage` must be an error, not progress silently lost.
    additionalProperties: false,
  },
)
export type JobEvent = Static<typeof JobEvent>

export type JobEventRecord = Extract<LegacyRecord, { kind: 'job' }>

export class JobEventError extends Error {}

/** The first schema violation, said so a person can fix the sender. */
function explain(payload: unknown): string {
  if (!isObj(payload)) return 'payload is not a JSON object'
  if (!JOB_EVENT_STATUSES.includes(payload.status as never)) {
    const known = JOB_EVENT_STATUSES.join(', ')
    if (payload.status === undefined) return `job: status is missing (one of ${known})`
    return `job: status ${JSON.stringify(payload.status).slice(0, 40)} is not one of ${known}`
  }
  const e = Value.Errors(JobEvent, payload).First()
  if (!e) return 'job: does not match its schema'
  const key = e.path.split('/')[1] ?? ''
  // A field that may be null fails as "Expected union value": explain the non-null variant's rule.
  const field = (JobEvent.properties as Record<string, TSchema>)[key]
  const variant = field && Array.isArray(field.anyOf) ? (field.anyOf as TSchema[]).find((v) => v.type !== 'null') : undefined
  const inner = variant ? Value.Errors(variant, payload[key]).First() : undefined
  return `job: ${key.slice(0, 40) || '/'}: ${(inner ?? e).message}`
}

/**
 * Decodes a `tonypi/{robotId}/job` payload. Throws JobEventError with the reason for
 * anything malformed. `jobId` names an edge job; the hub has its own ids and ignores it.
 */
export function decodeJobEvent(topicRobotId: string, payload: unknown, arrivalMs: number): { record: JobEventRecord; jobId: number | null } {
  if (!Value.Check(JobEvent, payload)) throw new JobEventError(explain(payload))
  const p = payload
  if (p.robot_id !== undefined && p.robot_id !== topicRobotId) {
    throw new JobEventError(`job: robot_id ${JSON.stringify(p.robot_id)} does not match topic ${topicRobotId}`)
  }
  const jobId = p.job_id ?? null
  const taskName = p.task_name ?? null
  // Without either, a report could only be guessed onto some job: refuse it instead.
  if (jobId === null && taskName === null) throw new JobEventError('job: job_id or task_name is required')
  // Our layout's ts is epoch ms, but a Pi without a clock can still be far off: the same
  // plausibility check as the earlier client's timestamps, arrival time when it fails.
  const { ts, trusted } = legacyTimestamp(p.ts, arrivalMs)
  return {
    jobId,
    record: {
      kind: 'job',
      robotId: topicRobotId,
      ts,
      tsTrusted: trusted,
      status: p.status,
      taskName,
      // `?? null` keeps a 0: only a missing field (or an explicit null) is "not reported".
      itemsDone: p.items_done ?? null,
      itemsTotal: p.items_total ?? null,
      percent: p.percent ?? null,
      reason: p.reason ?? null,
    },
  }
}
