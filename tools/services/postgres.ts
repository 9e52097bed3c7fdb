// A throwaway PostgreSQL from Debian's package: its own cluster in a data directory, on a free
// loopback port, reused on the next start with the same directory.
//
// Layout of `dir`:
//   pgdata/            the cluster (initdb); its tonypi.conf is rewritten on every start
//   credentials.json   the application role's generated password (0600)
//   postgres.log       the server's output (initdb.log: the first start's initdb)
//   postgres.pid       who runs it and who started it (see service-process.ts)
//   .s.PGSQL.<port>    the unix socket (the superuser's only way in)
//
// Who runs it: PostgreSQL refuses to run as root, so as root it runs as the `postgres` account
// that the package creates (dropped with setpriv, which also sets the parent-death signal); the
// directory is handed to that account, and kept under /var/lib/tonypi-hub-dev (behind a symlink)
// when that account cannot enter the data directory. As anyone else it runs as that user.
//
// Auth: TCP on 127.0.0.1 only, scram-sha-256 for the application role (no trust over TCP: the
// hub's code must send the password it will send in production). The superuser has no password
// and can only come in over the unix socket, whose directory is 0700 to the server's account.

import { chownSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { dirname, join } from 'node:path'
import { SQL } from 'bun'
import type { Logger } from '../../core/log.ts'
import { silentLogger } from '../../core/log.ts'
import { requirePostgres } from './debian-packages.ts'
import { ServiceProcess, runToCompletion, startWithFreePorts } from './service-process.ts'
import { generatePassword, readSecretJson, writeSecretJson } from './secret-file.ts'
import { isRoot, lookupSystemUser, reachableDir, type SystemUser } from './system-user.ts'

export interface PostgresOptions {
  /** The service's own directory (dev-services uses `<dataDir>/postgres`). */
  dir: string
  /** Application role and database, created on first start (defaults: tonypi, tonypi). */
  user?: string
  database?: string
  /** Try this port first (a free one is used when it is taken). */
  port?: number
  log?: Logger
}

export interface PostgresService {
  /** `postgres://user:password@127.0.0.1:port/database` */
  url: string
  port: number
  /** The server's process id (it leads its own process group). */
  pid: number
  user: string
  password: string
  database: string
  /** A role that may only read (SELECT) the database: for Grafana, never the hub's own. */
  readerUrl: string
  dir: string
  stop(): Promise<void>
}

interface Credentials {
  readerPassword?: string
  user: string
  password: string
  database: string
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/
const SUPERUSER = 'postgres'
// sockaddr_un.sun_path is 108 bytes with its NUL; PostgreSQL refuses a longer socket path.
const MAX_SOCKET_PATH = 107

export async function startPostgres(opts: PostgresOptions): Promise<PostgresService> {
  const log = (opts.log ?? silentLogger).child('postgres')
  const user = opts.user ?? 'tonypi'
  const database = opts.database ?? 'tonypi'
  for (const n of [user, database]) if (!NAME.test(n)) throw new Error(`postgres: '${n}' is not a plain lower-case SQL name`)
  const pg = requirePostgres()
  const started = performance.now()

  let runAs: SystemUser | undefined
  if (isRoot()) {
    const account = lookupSystemUser('postgres')
    if (!account) throw new Error("postgres: running as root, but there is no 'postgres' account to run the server as (reinstall the postgresql package)")
    runAs = account
  }
  // As root, the server runs as `postgres`, which may not be able to enter the data directory
  // (a checkout in /root): its data is then kept where it can, behind a symlink (reachableDir).
  const dir = runAs ? reachableDir(runAs, opts.dir, dirname(opts.dir)) : opts.dir
  const pgdata = join(dir, 'pgdata')
  mkdirSync(dir, { recursive: true })
  if (runAs) chownSync(dir, runAs.uid, runAs.gid)
  chmodSync(dir, 0o700)
  const socketDir = socketDirFor(dir, runAs)

  const credFile = join(dir, 'credentials.json')
  const saved = readSecretJson<Credentials>(credFile)
  const creds: Credentials = { user, database, password: saved?.password ?? generatePassword(), readerPassword: saved?.readerPassword ?? generatePassword() }
  // Saved before the role exists, so a crash in between cannot strand a role whose password
  // nobody knows; bootstrap() makes the server agree with this file on every start.
  if (!saved || saved.user !== user || saved.database !== database || !saved.readerPassword) writeSecretJson(credFile, creds)

  const initialized = existsSync(join(dir, 'initdb.done'))
  if (initialized) {
    const made = readFileSync(join(pgdata, 'PG_VERSION'), 'utf8').trim()
    if (made !== String(pg.version)) {
      throw new Error(
        `postgres: ${pgdata} was made by PostgreSQL ${made} but ${pg.version} is installed; ` + `delete ${dir} (it is throwaway) or install postgresql-${made}`,
      )
    }
  } else {
    // No marker means no initdb ever finished here; whatever is left is a crashed attempt.
    rmSync(pgdata, { recursive: true, force: true })
    log.info('initdb (first start in this directory)', { pgdata })
    await runToCompletion({
      name: 'initdb',
      dir,
      runAs,
      cmd: [
        pg.initdb,
        '-D',
        pgdata,
        '-U',
        SUPERUSER,
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--no-instructions',
        // The cluster is throwaway; skipping the final fsync of every file makes initdb 3x faster.
        '--no-sync',
      ],
    })
    writeFileSync(join(pgdata, 'pg_hba.conf'), HBA)
    appendFileSync(join(pgdata, 'postgresql.conf'), "\ninclude = 'tonypi.conf'\n")
  }
  writeFileSync(join(pgdata, 'tonypi.conf'), SETTINGS)
  if (runAs) chownSync(join(pgdata, 'tonypi.conf'), runAs.uid, runAs.gid)
  if (!initialized) writeFileSync(join(dir, 'initdb.done'), new Date().toISOString() + '\n')

  const { proc, port } = await startWithFreePorts([opts.port], async ([port]) => {
    const proc = await ServiceProcess.start({
      name: 'postgres',
      dir,
      runAs,
      cmd: [pg.postgres, '-D', pgdata, '-p', String(port), '-k', socketDir],
      // SIGINT is PostgreSQL's "fast" shutdown (SIGTERM would wait for every client to leave).
      stopSignal: 'SIGINT',
    })
    try {
      await proc.waitReady('accepting connections', () => postmasterReady(pgdata, proc.pid, port))
      return { proc, port }
    } catch (err) {
      await proc.stop()
      throw err
    }
  })
  try {
    await bootstrap(socketDir, port, creds)
  } catch (err) {
    await proc.stop()
    throw err
  }
  const url = `postgres://${creds.user}:${encodeURIComponent(creds.password)}@127.0.0.1:${port}/${creds.database}`
  const readerUrl = `postgres://${readerOf(creds.user)}:${encodeURIComponent(creds.readerPassword!)}@127.0.0.1:${port}/${creds.database}`
  log.info('ready', { port, ms: Math.round(performance.now() - started), initdb: !initialized })
  return {
    url,
    port,
    pid: proc.pid,
    dir,
    user: creds.user,
    password: creds.password,
    database: creds.database,
    readerUrl,
    stop: async () => {
      await proc.stop()
      if (socketDir !== dir) rmSync(socketDir, { recursive: true, force: true })
    },
  }
}

const HBA = `# Generated by tools/services/postgres.ts.
# The superuser only through the unix socket (its directory is 0700 to the server's account);
# everyone else over loopback TCP with a password.
local   all   all                  trust
host    all   all   127.0.0.1/32   scram-sha-256
`

const SETTINGS = `# Generated by tools/services/postgres.ts on every start; port and socket directory are on the
# command line because they change from one start to the next.
listen_addresses = '127.0.0.1'
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
logging_collector = off
log_destination = 'stderr'
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
timezone = 'UTC'
# A hub replica's leases are its session's advisory locks: a vanished client must be noticed.
tcp_keepalives_idle = 10
tcp_keepalives_interval = 5
tcp_keepalives_count = 3
`

/** postmaster.pid says "ready" (what pg_ctl -w waits for) for our process on our port. */
function postmasterReady(pgdata: string, pid: number, port: number): boolean {
  let lines: string[]
  try {
    lines = readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')
  } catch {
    return false
  }
  return Number(lines[0]) === pid && Number(lines[3]) === port && lines[7]?.trim() === 'ready'
}

/** The socket goes in `dir` unless that path would be too long for a unix socket. */
function socketDirFor(dir: string, runAs: SystemUser | undefined): string {
  if (join(dir, '.s.PGSQL.65535').length <= MAX_SOCKET_PATH) return dir
  const short = `/tmp/tonypi-pg-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`
  mkdirSync(short, { recursive: true, mode: 0o700 })
  if (runAs) chownSync(short, runAs.uid, runAs.gid)
  return short
}

/** The read-only role beside the application's (a plain name too: NAME allows 63 characters). */
const readerOf = (user: string) => `${user.slice(0, 56)}_reader`

/**
 * Makes the server agree with the credentials file: role, its password, its database, and a
 * reader role that may only SELECT, now and from tables the application's role makes later.
 */
async function bootstrap(socketDir: string, port: number, creds: Credentials): Promise<void> {
  const sql = new SQL({ path: socketDir, port, user: SUPERUSER, database: 'postgres', max: 1 })
  try {
    // Names were checked against NAME and the password is base64url, so plain quoting is safe.
    await sql.unsafe(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${creds.user}') THEN CREATE ROLE "${creds.user}"; END IF;
    END $$`)
    // CREATEDB so tests can make a scratch database each; not a superuser, like the hub in production.
    await sql.unsafe(`ALTER ROLE "${creds.user}" WITH LOGIN CREATEDB PASSWORD '${creds.password}'`)
    const [row] = await sql`SELECT count(*)::int AS n FROM pg_database WHERE datname = ${creds.database}`
    if ((row as { n: number }).n === 0) await sql.unsafe(`CREATE DATABASE "${creds.database}" OWNER "${creds.user}"`)
    const reader = readerOf(creds.user)
    await sql.unsafe(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${reader}') THEN CREATE ROLE "${reader}"; END IF;
    END $$`)
    await sql.unsafe(`ALTER ROLE "${reader}" WITH LOGIN NOCREATEDB PASSWORD '${creds.readerPassword}'`)
    await sql.unsafe(`GRANT CONNECT ON DATABASE "${creds.database}" TO "${reader}"`)
  } finally {
    await sql.close()
  }
  const db = new SQL({ path: socketDir, port, user: SUPERUSER, database: creds.database, max: 1 })
  try {
    const reader = readerOf(creds.user)
    await db.unsafe(`GRANT USAGE ON SCHEMA public TO "${reader}"`)
    await db.unsafe(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO "${reader}"`)
    await db.unsafe(`ALTER DEFAULT PRIVILEGES FOR ROLE "${creds.user}" IN SCHEMA public GRANT SELECT ON TABLES TO "${reader}"`)
  } finally {
    await db.close()
  }
}
