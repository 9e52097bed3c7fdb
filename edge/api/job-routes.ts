// Jobs under /api/v1: viewers read history and statistics, operators create jobs and report
// their progress (an on-robot program without MQTT rights reports here).
import { Elysia, t } from 'elysia'
import { EpochMs } from '../../server/params.ts'
import type { EdgeContext } from '../context.ts'
import type { EdgeAuth } from './routes.ts'
import { JOB_STATUSES, JobError } from '../jobs/job-service.ts'
import { HttpError } from './errors.ts'

/** What these routes use of the edge. */
type Needs = Pick<EdgeContext, 'jobs'>

const Status = t.Union(JOB_STATUSES.map((s) => t.Literal(s)))
const Count = t.Integer({ minimum: 0, maximum: 10_000_000 })
const Window = {
  from: t.Optional(EpochMs('started at or after, epoch ms')),
  to: t.Optional(EpochMs('started at or before, epoch ms')),
}

export function jobRoutes(ctx: Needs, auth: EdgeAuth) {
  return new Elysia()
    .use(auth)
    .post(
      '/jobs',
      ({ principal, body, set }) => {
        const job = ctx.jobs.create(body, { user: principal.username, source: 'api' })
        set.status = 201
        return job
      },
      {
        auth: 'operator',
        body: t.Object(
          {
            task_name: t.String({ minLength: 1, maxLength: 200 }),
            items_total: t.Optional(Count),
            action: t.Optional(
              t.Object(
                { name: t.String({ minLength: 1, maxLength: 64 }), repeat: t.Optional(t.Integer({ minimum: 0, maximum: 100 })) },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        detail: { summary: 'Create a job; with `action` it runs that action group and ends with it' },
      },
    )

    .patch(
      '/jobs/:id',
      ({ principal, params, body }) => {
        try {
          const r = ctx.jobs.update(params.id, body, principal.username)
          // A report after the end is refused so the reporter learns its view is stale.
          if (r.ignored) throw new HttpError(409, 'conflict', r.ignored)
          return r.job
        } catch (err) {
          if (err instanceof JobError) throw new HttpError(err.status, 'not_found', err.message)
          throw err
        }
      },
      {
        auth: 'operator',
        params: t.Object({ id: t.Integer({ minimum: 1 }) }),
        body: t.Object(
          {
            status: t.Optional(Status),
            items_done: t.Optional(t.Union([Count, t.Null()])),
            items_total: t.Optional(t.Union([Count, t.Null()])),
            percent: t.Optional(t.Union([t.Number({ minimum: 0, maximum: 100 }), t.Null()])),
            reason: t.Optional(t.Union([t.String({ maxLength: 500 }), t.Null()])),
          },
          { additionalProperties: false },
        ),
        detail: { summary: 'Report progress (idempotent; 409 once the job has ended with another status)' },
      },
    )

    .get(
      '/jobs',
      ({ query }) => {
        return ctx.jobs.list(query)
      },
      {
        auth: 'viewer',
        query: t.Object({ status: t.Optional(Status), ...Window, limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000, description: 'default 100' })) }),
        detail: { summary: 'Jobs, newest first' },
      },
    )

    .get(
      '/jobs/stats',
      ({ query }) => {
        return ctx.jobs.stats(query)
      },
      { auth: 'viewer', query: t.Object(Window), detail: { summary: 'Counts by status, success rate over finished jobs, mean duration' } },
    )

    .get(
      '/jobs/:id',
      ({ params }) => {
        return (
          ctx.jobs.get(params.id) ??
          (() => {
            throw new HttpError(404, 'not_found', `no job ${params.id}`)
          })()
        )
      },
      { auth: 'viewer', params: t.Object({ id: t.Integer({ minimum: 1 }) }) },
    )
}
