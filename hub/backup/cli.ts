// `npm run backup:hub -- <backupDir>` and `npm run restore:hub -- <backupDir>`, reaching the stores
// the way the hub does: its environment (DATABASE_URL, TONYPI_HUB_INFLUX_*; TONYPI_HUB_CONFIG's
// file), plus TONYPI_HUB_INFLUX_RPC, influxd's backup service (default 127.0.0.1:8088, Debian's).
// For the dev services, `--services <dataDir>` reads them from that folder instead.
// Progress goes to stderr, the summary to stdout; an error is one line and exit 1.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../../core/config.ts'
import { loadHubConfig } from '../config.ts'
import { readServicesJson } from '../../tools/services/dev-services.ts'
import { HubBackupError, backupHub, restoreHub, type HubStores } from './hub-backup.ts'

const USAGE = `usage: bun hub/backup/cli.ts backup|restore <backupDir> [--services <devServicesDir>]
  without --services the stores are the hub's: DATABASE_URL, TONYPI_HUB_INFLUX_URL, TONYPI_HUB_INFLUX_DB,
  TONYPI_HUB_INFLUX_USER/PASSWORD (or TONYPI_HUB_CONFIG), and TONYPI_HUB_INFLUX_RPC (default 127.0.0.1:8088)`

class UsageError extends Error {}

/** The stores of a dev services folder (`npm run hub:services`), its InfluxDB's RPC port from the config it wrote. */
function fromServices(dir: string): HubStores {
  const s = readServicesJson(dir)
  if (!s) throw new HubBackupError(`${dir} has no services.json: are its services running (npm run hub:services)?`)
  const conf = readFileSync(join(dir, 'influxdb', 'influxdb.conf'), 'utf8')
  const rpc = /^bind-address = "([^"]+)"/m.exec(conf)?.[1]
  if (!rpc) throw new HubBackupError(`${dir}/influxdb/influxdb.conf names no bind-address`)
  return { databaseUrl: s.postgres_url, influx: { url: s.influx_url, db: s.influx_db, user: s.influx_username, password: s.influx_password, rpcAddr: rpc } }
}

function fromHubConfig(env: Record<string, string | undefined>): HubStores {
  const file = env.TONYPI_HUB_CONFIG ? (JSON.parse(readFileSync(env.TONYPI_HUB_CONFIG, 'utf8')) as Record<string, unknown>) : {}
  const cfg = loadHubConfig({ file, env })
  if (!cfg.databaseUrl || !cfg.influxUrl)
    throw new UsageError("DATABASE_URL and TONYPI_HUB_INFLUX_URL are not set (the hub's environment, e.g. set -a; . /etc/tonypi/hub.env)")
  return {
    databaseUrl: cfg.databaseUrl,
    influx: {
      url: cfg.influxUrl,
      db: cfg.influxDb,
      user: cfg.influxUser,
      password: cfg.influxPassword,
      token: cfg.influxToken,
      rpcAddr: env.TONYPI_HUB_INFLUX_RPC ?? '127.0.0.1:8088',
    },
  }
}

async function main(argv: string[]): Promise<number> {
  const [cmd, dir, flag, servicesDir, ...rest] = argv
  if ((cmd !== 'backup' && cmd !== 'restore') || !dir || rest.length || (flag !== undefined && (flag !== '--services' || !servicesDir))) {
    process.stderr.write(USAGE + '\n')
    return 2
  }
  const stores = servicesDir ? fromServices(servicesDir) : fromHubConfig(process.env)
  const progress = (step: string) => process.stderr.write(`${step}\n`)
  const t0 = performance.now()
  const m = cmd === 'backup' ? await backupHub(stores, dir, progress) : await restoreHub(dir, stores, progress)
  const rows = Object.values(m.postgres.rows).reduce((a, b) => a + b, 0)
  const points = Object.values(m.influxdb.points).reduce((a, b) => a + b, 0)
  process.stdout.write(
    `${cmd === 'backup' ? 'backed up into' : 'restored from'} ${dir}: PostgreSQL ${Object.keys(m.postgres.rows).length} tables, ${rows} rows; ` +
      `InfluxDB ${Object.keys(m.influxdb.points).length} measurements, ${points} points; ${Math.round(performance.now() - t0)} ms\n`,
  )
  return 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof HubBackupError || err instanceof ConfigError || err instanceof UsageError
    process.stderr.write(`${known ? '' : 'hub backup failed: '}${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(err instanceof UsageError ? 2 : 1)
  },
)
