// The hub's jobs (synced from robots, or made from their job messages): the list, newest first,
// and the edge's job statistics (core/job-stats.ts), fleet-wide and per robot.
import { and, desc, eq, sql, type SQL } from 'drizzle-orm'
import { Elysia, t } from 'elysia'
import { HttpError } from '../../core/http-error.ts'
import { JOB_STATUSES } from '../../core/job-event.ts'
import { jobStats, JobStats, type JobGroup } from '../../core/job-stats.ts'
import { EpochMs } from '../../server/params.ts'
import type { HubContext } from '../context.ts'
import { jobs } from '../db/schema.ts'
import { jobRecord } from '../records.ts'
import type { HubAuth } from './routes.ts'
import { inWindow, Window } from './window-query.ts'

/** What these routes use of the hub. */
type Needs = Pick<HubContext, 'db' | 'robots'>

export function hubJobRoutes(ctx: Needs, auth: HubAuth) {
  return new Elysia()
    .use(auth)
    .get(
      '/jobs',
      async ({ query }) => {
        const where: SQL[] = []
        if (query.robot_id) where.push(eq(jobs.robotId, query.robot_id))
        if (query.status) where.push(eq(jobs.status, query.status))
        where.push(...inWindow(jobs.startedAt, query))
        const rows = await ctx.db
          .select()
          .from(jobs)
          .where(and(...where))
          .orderBy(desc(jobs.startedAt))
          .limit(query.limit ?? 100)
          .offset(query.offset ?? 0)
        return rows.map(jobRecord)
      },
      {
        auth: 'viewer',
        query: t.Object({
          robot_id: t.Optional(t.String({ maxLength: 64 })),
          status: t.Optional(t.Union(JOB_STATUSES.map((s) => t.Literal(s)))),
          ...Window,
        }),
      },
    )
    .get(
      '/jobs/stats',
      async ({ query }) => {
        const where: SQL[] = []
        if (query.robot_id !== undefined) {
          if (!(await ctx.robots.get(query.robot_id))) throw new HttpError(404, 'not_found', `no robot ${query.robot_id}`)
          where.push(eq(jobs.robotId, query.robot_id))
        }
        where.push(...inWindow(jobs.startedAt, query))
        const rows = await ctx.db
          .select({
            robotId: jobs.robotId,
            status: jobs.status,
            n: sql<number>`count(*)::int`,
            finished: sql<number>`count(${jobs.finishedAt})::int`,
            durationMs: sql<number>`coalesce(sum(extract(epoch from ${jobs.finishedAt} - ${jobs.startedAt}) * 1000), 0)::float8`,
          })
          .from(jobs)
          .where(and(...where))
          .groupBy(jobs.robotId, jobs.status)
        const byRobot = new Map<string, JobGroup[]>()
        for (const r of rows) byRobot.set(r.robotId, [...(byRobot.get(r.robotId) ?? []), r])
        return {
          ...jobStats(rows),
          robots: [...byRobot].sort(([a], [b]) => a.localeCompare(b)).map(([robot_id, groups]) => ({ robot_id, ...jobStats(groups) })),
        }
      },
      {
        auth: 'viewer',
        query: t.Object({
          robot_id: t.Optional(t.String({ maxLength: 64 })),
          from: t.Optional(EpochMs('started at or after, epoch ms')),
          to: t.Optional(EpochMs('started at or before, epoch ms')),
        }),
        response: { 200: t.Object({ ...JobStats.properties, robots: t.Array(t.Object({ robot_id: t.String(), ...JobStats.properties })) }) },
        detail: {
          summary:
            "Counts by status, success rate over finished jobs and mean duration: fleet-wide (or one robot's), and per robot (`robots`); an unknown robot is 404",
        },
      },
    )
}
