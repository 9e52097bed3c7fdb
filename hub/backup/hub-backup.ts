// Backing up the hub's two stores and restoring them into fresh services. A backup is a folder:
// postgres.dump (pg_dump's custom format, for pg_restore), influxdb/ (`influxd backup -portable`,
// which Debian's influxd 1.6 has), and manifest.json with PostgreSQL's row counts per table and
// InfluxDB's points per measurement, which a restore checks its result against.
//
// The hub may keep running during a backup. PostgreSQL's rows are counted in the snapshot that
// pg_dump then dumps (an exported snapshot), so those counts are exact. InfluxDB's are counted
// just before its backup copies the shards, so the copy holds at least those points (more when
// robots wrote in between). The two stores are moments a few seconds apart, as any two databases
// backed up one after the other are.
import { SQL } from 'bun'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { BackupError, intoNewFolder, MANIFEST_FILE, readManifest, sha256 } from '../../core/backup-folder.ts'
import { requireInfluxd, requirePostgres } from '../../tools/services/debian-packages.ts'
import { authorize, endpoint, influxErrorText, type InfluxAuth } from '../influx/auth.ts'

const PG_FILE = 'postgres.dump'
const INFLUX_DIR = 'influxdb'
const KIND = 'tonypi-hub-backup'
const VERSION = 1

export interface HubStores {
  databaseUrl: string
  influx: InfluxAuth & {
    url: string
    db: string
    /** `host:port` of influxd's RPC service (its `bind-address`; Debian's default 127.0.0.1:8088). */
    rpcAddr: string
  }
}

export interface HubBackupManifest {
  kind: typeof KIND
  version: number
  created_at: string
  postgres: { file: string; bytes: number; sha256: string; rows: Record<string, number> }
  /** Counted just before the copy: the copy holds at least these. */
  influxdb: { dir: string; db: string; points: Record<string, number> }
}

export { BackupError as HubBackupError }

type Progress = (step: string) => void

export async function backupHub(stores: HubStores, out: string, onProgress: Progress = () => {}): Promise<HubBackupManifest> {
  return intoNewFolder(out, async (work) => {
    onProgress('postgres: pg_dump')
    const rows = await dumpPostgres(stores.databaseUrl, join(work, PG_FILE), (n) => onProgress(`postgres: ${Object.keys(n).length} tables, ${sum(n)} rows`))
    onProgress('influxdb: counting points')
    const points = await influxPoints(stores.influx)
    onProgress(`influxdb: influxd backup -portable (${Object.keys(points).length} measurements, ${sum(points)} points)`)
    await run('influxd backup', [requireInfluxd(), 'backup', '-portable', '-host', stores.influx.rpcAddr, '-db', stores.influx.db, join(work, INFLUX_DIR)])
    const dump = readFileSync(join(work, PG_FILE))
    const manifest: HubBackupManifest = {
      kind: KIND,
      version: VERSION,
      created_at: new Date().toISOString(),
      postgres: { file: PG_FILE, bytes: dump.length, sha256: sha256(dump), rows },
      influxdb: { dir: INFLUX_DIR, db: stores.influx.db, points },
    }
    writeFileSync(join(work, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 })
    return manifest
  })
}

/**
 * Restores into services that hold no hub data yet (a new host, or ones just started): anything
 * there is refused before a byte is written. PostgreSQL's restore is one transaction; the
 * database's owner (the hub's role) owns what it makes, and the reader role keeps its SELECT
 * through the default privileges the installer granted.
 */
export async function restoreHub(backup: string, stores: HubStores, onProgress: Progress = () => {}): Promise<HubBackupManifest> {
  const from = resolve(backup)
  const m = readHubManifest(from)
  const dump = readFileSync(join(from, m.postgres.file))
  if (sha256(dump) !== m.postgres.sha256) throw new BackupError(`${m.postgres.file} in ${from} is damaged (its SHA-256 is not the manifest's)`)
  if (!existsSync(join(from, m.influxdb.dir))) throw new BackupError(`${from} is incomplete: ${m.influxdb.dir}/ is missing`)

  const have = await postgresRows(stores.databaseUrl)
  if (Object.keys(have).length)
    throw new BackupError(`PostgreSQL already holds ${Object.keys(have).length} tables: restore into an empty database (nothing was changed)`)
  const influx = stores.influx
  const existing = await influxPoints(influx).catch(() => ({}))
  if (sum(existing))
    throw new BackupError(`InfluxDB database ${influx.db} already holds ${sum(existing)} points: restore into an empty one (nothing was changed)`)

  onProgress('postgres: pg_restore')
  const pg = pgConnection(stores.databaseUrl)
  await run(
    'pg_restore',
    [pgProgram('pg_restore'), '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', `--dbname=${pg.dsn}`, join(from, m.postgres.file)],
    pg.env,
  )

  onProgress('influxdb: influxd restore -portable')
  // A portable restore makes the database itself, so an empty one of that name goes first, and
  // the read grants its users had on it (Grafana's reader) are given again after.
  const grants = await influxGrants(influx)
  await influxql(influx, `DROP DATABASE "${influx.db}"`)
  await run('influxd restore', [
    requireInfluxd(),
    'restore',
    '-portable',
    '-host',
    influx.rpcAddr,
    '-db',
    m.influxdb.db,
    '-newdb',
    influx.db,
    join(from, m.influxdb.dir),
  ])
  for (const [user, privilege] of grants) await influxql(influx, `GRANT ${privilege} ON "${influx.db}" TO "${user}"`)

  onProgress('checking the restored counts')
  const rows = await postgresRows(stores.databaseUrl)
  let diff = differences('postgres', m.postgres.rows, rows, (got, want) => got === want)
  // Given a few seconds: the restored shards may answer queries a moment after `influxd restore`
  // returns (two early test runs ended here once each, with the reason not kept).
  for (const until = Date.now() + 15_000; ; ) {
    const influxDiff = differences('influxdb', m.influxdb.points, await influxPoints(influx), (got, want) => got >= want)
    if (!influxDiff.length || Date.now() > until) {
      diff = [...diff, ...influxDiff]
      break
    }
    await Bun.sleep(250)
  }
  if (diff.length) throw new BackupError(`the restore does not hold what the backup counted: ${diff.join('; ')}`)
  return m
}

export function readHubManifest(backup: string): HubBackupManifest {
  return readManifest<HubBackupManifest>(backup, KIND, VERSION, 'a hub backup')
}

/** pg_dump of the snapshot the row counts were taken in (exported from a transaction held open meanwhile). */
async function dumpPostgres(url: string, file: string, counted: (rows: Record<string, number>) => void): Promise<Record<string, number>> {
  const sql = new SQL(url, { max: 1, connectionTimeout: 10 })
  try {
    return await sql.begin(async (tx) => {
      await tx`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`
      const [{ snapshot }] = (await tx`SELECT pg_export_snapshot() AS snapshot`) as { snapshot: string }[]
      const rows = await countRows(tx)
      counted(rows)
      const pg = pgConnection(url)
      await run(
        'pg_dump',
        [pgProgram('pg_dump'), '--format=custom', '--no-owner', '--no-privileges', `--snapshot=${snapshot}`, `--file=${file}`, pg.dsn],
        pg.env,
      )
      return rows
    })
  } finally {
    await sql.close()
  }
}

/** Row counts of every table the hub's role sees outside the system schemas (drizzle's journal included). */
export async function postgresRows(url: string): Promise<Record<string, number>> {
  const sql = new SQL(url, { max: 1, connectionTimeout: 10 })
  try {
    return await countRows(sql)
  } finally {
    await sql.close()
  }
}

async function countRows(sql: SQL): Promise<Record<string, number>> {
  const tables = (await sql`SELECT table_schema AS s, table_name AS t FROM information_schema.tables
    WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`) as { s: string; t: string }[]
  const out: Record<string, number> = {}
  for (const { s, t } of tables) {
    const [r] = (await sql.unsafe(`SELECT count(*)::bigint AS n FROM "${s.replaceAll('"', '""')}"."${t.replaceAll('"', '""')}"`)) as { n: bigint | string }[]
    out[`${s}.${t}`] = Number(r!.n)
  }
  return out
}

/** Points per measurement (the largest field count of each: a point has at least one field). */
export async function influxPoints(influx: HubStores['influx']): Promise<Record<string, number>> {
  const ms = await influxql(influx, 'SHOW MEASUREMENTS', influx.db)
  const names = (ms[0]?.values ?? []).map((v) => String(v[0]))
  const out: Record<string, number> = {}
  for (const name of names) {
    const [s] = await influxql(influx, `SELECT count(*) FROM "${name.replaceAll('"', '\\"')}"`, influx.db)
    out[name] = Math.max(0, ...(s?.values?.[0] ?? []).slice(1).map(Number))
  }
  return out
}

async function influxGrants(influx: HubStores['influx']): Promise<[string, string][]> {
  const users = await influxql(influx, 'SHOW USERS')
  const out: [string, string][] = []
  for (const [user, admin] of users[0]?.values ?? []) {
    if (admin === true) continue
    const grants = await influxql(influx, `SHOW GRANTS FOR "${String(user)}"`)
    for (const [db, privilege] of grants[0]?.values ?? []) {
      if (db === influx.db && privilege !== 'NO PRIVILEGES') out.push([String(user), String(privilege).replace(/^ALL PRIVILEGES$/, 'ALL')])
    }
  }
  return out
}

type Series = { values?: unknown[][] }

async function influxql(influx: HubStores['influx'], q: string, db?: string): Promise<Series[]> {
  const url = endpoint(influx.url, 'query')
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  authorize(url, headers, influx)
  const body = new URLSearchParams({ q })
  if (db) body.set('db', db)
  const res = await fetch(url, { method: 'POST', headers, body })
  const text = await res.text()
  if (!res.ok) throw new BackupError(`InfluxDB at ${influx.url}: ${q}: ${influxErrorText(text)}`)
  const j = JSON.parse(text) as { results: { error?: string; series?: Series[] }[] }
  const err = j.results.find((r) => r.error)?.error
  if (err) throw new BackupError(`InfluxDB: ${q}: ${err}`)
  return j.results[0]?.series ?? []
}

/** The URL without its password (which goes in PGPASSWORD, out of `ps`). */
function pgConnection(url: string): { dsn: string; env: Record<string, string> } {
  const u = new URL(url)
  const password = decodeURIComponent(u.password)
  u.password = ''
  return { dsn: u.toString(), env: password ? { PGPASSWORD: password } : {} }
}

/** The server's own major version's client, not whatever /usr/bin's wrapper picks. */
function pgProgram(name: 'pg_dump' | 'pg_restore'): string {
  return join(dirname(requirePostgres().postgres), name)
}

async function run(what: string, cmd: string[], env: Record<string, string> = {}): Promise<void> {
  const p = Bun.spawn(cmd, { env: { ...process.env, ...env }, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  if (code !== 0) {
    const said = `${err}\n${out}`.trim().split('\n').filter(Boolean).slice(-5).join(' | ')
    throw new BackupError(`${what} failed (exit ${code}): ${said}`)
  }
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0)

function differences(store: string, want: Record<string, number>, got: Record<string, number>, fits: (got: number, want: number) => boolean): string[] {
  const names = new Set([...Object.keys(want), ...Object.keys(got)])
  return [...names].filter((n) => !fits(got[n] ?? 0, want[n] ?? 0)).map((n) => `${store} ${n}: ${got[n] ?? 0} of ${want[n] ?? 0}`)
}
