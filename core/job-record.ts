// A job as the edge keeps it and tells it: the API's answer, the `job` event (core/events.ts)
// and the row the hub receives all have this shape.
import type { JobStatus } from './job-event.ts'

export { JOB_STATUSES, type JobStatus } from './job-event.ts'

export type JobRecord = {
  id: number
  task_name: string
  status: JobStatus
  items_done: number | null
  items_total: number | null
  percent: number | null
  reason: string | null
  action: { name: string; repeat?: number; command_id?: string } | null
  source: string
  started_at: number
  updated_at: number
  finished_at: number | null
  duration_ms: number | null
}
