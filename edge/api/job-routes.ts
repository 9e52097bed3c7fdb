// Jobs under /api/v1: viewers read history and statistics, operators create jobs and report
// their progress (an on-robot program without MQTT rights reports here).
import { Elysia, t } from 'elysia'
import type { EdgeContext } from '../context.ts'
import { JOB_STATUSES, JobError } from '../jobs/job-service.ts'
import { requireRole } from './auth.ts'
import { HttpError } from './errors.ts'

const secured = { security: [{ bearer: [] }] }
const Status = t.Union(JOB_STATUSES.map((s) => t.Literal(s)))
const Count = t.Integer({ minimum: 0, maximum: 10_000_000 })
const Window = {
  from: t.Optional(t.Numeric({ description: 'started at or after, epoch ms' })),
  to: t.Optional(t.Numeric({ description: 'started at or before, epoch ms' })),
}

export function jobRoutes(ctx: EdgeContext) {
  return new Elysia()
    .post('/jobs', ({ headers, body, set }) => {
      const me = requireRole(ctx, headers.authorization, 'operator')
      const job = ctx.jobs.create(body, { user: me.username, source: 'api' })
      set.status = 201
      return job
    }, {
      body: t.Object({
        task_name: t.String({ minLength: 1, maxLength: 200 }),
        items_total: t.Optional(Count),
        action: t.Optional(t.Object({ name: t.String({ minLength: 1, maxLength: 64 }), repeat: t.Optional(t.Integer({ minimum: 0, maximum: 100 })) }, { additionalProperties: false })),
      }, { additionalProperties: false }),
      detail: { ...secured, summary: 'Create a job; with `action` it runs that action group and ends with it' },
    })

    .patch('/jobs/:id', ({ headers, params, body }) => {
      const me = requireRole(ctx, headers.authorization, 'operator')
      try {
        const r = ctx.jobs.update(params.id, body, me.username)
        // A report after the end is refused so the reporter learns its view is stale.
        if (r.ignored) throw new HttpError(409, 'conflict', r.ignored)
        return r.job
      } catch (err) {
        if (err instanceof JobError) throw new HttpError(err.status, 'not_found', err.message)
        throw err
      }
    }, {
      params: t.Object({ id: t.Integer({ minimum: 1 }) }),
      body: t.Object({
        status: t.Optional(Status),
        items_done: t.Optional(t.Union([Count, t.Null()])),
        items_total: t.Optional(t.Union([Count, t.Null()])),
        percent: t.Optional(t.Union([t.Number({ minimum: 0, maximum: 100 }), t.Null()])),
        reason: t.Optional(t.Union([t.String({ maxLength: 500 }), t.Null()])),
      }, { additionalProperties: false }),
      detail: { ...secured, summary: 'Report progress (idempotent; 409 once the job has ended with another status)' },
    })

    .get('/jobs', ({ headers, query }) => {
      requireRole(ctx, headers.authorization, 'viewer')
      return ctx.jobs.list(query)
    }, {
      query: t.Object({ status: t.Optional(Status), ...Window, limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000, description: 'default 100' })) }),
      detail: { ...secured, summary: 'Jobs, newest first' },
    })

    .get('/jobs/stats', ({ headers, query }) => {
      requireRole(ctx, headers.authorization, 'viewer')
      return ctx.jobs.stats(query)
    }, { query: t.Object(Window), detail: { ...secured, summary: 'Counts by status, success rate over finished jobs, mean duration' } })

    .get('/jobs/:id', ({ headers, params }) => {
      requireRole(ctx, headers.authorization, 'viewer')
      return ctx.jobs.get(params.id) ?? (() => { throw new HttpError(404, 'not_found', `no job ${params.id}`) })()
    }, { params: t.Object({ id: t.Integer({ minimum: 1 }) }), detail: secured })
}
