// Job statistics, the same on the edge (its jobs) and the hub (per robot and fleet-wide): counts
// by status, the success rate over finished jobs, the mean duration. Each end groups its table
// by status; the figures are made here.
import { Type as T, type Static } from '@sinclair/typebox'
import { JOB_STATUSES, type JobStatus } from './job-event.ts'

export const JobStats = T.Object({
  total: T.Integer(),
  by_status: T.Record(T.String(), T.Integer()),
  success_rate: T.Union([T.Number(), T.Null()], { description: 'completed / finished (completed, failed, cancelled); null before any finished' }),
  mean_duration_ms: T.Union([T.Number(), T.Null()], { description: 'over finished jobs' }),
})
export type JobStats = Static<typeof JobStats>

/** One status's rows: how many, how many of them finished, and their durations summed (ms). */
export interface JobGroup {
  status: string
  n: number
  finished: number
  durationMs: number
}

export function jobStats(groups: readonly JobGroup[]): JobStats {
  const by_status = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>
  let total = 0,
    finished = 0,
    duration = 0
  for (const g of groups) {
    total += g.n
    by_status[g.status as JobStatus] = (by_status[g.status as JobStatus] ?? 0) + g.n
    finished += g.finished
    duration += g.durationMs
  }
  const ended = by_status.completed + by_status.failed + by_status.cancelled
  return {
    total,
    by_status,
    // Over finished jobs only: a running job has neither succeeded nor failed yet.
    success_rate: ended ? by_status.completed / ended : null,
    mean_duration_ms: finished ? Math.round(duration / finished) : null,
  }
}
