// Grafana's provisioning files for the fleet, generated into one directory that Grafana's
// `paths.provisioning` points at:
//   datasources/tonypi.yaml    InfluxDB (InfluxQL, uid tonypi-influx), PostgreSQL (uid tonypi-postgres) and
//                              the operator's Prometheus (uid tonypi-prometheus, for the operations dashboard)
//   dashboards/tonypi.yaml     a file provider for the folder below
//   dashboards/tonypi/*.json   the dashboards of dashboards.ts
// Files are replaced atomically (Grafana polls them, and must never read half a file), and
// dashboards we no longer generate are removed from our folder.

import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { writeFileAtomic } from '../../server/atomic-file.ts'
import { join, resolve } from 'node:path'
import { DASHBOARDS } from './dashboards.ts'
import { INFLUX_UID, POSTGRES_UID, PROMETHEUS_UID } from './panels.ts'

export interface GrafanaProvisioningOptions {
  /** InfluxDB's v1 API as Grafana reaches it. */
  influxUrl: string
  influxDb: string
  /** 1.x user and password, or a 2.x token (sent as `Authorization: Token ...`). */
  influxAuth?: { user?: string; password?: string; token?: string }
  /** `postgres://user:password@host:port/database[?sslmode=...]`, as Grafana reaches it. */
  postgresUrl: string
  /** The Prometheus that scrapes the edges' and the hub's /metrics, as Grafana reaches it. */
  prometheusUrl?: string
  /**
   * Where Grafana will see `dir` when that differs from here (a container mount, say); the
   * dashboard provider's path is written with it. Default: `dir` itself.
   */
  dirAsGrafanaSeesIt?: string
}

export interface GrafanaProvisioningFiles {
  datasources: string
  dashboardProvider: string
  dashboards: string[]
}

export const DASHBOARD_FOLDER = 'TonyPi'
/** Prometheus on the Grafana host, its default port. */
export const DEFAULT_PROMETHEUS_URL = 'http://localhost:9090'

/**
 * Grafana expands `$VAR` and `${VAR}` in provisioning files from its environment, so a literal
 * `$` (a password may hold one) is written as `$$`.
 */
const literal = (s: string) => s.replaceAll('$', '$$$$')

function literals<T>(v: T): T {
  if (typeof v === 'string') return literal(v) as T
  if (Array.isArray(v)) return v.map(literals) as T
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, literals(x)])) as T
  return v
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/
const GRAFANA_SSLMODES = ['disable', 'require', 'verify-ca', 'verify-full']

/** The PostgreSQL data source's settings from a connection URL. */
export function postgresDatasourceFields(postgresUrl: string) {
  const u = new URL(postgresUrl)
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error('postgresUrl: not a postgres:// URL')
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''))
  if (!database) throw new Error('postgresUrl: names no database')
  const asked = u.searchParams.get('sslmode')
  // Grafana's driver knows no "prefer"/"allow"; without a usable mode, only loopback goes in clear.
  const sslmode = asked && GRAFANA_SSLMODES.includes(asked) ? asked : LOOPBACK.test(u.hostname) ? 'disable' : 'require'
  return {
    url: `${u.hostname}:${u.port || '5432'}`,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database,
    sslmode,
  }
}

export function datasourcesYaml(opts: GrafanaProvisioningOptions): string {
  const pg = postgresDatasourceFields(opts.postgresUrl)
  const auth = opts.influxAuth ?? {}
  const influxDs: Record<string, unknown> = {
    name: 'TonyPi InfluxDB',
    uid: INFLUX_UID,
    type: 'influxdb',
    access: 'proxy',
    url: opts.influxUrl,
    isDefault: true,
    editable: false,
    jsonData: { version: 'InfluxQL', dbName: opts.influxDb, httpMode: 'GET', timeInterval: '1s' },
  }
  if (auth.token) {
    // InfluxQL on 2.x: the token in a custom header, the database a DBRP-mapped name.
    influxDs.jsonData = { ...(influxDs.jsonData as object), httpHeaderName1: 'Authorization' }
    influxDs.secureJsonData = { httpHeaderValue1: `Token ${auth.token}` }
  } else if (auth.user !== undefined) {
    influxDs.user = auth.user
    influxDs.secureJsonData = { password: auth.password ?? '' }
  }
  const pgDs = {
    name: 'TonyPi PostgreSQL',
    uid: POSTGRES_UID,
    type: 'postgres',
    access: 'proxy',
    url: pg.url,
    user: pg.user,
    database: pg.database,
    editable: false,
    jsonData: { database: pg.database, sslmode: pg.sslmode, postgresVersion: 1500, timescaledb: false, maxOpenConns: 5 },
    secureJsonData: { password: pg.password },
  }
  const promDs = {
    name: 'TonyPi Prometheus',
    uid: PROMETHEUS_UID,
    type: 'prometheus',
    access: 'proxy',
    url: opts.prometheusUrl ?? DEFAULT_PROMETHEUS_URL,
    editable: false,
    jsonData: { httpMethod: 'POST', timeInterval: '15s' },
  }
  const doc = {
    apiVersion: 1,
    datasources: [influxDs, pgDs, promDs],
  }
  return `# Generated by the TonyPi hub (hub/grafana/provisioning.ts); edits are overwritten.\n${Bun.YAML.stringify(literals(doc), null, 2)}\n`
}

export function dashboardProviderYaml(dashboardsPath: string): string {
  const doc = {
    apiVersion: 1,
    providers: [
      {
        name: 'tonypi',
        orgId: 1,
        folder: DASHBOARD_FOLDER,
        folderUid: 'tonypi',
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: dashboardsPath, foldersFromFilesStructure: false },
      },
    ],
  }
  return `# Generated by the TonyPi hub (hub/grafana/provisioning.ts); edits are overwritten.\n${Bun.YAML.stringify(literals(doc), null, 2)}\n`
}

/** Writes (or rewrites) the provisioning files under `dir`; returns their paths. */
export function writeGrafanaProvisioning(dir: string, opts: GrafanaProvisioningOptions): GrafanaProvisioningFiles {
  const root = resolve(dir)
  const dsDir = join(root, 'datasources')
  const dbDir = join(root, 'dashboards')
  const jsonDir = join(dbDir, 'tonypi')
  for (const d of [dsDir, dbDir, jsonDir]) mkdirSync(d, { recursive: true })

  const datasources = join(dsDir, 'tonypi.yaml')
  // Passwords inside: owner and group only (run Grafana in the hub's group, or copy the file).
  writeFileAtomic(datasources, datasourcesYaml(opts), 0o640)

  const seenAs = resolve(opts.dirAsGrafanaSeesIt ?? root)
  const dashboardProvider = join(dbDir, 'tonypi.yaml')
  writeFileAtomic(dashboardProvider, dashboardProviderYaml(join(seenAs, 'dashboards', 'tonypi')), 0o644)

  const dashboards: string[] = []
  for (const d of DASHBOARDS) {
    const file = join(jsonDir, `${d.uid}.json`)
    writeFileAtomic(file, JSON.stringify(d, null, 2) + '\n', 0o644)
    dashboards.push(file)
  }
  const ours = new Set(DASHBOARDS.map((d) => `${d.uid}.json`))
  for (const f of readdirSync(jsonDir)) if (f.endsWith('.json') && !ours.has(f)) rmSync(join(jsonDir, f), { force: true })
  return { datasources, dashboardProvider, dashboards }
}
