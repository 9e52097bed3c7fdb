// The fleet's log under /api/v1: viewers search, count and export it, operators add notes (kept with
// their name). Exports are made here, not in the browser, so every CSV cell goes through the one
// formula-safe writer (core/csv.ts) that the edge uses.
import { and, desc, eq, gte, ilike, lte, sql, type SQL } from 'drizzle-orm'
import { Elysia, t } from 'elysia'
import { EpochMs } from '../../server/params.ts'
import { toCsv } from '../../core/csv.ts'
import { LogStats, logStats } from '../../core/log-entry.ts'
import type { HubContext } from '../context.ts'
import type { HubAuth } from './routes.ts'
import { systemLogs } from '../db/schema.ts'
import { HttpError } from '../../core/http-error.ts'

/** What these routes use of the hub. */
type Needs = Pick<HubContext, 'db' | 'robots'>

const EXPORT_MAX = 10_000
const LEVELS = ['debug', 'info', 'warn', 'error', 'critical'] as const
const Filters = {
  robot_id: t.Optional(t.String({ maxLength: 64 })),
  level: t.Optional(t.Union(LEVELS.map((s) => t.Literal(s)))),
  category: t.Optional(t.String({ maxLength: 40 })),
  q: t.Optional(t.String({ maxLength: 200, description: 'text to find in the message' })),
  from: t.Optional(EpochMs('epoch ms')),
  to: t.Optional(EpochMs('epoch ms')),
}
const Paging = {
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000, description: 'default 100' })),
  offset: t.Optional(t.Numeric({ minimum: 0, maximum: 1_000_000 })),
}
type Filter = { robot_id?: string; level?: (typeof LEVELS)[number]; category?: string; q?: string; from?: number; to?: number }

/** A log entry as the API serves it: epoch ms and snake_case, like every other hub record. */
function logRecord(r: typeof systemLogs.$inferSelect) {
  // A robot's own event, synced, names its sequence number on the robot (`edge_seq`).
  const edgeSeq = r.edgeKey ? Number(r.edgeKey.slice(r.edgeKey.lastIndexOf(':') + 1)) : null
  return { id: r.id, ts: r.ts.getTime(), level: r.level, category: r.category, robot_id: r.robotId, message: r.message, details: r.details, edge_seq: edgeSeq }
}

function where(f: Filter): SQL | undefined {
  const w: SQL[] = []
  if (f.robot_id) w.push(eq(systemLogs.robotId, f.robot_id))
  if (f.level) w.push(eq(systemLogs.level, f.level))
  if (f.category) w.push(eq(systemLogs.category, f.category))
  if (f.q) w.push(ilike(systemLogs.message, `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`))
  if (f.from !== undefined) w.push(gte(systemLogs.ts, new Date(f.from)))
  if (f.to !== undefined) w.push(lte(systemLogs.ts, new Date(f.to)))
  return and(...w)
}

export function hubLogRoutes(ctx: Needs, auth: HubAuth) {
  const rows = (f: Filter, limit: number, offset = 0) =>
    ctx.db.select().from(systemLogs).where(where(f)).orderBy(desc(systemLogs.ts), desc(systemLogs.id)).limit(limit).offset(offset)
  const stamp = () => new Date().toISOString().replace(/[:.]/g, '-')
  const name = (f: Filter) => `tonypi-${f.robot_id ?? 'fleet'}-logs-${stamp()}`

  return new Elysia()
    .use(auth)
    .get(
      '/logs',
      async ({ query }) => {
        const logs = await rows(query, query.limit ?? 100, query.offset ?? 0)
        const total = (await ctx.db.select({ n: sql<number>`count(*)::int` }).from(systemLogs).where(where(query)))[0].n
        return { total, logs: logs.map(logRecord) }
      },
      { auth: 'viewer', query: t.Object({ ...Filters, ...Paging }), detail: { summary: 'Log entries, newest first, with the total matching' } },
    )

    .get(
      '/logs/stats',
      async ({ query }) => {
        const groups = await ctx.db
          .select({ level: systemLogs.level, category: systemLogs.category, n: sql<number>`count(*)::int` })
          .from(systemLogs)
          .where(where(query))
          .groupBy(systemLogs.level, systemLogs.category)
        return logStats(groups)
      },
      {
        auth: 'viewer',
        query: t.Object(Filters),
        response: { 200: LogStats },
        detail: { summary: 'Counts by level and category of the entries matching the filters' },
      },
    )

    .post(
      '/logs',
      async ({ principal, body, set }) => {
        if (body.robot_id !== undefined && !(await ctx.robots.get(body.robot_id))) throw new HttpError(404, 'not_found', `no robot ${body.robot_id}`)
        const [row] = await ctx.db
          .insert(systemLogs)
          .values({
            level: body.level ?? 'info',
            category: 'note',
            robotId: body.robot_id ?? null,
            message: body.message,
            details: { user: principal.username },
          })
          .returning()
        set.status = 201
        return logRecord(row)
      },
      {
        auth: 'operator',
        body: t.Object(
          {
            message: t.String({ minLength: 1, maxLength: 4000 }),
            level: t.Optional(t.Union([t.Literal('info'), t.Literal('warn'), t.Literal('error'), t.Literal('critical')])),
            robot_id: t.Optional(t.String({ maxLength: 64, description: 'the robot the note is about; none for the fleet' })),
          },
          { additionalProperties: false },
        ),
        detail: { summary: "Add an operator's note to the log" },
      },
    )

    .get(
      '/logs/export/csv',
      async ({ query }) => {
        const logs = await rows(query, EXPORT_MAX)
        const csv = toCsv(
          ['id', 'time', 'level', 'category', 'robot_id', 'message', 'details'],
          logs.map((l) => [l.id, l.ts.toISOString(), l.level, l.category, l.robotId, l.message, l.details === null ? '' : JSON.stringify(l.details)]),
        )
        return new Response(csv, { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name(query)}.csv"` } })
      },
      { auth: 'viewer', query: t.Object(Filters), detail: { summary: `CSV (RFC 4180, formula-safe), up to ${EXPORT_MAX} newest entries` } },
    )

    .get(
      '/logs/export/json',
      async ({ query }) => {
        const logs = await rows(query, EXPORT_MAX)
        return new Response(JSON.stringify({ robot_id: query.robot_id ?? null, exported_at: Date.now(), logs: logs.map(logRecord) }), {
          headers: { 'content-type': 'application/json', 'content-disposition': `attachment; filename="${name(query)}.json"` },
        })
      },
      { auth: 'viewer', query: t.Object(Filters), detail: { summary: `JSON, up to ${EXPORT_MAX} newest entries` } },
    )
}
