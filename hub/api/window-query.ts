// The time window and paging the hub's audit lists (commands, jobs) take.
import { gte, lte, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import { t } from 'elysia'
import { EpochMs } from '../../server/params.ts'

export const Window = {
  from: t.Optional(EpochMs('epoch ms')),
  to: t.Optional(EpochMs('epoch ms')),
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000 })),
  offset: t.Optional(t.Numeric({ minimum: 0, maximum: 1_000_000 })),
}

/** The conditions of a window's `from` and `to` on a timestamp column. */
export function inWindow(column: PgColumn, q: { from?: number; to?: number }): SQL[] {
  const where: SQL[] = []
  if (q.from !== undefined) where.push(gte(column, new Date(q.from)))
  if (q.to !== undefined) where.push(lte(column, new Date(q.to)))
  return where
}
