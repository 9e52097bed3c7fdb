// Opens the hub's PostgreSQL through Bun.SQL and drizzle, and applies the committed
// migrations (drizzle records what ran, so a restart applies only what is new).
import { SQL } from 'bun'
import { drizzle, type BunSQLDatabase } from 'drizzle-orm/bun-sql'
import { migrate } from 'drizzle-orm/bun-sql/migrator'
import { join } from 'node:path'
import * as schema from './schema.ts'

export type HubDb = BunSQLDatabase<typeof schema> & { $client: SQL }

export const HUB_MIGRATIONS_DIR = join(import.meta.dir, 'migrations')

export async function openHubDatabase(url: string): Promise<HubDb> {
  const client = new SQL(url, { max: 10, idleTimeout: 30, connectionTimeout: 10 })
  const db = drizzle({ client, schema }) as HubDb
  await migrate(db, { migrationsFolder: HUB_MIGRATIONS_DIR })
  return db
}
