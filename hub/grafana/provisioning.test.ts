// Grafana cannot run here, so the provisioning is checked the way Grafana would use it: the
// YAML and JSON it reads, and every panel's query (macros expanded as Grafana would) run
// against the real InfluxDB and PostgreSQL holding fixture data, each returning rows.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../core/log.ts'
import type { Sample } from '../../core/streams.ts'
import { openHubDatabase, type HubDb } from '../db/database.ts'
import { startTestInflux, type TestInflux } from '../../test/support/test-influx.ts'
import { InfluxWriter } from '../influx/writer.ts'
import { ensureServicePackages } from '../../tools/services/debian-packages.ts'
import { startPostgres, type PostgresService } from '../../tools/services/postgres.ts'
import { DASHBOARDS, PANEL_QUERIES, panelQueries, type PanelQuery } from './dashboards.ts'
import { expandInfluxQL, expandSql, grafanaIntervalMs } from './macros.ts'
import type { Dashboard } from './panels.ts'
import { datasourcesYaml, writeGrafanaProvisioning, type GrafanaProvisioningFiles } from './provisioning.ts'

const NOW = Date.now()
const ROBOTS = ['tonypi-01', 'tonypi-02']

let influx: TestInflux
let pg: PostgresService
let db: HubDb
let dir: string
let pgDir: string
let files: GrafanaProvisioningFiles

/** Thirty minutes of every stream at 5 s, for each robot: every field a panel reads. */
function fixtureSamples(robotIndex: number): Sample[] {
  const out: Sample[] = []
  for (let t = NOW - 30 * 60_000; t <= NOW; t += 5000) {
    const k = (t - NOW) / 60_000
    for (const id of [1, 2, 3]) {
      out.push({
        stream: 'servos',
        ts: t,
        source: String(id),
        values: { position: 500 + id * 10 + k, temperature_c: 40 + id + robotIndex, voltage_v: 7.4 - id * 0.01, torque: 1 },
      })
    }
    out.push({ stream: 'imu', ts: t, values: { ax: 0.1, ay: 9.8, az: -0.1, gx: 0.5, gy: -0.2, gz: 0.1, temp_c: 36 } })
    out.push({ stream: 'battery', ts: t, values: { voltage_v: 7.8, percent: 70 - robotIndex * 40 } })
    out.push({
      stream: 'performance',
      ts: t,
      values: {
        cpu_percent: 20,
        cpu0_percent: 25,
        load_1: 0.5,
        load_5: 0.4,
        load_15: 0.3,
        mem_percent: 35,
        mem_total_bytes: 4e9,
        mem_used_bytes: 1.4e9,
        disk_total_bytes: 32e9,
        disk_used_bytes: 8e9,
        disk_percent: 25,
        cpu_temp_c: 55 + robotIndex * 20,
        uptime_s: 3600 + (t - NOW) / 1000 + 1800,
        throttled: 0,
        net_rx_bytes: 1e6 + (t % 1e6),
        net_tx_bytes: 2e6,
        net_rx_bps: 1200,
        net_tx_bps: 800,
      },
    })
  }
  return out
}

async function writePostgresFixtures(): Promise<void> {
  const c = db.$client
  const ago = (min: number) => new Date(NOW - min * 60_000)
  await c`INSERT INTO robots (robot_id, name, profile, credential_username, status, status_source, last_seen_at)
    VALUES ('tonypi-01', 'Lab one', 'tonypi-hat', 'robot-tonypi-01', 'online', 'retained', ${ago(0)}),
           ('tonypi-02', 'Lab two', 'tonypi-board', 'robot-tonypi-02', 'offline', 'heartbeat', ${ago(20)})`
  await c`INSERT INTO alerts (robot_id, type, severity, source, value, threshold, title, message, created_at, resolved, resolved_at)
    VALUES ('tonypi-01', 'servo_temperature', 'warning', '3', 62, 60, 'Servo 3 hot', 'Servo 3 at 62 C', ${ago(90)}, false, null),
           ('tonypi-01', 'battery_low', 'critical', '', 14, 15, 'Battery low', 'Battery at 14 %', ${ago(30)}, false, null),
           ('tonypi-02', 'cpu_temperature', 'warning', '', 72, 70, 'Pi hot', 'CPU at 72 C', ${ago(300)}, true, ${ago(280)}),
           ('tonypi-02', 'servo_silent', 'info', '5', null, null, 'Servo 5 silent', 'No answer from servo 5', ${ago(3000)}, true, ${ago(2990)})`
  await c`INSERT INTO jobs (robot_id, task_name, status, items_done, items_total, percent, started_at, finished_at)
    VALUES ('tonypi-01', 'sort blocks', 'completed', 10, 10, 100, ${ago(120)}, ${ago(100)}),
           ('tonypi-01', 'patrol', 'in_progress', 3, 8, 37.5, ${ago(15)}, null),
           ('tonypi-02', 'sort blocks', 'failed', 2, 10, 20, ${ago(600)}, ${ago(590)})`
}

beforeAll(async () => {
  await ensureServicePackages({ wanted: ['influxdb', 'postgresql'] })
  pgDir = mkdtempSync(join(tmpdir(), 'tonypi-grafana-pg-'))
  const [i, p] = await Promise.all([startTestInflux('grafana'), startPostgres({ dir: pgDir })])
  influx = i
  pg = p
  db = await openHubDatabase(pg.url)
  const w = new InfluxWriter({ url: influx.service.url, db: influx.service.db, ...influx.auth, log: silentLogger })
  ROBOTS.forEach((r, i) => {
    w.write(r, fixtureSamples(i))
  })
  await Promise.all([w.close(), writePostgresFixtures()])
  dir = mkdtempSync(join(tmpdir(), 'tonypi-grafana-'))
  files = writeGrafanaProvisioning(dir, {
    influxUrl: influx.service.url,
    influxDb: influx.service.db,
    influxAuth: influx.auth,
    postgresUrl: pg.url,
  })
}, 60_000)

afterAll(async () => {
  await db?.$client.close()
  await Promise.all([influx?.remove(), pg?.stop()])
  for (const d of [dir, pgDir]) if (d) rmSync(d, { recursive: true, force: true })
})

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, read by path in the assertions
type Yaml = Record<string, any>
const readYaml = (path: string) => Bun.YAML.parse(readFileSync(path, 'utf8')) as Yaml
const readDashboards = (): Dashboard[] => files.dashboards.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Dashboard)

describe('provisioning files', () => {
  test('datasources: InfluxDB with InfluxQL and PostgreSQL with its credentials from the URL', () => {
    const y = readYaml(files.datasources)
    expect(y.apiVersion).toBe(1)
    const [ifx, sql] = y.datasources
    expect(ifx).toMatchObject({
      uid: 'tonypi-influx',
      type: 'influxdb',
      access: 'proxy',
      url: influx.service.url,
      user: influx.auth.user,
      jsonData: { version: 'InfluxQL', dbName: influx.service.db },
      secureJsonData: { password: influx.auth.password },
    })
    const u = new URL(pg.url)
    expect(sql).toMatchObject({
      uid: 'tonypi-postgres',
      type: 'postgres',
      url: `127.0.0.1:${pg.port}`,
      user: pg.user,
      database: pg.database,
      jsonData: { database: pg.database, sslmode: 'disable' },
      secureJsonData: { password: decodeURIComponent(u.password) },
    })
    expect(y.datasources[2]).toMatchObject({ uid: 'tonypi-prometheus', type: 'prometheus', url: 'http://localhost:9090' })
    // It holds passwords.
    expect(statSync(files.datasources).mode & 0o777).toBe(0o640)
  })

  test("secrets are written literally: a `$` is not Grafana's environment expansion; a 2.x token goes in a header", () => {
    const y = Bun.YAML.parse(
      datasourcesYaml({
        influxUrl: 'https://influx.example:8086',
        influxDb: 'tonypi',
        influxAuth: { token: 'tok$EN' },
        postgresUrl: 'postgresql://grafana%40ro:pa%24%24:word@db.example:6543/fleet?sslmode=verify-full',
      }),
    ) as Yaml
    const [ifx, sql] = y.datasources
    expect(ifx.jsonData.httpHeaderName1).toBe('Authorization')
    expect(ifx.secureJsonData).toEqual({ httpHeaderValue1: 'Token tok$$EN' })
    expect(sql).toMatchObject({
      url: 'db.example:6543',
      user: 'grafana@ro',
      database: 'fleet',
      jsonData: { sslmode: 'verify-full' },
      secureJsonData: { password: 'pa$$$$:word' },
    })
    // Not loopback and no usable sslmode: encrypted.
    const remote = Bun.YAML.parse(datasourcesYaml({ influxUrl: 'http://i', influxDb: 'd', postgresUrl: 'postgres://u:p@db.example/fleet' })) as Yaml
    expect(remote.datasources[1].jsonData.sslmode).toBe('require')
  })

  test('a file provider pointing at the dashboards, which are valid JSON with unique uids', () => {
    const y = readYaml(files.dashboardProvider)
    const [p] = y.providers
    expect(p).toMatchObject({ type: 'file', folder: 'TonyPi', options: { path: join(dir, 'dashboards', 'tonypi') } })
    expect(readdirSync(p.options.path).sort()).toEqual(DASHBOARDS.map((d) => `${d.uid}.json`).sort())
    const dashboards = readDashboards()
    expect(dashboards.map((d) => d.uid)).toEqual(['tonypi-fleet', 'tonypi-robot', 'tonypi-servo-health', 'tonypi-alerts-jobs', 'tonypi-ops'])
    for (const d of dashboards) {
      expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length)
      for (const p of d.panels) {
        expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24)
        expect(p.targets.length).toBeGreaterThan(0)
        for (const t of p.targets) expect(['tonypi-influx', 'tonypi-postgres', 'tonypi-prometheus']).toContain(t.datasource.uid)
      }
    }
  })

  test('the robot variable, and units where they matter', () => {
    const [, robot, servo] = readDashboards()
    expect(robot.templating.list).toMatchObject([
      { name: 'robot', type: 'query', query: 'SHOW TAG VALUES FROM "battery" WITH KEY = "robot_id"', datasource: { uid: 'tonypi-influx' } },
    ])
    const unit = (d: Dashboard, title: string) => d.panels.find((p) => p.title === title)?.fieldConfig.defaults.unit
    expect(unit(robot, 'Servo angles')).toBe('degree')
    expect(unit(robot, 'Servo temperatures')).toBe('celsius')
    expect(unit(robot, 'Servo voltages')).toBe('volt')
    expect(unit(robot, 'Battery level')).toBe('percent')
    expect(unit(robot, 'IMU acceleration')).toBe('accMS2')
    expect(unit(robot, 'IMU rotation rate')).toBe('rotdegs')
    expect(unit(robot, 'Memory used')).toBe('bytes')
    expect(unit(robot, 'Network throughput')).toBe('Bps')
    expect(unit(robot, 'Network totals')).toBe('bytes')
    expect(unit(servo, 'Servo temperature')).toBe('celsius')
    expect(servo.panels.find((p) => p.title === 'Servo temperature')?.fieldConfig.defaults.thresholds).toEqual({
      mode: 'absolute',
      steps: [
        { color: 'green', value: null },
        { color: 'orange', value: 60 },
        { color: 'red', value: 70 },
      ],
    })
  })

  test('the exported query list is exactly what the files hold', () => {
    expect(panelQueries(readDashboards())).toEqual([...PANEL_QUERIES])
  })

  test('rewriting replaces the files and removes dashboards no longer generated', () => {
    const stale = join(dir, 'dashboards', 'tonypi', 'retired.json')
    writeFileSync(stale, '{}')
    const again = writeGrafanaProvisioning(dir, { influxUrl: influx.service.url, influxDb: influx.service.db, influxAuth: influx.auth, postgresUrl: pg.url })
    expect(again).toEqual(files)
    expect(readdirSync(join(dir, 'dashboards', 'tonypi'))).not.toContain('retired.json')
  })
})

/** The dashboard's default range ("now-6h"), as Grafana opens it. */
function contextFor(uid: string) {
  const d = DASHBOARDS.find((x) => x.uid === uid)!
  const m = /^now-(\d+)([hd])$/.exec(d.time.from)
  if (!m) throw new Error(`unexpected range ${d.time.from}`)
  const range = Number(m[1]) * (m[2] === 'h' ? 3_600_000 : 86_400_000)
  return { from: NOW - range, to: NOW, intervalMs: grafanaIntervalMs(range), vars: { robot: ROBOTS[0] } }
}

const hasValue = (row: unknown[]) => row.some((v, i) => i > 0 && v !== null)

async function runPanelQuery(pq: PanelQuery): Promise<unknown[][]> {
  const ctx = contextFor(pq.dashboard)
  if (pq.datasource === 'influxdb') {
    const series = await influx.query.query(expandInfluxQL(pq.query, ctx))
    return series.flatMap((s) => s.values)
  }
  const rows = (await db.$client.unsafe(expandSql(pq.query, ctx)).values()) as unknown[][]
  // SQL rows have no leading time column to skip, so a one-column row counts on its own.
  return rows.map((r) => [null, ...r])
}

// The Prometheus panels' queries are held to what the metrics endpoints serve (test/ops/grafana-metrics.test.ts).
describe('every panel query returns rows', () => {
  for (const pq of PANEL_QUERIES.filter((q) => q.datasource !== 'prometheus')) {
    test(`${pq.dashboard} / ${pq.panel} (${pq.refId}, ${pq.datasource})`, async () => {
      const rows = await runPanelQuery(pq)
      expect(rows.length).toBeGreaterThan(0)
      expect(rows.some(hasValue)).toBe(true)
    })
  }

  test('the robot variable lists the robots', async () => {
    const pq = PANEL_QUERIES.find((q) => q.panel === '$robot')!
    expect((await runPanelQuery(pq)).map((r) => r[1])).toEqual(ROBOTS)
  })
})
