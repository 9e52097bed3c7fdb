// Work that replicas take turns at rather than lease (rewriting the broker's files, creating the
// first admin): a transaction-scoped advisory lock, freed with the transaction, also when the
// replica holding it dies.
import { sql } from 'drizzle-orm'
import type { HubDb } from '../db/database.ts'
import { LEASE_NAMESPACE } from './leases.ts'

export function exclusively<T>(db: HubDb, name: string, fn: () => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LEASE_NAMESPACE}::int, hashtext(${name}))`)
    return fn()
  })
}
