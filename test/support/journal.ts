// What a running (or killed) edge holds in its tick journal besides its database, read from
// outside as the store reads it at start: the ticks and meta values (sync's cursors) that are
// durable but not yet folded into the database (edge/store/tick-journal.ts).
import type { Database } from 'bun:sqlite'
import { Database as Sqlite } from 'bun:sqlite'
import { existsSync } from 'node:fs'
import { decodeRecord, journalPathFor, readJournal, type JournalChunk } from '../../edge/store/tick-journal.ts'

export interface JournalView {
  ticks: number
  chunks: JournalChunk[]
  /** The latest value of each meta key the journal holds. */
  meta: Map<string, string>
}

/** Reads the journal beside `db` (a database opened on the edge's file). */
export function journalOf(db: Database, dbPath: string): JournalView {
  const meta = (k: string) => (db.query('SELECT value FROM meta WHERE key = ?').get(k) as { value: string } | null)?.value
  const view: JournalView = { ticks: 0, chunks: [], meta: new Map() }
  const tag = meta('journal.tag')
  if (!tag) return view
  const found = readJournal(journalPathFor(dbPath), new Uint8Array(Buffer.from(tag, 'hex')))
  if (found.gen === null || found.gen <= Number(meta('journal.folded') ?? 0)) return view
  for (const payload of found.records) {
    const rec = decodeRecord(payload)
    if (rec.kind === 'meta') for (const [k, v] of rec.entries) view.meta.set(k, v)
    else {
      view.ticks++
      view.chunks.push(...rec.chunks)
    }
  }
  return view
}

export function journalTicks(dbPath: string): number {
  if (!existsSync(dbPath)) return 0
  const db = new Sqlite(dbPath, { readonly: true })
  try {
    return journalOf(db, dbPath).ticks
  } finally {
    db.close()
  }
}
