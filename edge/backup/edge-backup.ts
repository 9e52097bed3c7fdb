// Backing up a running edge and restoring it onto a fresh card. A backup is a folder: the
// database copied with SQLite's online backup API, the tick journal (the last minute's ticks,
// not yet folded into the database), the data directory's other files (secrets, the hub link),
// and manifest.json with each file's size and SHA-256.
//
// Order matters for the journal: it is copied first, the database second. A fold between the two
// puts the copied ticks into the copied database and records their generation as folded, so the
// restored edge skips the journal; without a fold the restored edge replays it. Either way each
// tick is there once, as of one moment.
import { Database } from 'bun:sqlite'
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { BackupError, intoNewFolder, MANIFEST_FILE, readManifest as readBackupManifest, sha256 } from '../../core/backup-folder.ts'
import { journalPathFor, readJournal } from '../store/tick-journal.ts'
import { JOURNAL_FOLDED_KEY, JOURNAL_TAG_KEY } from '../store/sample-store.ts'
import { backupDatabase, type BackupProgress } from './sqlite-backup.ts'

export const EDGE_DB_FILE = 'edge.db'
export { BackupError }
const KIND = 'tonypi-edge-backup'
const VERSION = 1
/** SQLite's own companions of the database and a journal being rewritten: never copied as files. */
const TRANSIENT = [/-wal$/, /-shm$/, /-journal$/, /\.new$/]

export interface EdgeBackupManifest {
  kind: typeof KIND
  version: number
  created_at: string
  files: { name: string; bytes: number; sha256: string }[]
  database: { pages: number; restarts: number; rows: Record<string, number> }
  /** Ticks in the copied journal that the restored edge will replay (0 when a fold took them in). */
  journal_ticks: number
}

export interface EdgeBackupOptions {
  onProgress?: (p: BackupProgress) => void
}

/** Backs up the edge data directory `dataDir` (the edge may be running) into the new folder `out`. */
export async function backupEdge(dataDir: string, out: string, opts: EdgeBackupOptions = {}): Promise<EdgeBackupManifest> {
  const from = resolve(dataDir)
  const dbPath = join(from, EDGE_DB_FILE)
  if (!existsSync(dbPath)) throw new BackupError(`${from} holds no ${EDGE_DB_FILE}: not an edge data directory (TONYPI_DATA_DIR)`)
  return intoNewFolder(out, async (work) => {
    const journalPath = journalPathFor(dbPath)
    const journalName = basename(journalPath)
    if (existsSync(journalPath)) copyFileSync(journalPath, join(work, journalName))
    const copied = await backupDatabase(dbPath, join(work, EDGE_DB_FILE), { onProgress: opts.onProgress })
    const { rows, tag, folded } = inspectDatabase(join(work, EDGE_DB_FILE))
    let journalTicks = 0
    if (existsSync(join(work, journalName)) && tag) {
      const j = readJournal(join(work, journalName), tag)
      if (j.gen !== null && j.gen > folded) journalTicks = j.records.length
    }
    for (const name of readdirSync(from)) {
      if (name === EDGE_DB_FILE || name === journalName || TRANSIENT.some((re) => re.test(name))) continue
      if (statSync(join(from, name)).isFile()) copyFileSync(join(from, name), join(work, name))
    }
    const manifest: EdgeBackupManifest = {
      kind: KIND,
      version: VERSION,
      created_at: new Date().toISOString(),
      files: readdirSync(work)
        .sort()
        .map((name) => describeFile(join(work, name))),
      database: { pages: copied.pages, restarts: copied.restarts, rows },
      journal_ticks: journalTicks,
    }
    writeFileSync(join(work, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 })
    return manifest
  })
}

/** Restores the backup folder `backup` as the edge data directory `dataDir`, which must not hold a database. */
export async function restoreEdge(backup: string, dataDir: string): Promise<EdgeBackupManifest> {
  const from = resolve(backup)
  const manifest = readManifest(from)
  for (const f of manifest.files) {
    const path = join(from, f.name)
    if (!existsSync(path)) throw new BackupError(`${from} is incomplete: ${f.name} is missing`)
    const bytes = readFileSync(path)
    if (bytes.length !== f.bytes || sha256(bytes) !== f.sha256) throw new BackupError(`${f.name} in ${from} is damaged (its SHA-256 is not the manifest's)`)
  }
  const to = resolve(dataDir)
  if (existsSync(join(to, EDGE_DB_FILE))) {
    throw new BackupError(`${to} already holds an edge database: stop the edge and move that folder aside first (nothing was changed)`)
  }
  await intoNewFolder(
    to,
    (work) => {
      for (const f of manifest.files) copyFileSync(join(from, f.name), join(work, f.name))
      const check = new Database(join(work, EDGE_DB_FILE), { readonly: true })
      try {
        const [row] = check.query('PRAGMA integrity_check').all() as { integrity_check: string }[]
        if (row?.integrity_check !== 'ok') throw new BackupError(`the database in ${from} fails SQLite's integrity check: ${row?.integrity_check}`)
      } finally {
        check.close()
      }
    },
    'is not empty: restore into a new or empty folder (nothing was changed)',
  )
  return manifest
}

export function readManifest(backup: string): EdgeBackupManifest {
  const m = readBackupManifest<EdgeBackupManifest>(backup, KIND, VERSION, 'an edge backup')
  if (!m.files?.some((f) => f.name === EDGE_DB_FILE)) throw new BackupError(`${join(backup, MANIFEST_FILE)} lists no ${EDGE_DB_FILE}`)
  return m
}

function describeFile(path: string) {
  const bytes = readFileSync(path)
  return { name: basename(path), bytes: bytes.length, sha256: sha256(bytes) }
}

/** The copy's integrity, its tables' row counts, and the journal's tag and folded generation. */
function inspectDatabase(path: string): { rows: Record<string, number>; tag: Uint8Array | null; folded: number } {
  const db = new Database(path)
  try {
    const [row] = db.query('PRAGMA integrity_check').all() as { integrity_check: string }[]
    if (row?.integrity_check !== 'ok') throw new BackupError(`the copied database fails SQLite's integrity check: ${row?.integrity_check}`)
    const rows: Record<string, number> = {}
    const tables = db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]
    for (const { name } of tables) rows[name] = (db.query(`SELECT count(*) AS n FROM "${name.replaceAll('"', '""')}"`).get() as { n: number }).n
    const meta = (key: string) => (db.query('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | null)?.value ?? null
    const tagHex = rows.meta !== undefined ? meta(JOURNAL_TAG_KEY) : null
    const folded = rows.meta !== undefined ? Number(meta(JOURNAL_FOLDED_KEY) ?? 0) : 0
    return { rows, tag: tagHex ? new Uint8Array(Buffer.from(tagHex, 'hex')) : null, folded }
  } finally {
    // Closing the last connection checkpoints the copy's WAL into the file and removes it.
    db.close()
  }
}
