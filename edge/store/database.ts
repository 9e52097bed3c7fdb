// Opens the edge database: WAL so readers never block the tick's writer, NORMAL sync
// (a power cut loses at most the last tick, never the file), migrations applied at start.
import { Database } from 'bun:sqlite'
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import { migrate } from 'drizzle-orm/bun-sqlite/migrator'
import { chmodSync, closeSync, openSync } from 'node:fs'
import { join } from 'node:path'
import * as schema from './schema.ts'

export type EdgeDb = BunSQLiteDatabase<typeof schema> & { $client: Database }

export const MIGRATIONS_DIR = join(import.meta.dir, 'migrations')

export function openEdgeDatabase(path: string): EdgeDb {
  // The database holds password hashes and the audit trail: only the edge's user may read it.
  // SQLite creates the -wal and -shm files with the database's mode, so 0600 here covers them.
  closeSync(openSync(path, 'a', 0o600))
  chmodSync(path, 0o600)
  const sqlite = new Database(path, { create: true, strict: true })
  // First, so every statement after it waits out a lock another process holds for a moment (a
  // backup, the servo CLI, a previous edge's last checkpoint) instead of failing the start.
  sqlite.exec('PRAGMA busy_timeout = 5000')
  // Only takes effect on a new file. Each tick rewrites the partly filled last page of the
  // chunk table in the WAL: smaller pages make that rewrite cheaper (measured in
  // bench/store.ts: 2 KiB pages write ~25% less than 4 KiB at nominal load).
  sqlite.exec('PRAGMA page_size = 2048')
  sqlite.exec('PRAGMA journal_mode = WAL')
  sqlite.exec('PRAGMA synchronous = NORMAL')
  // The tick writes append at the end and queries read recent chunks: a small page cache
  // serves both, and a robot's memory budget is tight (80 MB RSS, bench/edge-soak.ts).
  sqlite.exec('PRAGMA cache_size = -512')
  sqlite.exec('PRAGMA foreign_keys = ON')
  // Checkpoint less often than the default 1000 pages: each checkpoint rewrites the pages
  // the WAL holds, and a page appended over many ticks is then written to the file once.
  sqlite.exec('PRAGMA wal_autocheckpoint = 4000')
  const db = drizzle(sqlite, { schema }) as EdgeDb
  migrate(db, { migrationsFolder: MIGRATIONS_DIR })
  return db
}
