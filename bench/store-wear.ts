// Where the store's writes go at nominal load, part by part: the tick journal, the WAL frames
// of each table and index (read from the WAL file itself: each frame names its page, and dbstat
// says which b-tree owns the page), the checkpoints that copy them into the database, and what
// that leaves (the -shm is mapped, not written). Measured twice in one run: as the edge stores
// now (journal, folded once a minute) and with every tick a SQLite transaction (as before).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../core/log.ts'
import { openEdgeDatabase } from '../edge/store/database.ts'
import { SampleStore } from '../edge/store/sample-store.ts'
import { nominalSeconds } from './nominal-load.ts'
import { writtenBytes } from './proc-io.ts'

const T0 = Date.UTC(2026, 0, 1)

/** The parts a byte written can belong to. */
export const WEAR_PARTS = ['journal', 'chunks', 'rollups', 'minute index', 'meta', 'header', 'other', 'checkpoint'] as const
export type WearPart = (typeof WEAR_PARTS)[number]

export interface WearSplit {
  /** MB per hour of nominal load, each part and in all. */
  mb_per_h: Record<WearPart, number> & { total: number; payload: number }
  /** The process's own count (wchar), against which the parts are checked. */
  measured_mb_per_h: number
}

/** Which part a b-tree's pages are: tables with their indexes. */
function partOf(btree: string | undefined, page: number): WearPart {
  if (page === 1) return 'header'
  if (!btree) return 'other'
  if (btree === 'chunks') return 'chunks'
  if (btree.includes('rollups')) return 'rollups'
  if (btree.includes('chunk_minutes')) return 'minute index'
  if (btree.includes('meta')) return 'meta'
  return 'other'
}

/** The pages of the WAL's current frames, in order (frames past a checksum break are stale). */
function walPages(path: string, pageSize: number): number[] {
  let buf: Buffer
  try {
    buf = readFileSync(`${path}-wal`)
  } catch {
    return []
  }
  if (buf.length < 32) return []
  const salt = [buf.readUInt32BE(16), buf.readUInt32BE(20)]
  const pages: number[] = []
  for (let off = 32; off + 24 + pageSize <= buf.length; off += 24 + pageSize) {
    if (buf.readUInt32BE(off + 8) !== salt[0] || buf.readUInt32BE(off + 12) !== salt[1]) break
    pages.push(buf.readUInt32BE(off))
  }
  return pages
}

/**
 * `seconds` of nominal load through the store as the edge drives it (a tick a second), with the
 * checkpoints taken by hand where SQLite would take them (the same WAL size), so each write is
 * put to its part. `journal: false` stores every tick as a SQLite transaction.
 */
export function measureWear(seconds: number, opts: { journal: boolean }): WearSplit {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wear-'))
  try {
    const path = join(dir, 'edge.db')
    const db = openEdgeDatabase(path)
    const c = db.$client
    const autockpt = (c.query('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint
    const pageSize = (c.query('PRAGMA page_size').get() as { page_size: number }).page_size
    c.exec('PRAGMA wal_autocheckpoint = 0')
    const store = new SampleStore(db, {
      quotaBytes: 1e12,
      retentionRawMs: 1e12,
      retentionRollupMs: 1e12,
      log: silentLogger,
      ...(opts.journal ? {} : { journalPath: null }),
    })
    const bytes = Object.fromEntries(WEAR_PARTS.map((p) => [p, 0])) as Record<WearPart, number>
    let payload = 0
    const insert = (store as unknown as { sql: { insertChunk: { run(...a: unknown[]): unknown } } }).sql
    const realInsert = insert.insertChunk
    insert.insertChunk = {
      run: (...a: unknown[]) => {
        payload += (a[5] as Uint8Array).length
        return realInsert.run(...a)
      },
    }
    const checkpoint = () => {
      const owners = new Map<number, string>()
      for (const r of c.query('SELECT name, pageno FROM dbstat').all() as { name: string; pageno: number }[]) owners.set(r.pageno, r.name)
      for (const p of walPages(path, pageSize)) bytes[partOf(owners.get(p), p)] += pageSize + 24
      const w = writtenBytes()
      c.exec('PRAGMA wal_checkpoint(PASSIVE)')
      bytes.checkpoint += writtenBytes() - w
    }
    const start = writtenBytes()
    let journal = 0
    let i = 0
    for (const tick of nominalSeconds(T0, seconds)) {
      for (const s of tick) store.add(s)
      const before = store.stats().journal_written_bytes
      store.tick(T0 + i++ * 1000 + 999)
      journal += store.stats().journal_written_bytes - before
      if (walPages(path, pageSize).length >= autockpt) checkpoint()
    }
    checkpoint()
    const measured = writtenBytes() - start
    bytes.journal = journal
    // Whatever the process wrote that is none of the above (the WAL's own header, the journal's restarts' headers).
    const accounted = WEAR_PARTS.reduce((a, p) => a + bytes[p], 0)
    bytes.other += Math.max(0, measured - accounted)
    store.close()
    c.close()
    const perH = (b: number) => (b * 3600) / seconds / 1e6
    const mb = Object.fromEntries(WEAR_PARTS.map((p) => [p, perH(bytes[p])])) as Record<WearPart, number>
    return { mb_per_h: { ...mb, total: perH(Math.max(measured, accounted)), payload: perH(payload) }, measured_mb_per_h: perH(measured) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
