// SQLite's online backup API (sqlite3_backup_*) over bun:ffi: bun:sqlite does not expose it.
// It copies a live database page by page from a read transaction, so the edge keeps writing
// (WAL: a reader never blocks the writer) and the copy is one consistent moment of it. A write
// by the edge between two steps restarts the copy; after a few restarts the rest is taken in one
// step, which holds the read transaction to the end and so cannot be restarted.
import { dlopen, FFIType, ptr, type Pointer } from 'bun:ffi'

const OK = 0
const BUSY = 5
const LOCKED = 6
const DONE = 101
const OPEN_READWRITE = 0x02
const OPEN_CREATE = 0x04

type Lib = ReturnType<typeof load>

function load() {
  return dlopen('libsqlite3.so.0', {
    sqlite3_open_v2: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
    sqlite3_close_v2: { args: [FFIType.ptr], returns: FFIType.i32 },
    sqlite3_busy_timeout: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    sqlite3_errmsg: { args: [FFIType.ptr], returns: FFIType.cstring },
    sqlite3_backup_init: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.ptr },
    sqlite3_backup_step: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    sqlite3_backup_remaining: { args: [FFIType.ptr], returns: FFIType.i32 },
    sqlite3_backup_pagecount: { args: [FFIType.ptr], returns: FFIType.i32 },
    sqlite3_backup_finish: { args: [FFIType.ptr], returns: FFIType.i32 },
  }).symbols
}

let lib: Lib | null = null
function sqlite(): Lib {
  try {
    lib ??= load()
  } catch (err) {
    throw new Error(`SQLite's library (libsqlite3.so.0) is needed for the online backup: apt-get install libsqlite3-0 (${(err as Error).message})`)
  }
  return lib
}

const cstr = (s: string) => ptr(Buffer.from(`${s}\0`))

function open(l: Lib, path: string, flags: number): Pointer {
  const out = new BigUint64Array(1)
  const rc = l.sqlite3_open_v2(cstr(path), ptr(out), flags, null)
  const db = Number(out[0]) as Pointer
  if (rc !== OK) {
    const msg = db ? String(l.sqlite3_errmsg(db)) : `code ${rc}`
    if (db) l.sqlite3_close_v2(db)
    throw new Error(`cannot open ${path}: ${msg}`)
  }
  l.sqlite3_busy_timeout(db, 5000)
  return db
}

export interface BackupProgress {
  pages: number
  remaining: number
}

export interface BackupResult {
  pages: number
  /** Times a write by another connection made SQLite start the copy again. */
  restarts: number
}

/** Copies the database at `source` (which may be in use) into the new file `dest`. */
export async function backupDatabase(
  source: string,
  dest: string,
  opts: { pagesPerStep?: number; onProgress?: (p: BackupProgress) => void } = {},
): Promise<BackupResult> {
  const l = sqlite()
  // Without CREATE: a mistyped source is an error, not a new empty database.
  const src = open(l, source, OPEN_READWRITE)
  let dst: Pointer | null = null
  try {
    dst = open(l, dest, OPEN_READWRITE | OPEN_CREATE)
    const b = l.sqlite3_backup_init(dst, cstr('main'), src, cstr('main'))
    if (!b) throw new Error(`backup of ${source} did not start: ${l.sqlite3_errmsg(dst)}`)
    let restarts = 0
    let lastRemaining = Infinity
    let rc = OK
    for (;;) {
      // After three restarts the edge is writing faster than the steps copy: one step to the end.
      const step = restarts >= 3 ? -1 : (opts.pagesPerStep ?? 4096)
      rc = l.sqlite3_backup_step(b, step)
      const remaining = l.sqlite3_backup_remaining(b)
      const pages = l.sqlite3_backup_pagecount(b)
      if (remaining > lastRemaining) restarts++
      lastRemaining = remaining
      if (rc === DONE) break
      if (rc === BUSY || rc === LOCKED) {
        await Bun.sleep(20)
        continue
      }
      if (rc !== OK) break
      opts.onProgress?.({ pages, remaining })
      await Bun.sleep(0)
    }
    const pages = l.sqlite3_backup_pagecount(b)
    const finished = l.sqlite3_backup_finish(b)
    if (rc !== DONE || finished !== OK) throw new Error(`backup of ${source} failed: ${l.sqlite3_errmsg(dst)} (step ${rc}, finish ${finished})`)
    opts.onProgress?.({ pages, remaining: 0 })
    return { pages, restarts }
  } finally {
    if (dst) l.sqlite3_close_v2(dst)
    l.sqlite3_close_v2(src)
  }
}
