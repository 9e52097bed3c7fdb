// The log under /api/v1: viewers search, count and export it, operators add notes (kept with
// their name, as the earlier system's free-text log never was).
import { Elysia, t } from 'elysia'
import { EpochMs } from '../../server/params.ts'
import type { EdgeContext } from '../context.ts'
import type { EdgeAuth } from './routes.ts'
import { logsToCsv } from '../logs/log-export.ts'
import { LOG_LEVELS, logCounts, queryLogs, type LogQuery } from '../logs/log-query.ts'
import { LogStats, toEntry } from '../../core/log-entry.ts'

/** What these routes use of the edge. */
type Needs = Pick<EdgeContext, 'bus' | 'db' | 'log' | 'robotId' | 'store'>

const EXPORT_MAX = 10_000
const Filters = {
  level: t.Optional(t.String({ maxLength: 64, description: 'debug, info, warn, error; comma-separated for several' })),
  category: t.Optional(t.String({ maxLength: 256, description: 'event kind: command, alert, estop, login, note, job, servo.silent, ...; comma-separated' })),
  q: t.Optional(t.String({ maxLength: 200, description: 'text to find in the details' })),
  from: t.Optional(EpochMs('epoch ms')),
  to: t.Optional(EpochMs('epoch ms')),
}
const Paging = {
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000, description: 'default 100' })),
  offset: t.Optional(t.Numeric({ minimum: 0, maximum: 1_000_000 })),
}

export function logRoutes(ctx: Needs, auth: EdgeAuth) {
  // Events wait for the store's next tick; writing them now makes a read see its own writes.
  const flush = () => {
    try {
      ctx.store.tick(Date.now())
    } catch (err) {
      ctx.log.warn('log read: the early tick failed; recent events may be missing', { error: err as Error })
    }
  }
  const read = (q: LogQuery, max?: number) => {
    flush()
    return queryLogs(ctx.db, q, max)
  }
  const stamp = () => new Date().toISOString().replace(/[:.]/g, '-')

  return new Elysia()
    .use(auth)
    .get(
      '/logs',
      ({ query }) => {
        return read(query)
      },
      { auth: 'viewer', query: t.Object({ ...Filters, ...Paging }), detail: { summary: 'Log entries, newest first, with the total matching' } },
    )

    .get(
      '/logs/stats',
      ({ query }) => {
        flush()
        return logCounts(ctx.db, query)
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
      ({ principal, body, set }) => {
        const ts = Date.now()
        const data = { message: body.message, user: principal.username }
        ctx.bus.event('note', body.level ?? 'info', data, ts)
        set.status = 201
        const stored = read({ category: 'note', from: ts, to: ts, limit: 1 }).logs[0]
        return stored ?? toEntry(0, ts, 'note', body.level ?? 'info', data)
      },
      {
        auth: 'operator',
        body: t.Object(
          {
            message: t.String({ minLength: 1, maxLength: 4000 }),
            level: t.Optional(t.Union(LOG_LEVELS.filter((l) => l !== 'debug').map((l) => t.Literal(l)))),
          },
          { additionalProperties: false },
        ),
        detail: { summary: "Add an operator's note to the log" },
      },
    )

    .get(
      '/logs/export/csv',
      ({ query }) => {
        return new Response(logsToCsv(read({ ...query, limit: EXPORT_MAX }, EXPORT_MAX).logs), {
          headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="tonypi-${ctx.robotId}-logs-${stamp()}.csv"` },
        })
      },
      { auth: 'viewer', query: t.Object(Filters), detail: { summary: `CSV (RFC 4180, formula-safe), up to ${EXPORT_MAX} newest entries` } },
    )

    .get(
      '/logs/export/json',
      ({ query }) => {
        const r = read({ ...query, limit: EXPORT_MAX }, EXPORT_MAX)
        return new Response(JSON.stringify({ robot_id: ctx.robotId, exported_at: Date.now(), ...r }), {
          headers: { 'content-type': 'application/json', 'content-disposition': `attachment; filename="tonypi-${ctx.robotId}-logs-${stamp()}.json"` },
        })
      },
      { auth: 'viewer', query: t.Object(Filters), detail: { summary: `JSON, up to ${EXPORT_MAX} newest entries` } },
    )
}
