// Backing up a hub's PostgreSQL (pg_dump) and InfluxDB (influxd backup -portable) with the
// operator's command while the hub runs and a robot syncs to it, restoring into fresh services,
// and comparing: every table row by row, every point, and the read-only roles Grafana uses still
// reading. A restore onto services that hold data, or from a damaged dump, changes nothing.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { SQL } from 'bun'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { influxPoints, postgresRows, type HubBackupManifest, type HubStores } from '../../hub/backup/hub-backup.ts'
import { startDevServices, type DevServices } from '../../tools/services/dev-services.ts'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { registerRobot } from '../support/sync-harness.ts'

const CLI = join(import.meta.dir, '..', '..', 'hub', 'backup', 'cli.ts')
const ROBOT = 'backupbot'
const scratch = mkdtempSync(join(tmpdir(), 'tonypi-hub-backup-'))
chmodSync(scratch, 0o755) // PostgreSQL runs as its own account and must reach its folder
let hub: HubHarness
let edge: EdgeHarness | undefined
let fresh: DevServices

async function cli(...args: string[]) {
  const p = Bun.spawn([process.execPath, CLI, ...args], { stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { out, err, code }
}

const storesOf = (s: DevServices): HubStores => ({
  databaseUrl: s.postgres_url,
  influx: { url: s.influx_url, db: s.influx_db, user: s.influx_username, password: s.influx_password, rpcAddr: s.influxdb.rpcAddr },
})

/** Every row of every table, in a stable order. */
async function pgContents(url: string): Promise<Record<string, unknown[]>> {
  const sql = new SQL(url, { max: 1 })
  try {
    const out: Record<string, unknown[]> = {}
    for (const name of Object.keys(await postgresRows(url))) {
      const [schema, table] = name.split('.')
      const rows = (await sql.unsafe(`SELECT to_jsonb(t)::text AS row FROM "${schema}"."${table}" t`)) as { row: string }[]
      out[name] = rows.map((r) => r.row).sort()
    }
    return out
  } finally {
    await sql.close()
  }
}

async function influxContents(s: DevServices, user = s.influx_username, password = s.influx_password): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  for (const m of Object.keys(await influxPoints(storesOf(s).influx))) {
    const res = await fetch(`${s.influx_url}/query?db=${s.influx_db}&epoch=ns&q=${encodeURIComponent(`SELECT * FROM "${m}" GROUP BY *`)}`, {
      headers: { authorization: `Basic ${btoa(`${user}:${password}`)}` },
    })
    expect(res.status).toBe(200)
    out[m] = await res.json()
  }
  return out
}

beforeAll(async () => {
  hub = await startTestHub()
  const token = await registerRobot(hub, ROBOT)
  await hub.tokenFor('viewer')
  edge = await startTestEdge({ TONYPI_ROBOT_ID: ROBOT, TONYPI_HUB_URL: hub.base, TONYPI_HUB_TOKEN: token })
  await waitFor('telemetry in InfluxDB', async () => Object.values(await influxPoints(storesOf(hub.services).influx)).some((n) => n > 20), 30_000, 200)
  fresh = await startDevServices(join(scratch, 'fresh'))
}, 120_000)

afterAll(async () => {
  await edge?.stop()
  await hub?.stop()
  await fresh?.stop()
  rmSync(scratch, { recursive: true, force: true })
})

describe('hub backup and restore', () => {
  test('during sync traffic: the backup succeeds and its restore holds at least what it counted', async () => {
    const backup = join(scratch, 'live')
    const r = await cli('backup', backup, '--services', hub.services.dataDir)
    expect({ code: r.code, err: r.code ? r.err : '' }).toEqual({ code: 0, err: '' })
    const m = JSON.parse(readFileSync(join(backup, 'manifest.json'), 'utf8')) as HubBackupManifest
    expect(m.postgres.rows['public.robots']).toBe(1)
    expect(Object.keys(m.influxdb.points).length).toBeGreaterThan(0)
    // The dump's counts were taken in its own snapshot, so they are exact even while the hub wrote.
    const scratchServices = await startDevServices(join(scratch, 'live-restore'))
    try {
      const rr = await cli('restore', backup, '--services', scratchServices.dataDir)
      expect({ code: rr.code, err: rr.code ? rr.err : '' }).toEqual({ code: 0, err: '' })
      expect(rr.code).toBe(0)
      expect(await postgresRows(scratchServices.postgres_url)).toEqual(m.postgres.rows)
    } finally {
      await scratchServices.stop()
    }
  }, 120_000)

  test('quiet hub: restored into fresh services, every row and every point is the same', async () => {
    await edge!.stop()
    edge = undefined
    const original = storesOf(hub.services)
    // Quiet: nothing more arrives once the robot is gone (its last batch may still be landing).
    let last = ''
    await waitFor(
      'the hub to be quiet',
      async () => {
        const now = JSON.stringify([await postgresRows(original.databaseUrl), await influxPoints(original.influx)])
        const same = now === last
        last = now
        return same
      },
      30_000,
      1500,
    )
    const pgBefore = await pgContents(hub.services.postgres_url)
    const influxBefore = await influxContents(hub.services)

    const backup = join(scratch, 'quiet')
    expect((await cli('backup', backup, '--services', hub.services.dataDir)).code).toBe(0)
    const r = await cli('restore', backup, '--services', fresh.dataDir)
    expect({ code: r.code, err: r.code ? r.err : '' }).toEqual({ code: 0, err: '' })
    expect(r.out).toContain(`restored from ${backup}`)

    expect(await pgContents(fresh.postgres_url)).toEqual(pgBefore)
    expect(await influxContents(fresh)).toEqual(influxBefore)
    // Grafana's read-only accounts read the restored data.
    const reader = new SQL(fresh.grafana_postgres_url, { max: 1 })
    try {
      expect(await reader`SELECT robot_id FROM robots`).toEqual([{ robot_id: ROBOT }])
    } finally {
      await reader.close()
    }
    expect(await influxContents(fresh, fresh.grafana_influx_username, fresh.grafana_influx_password)).toEqual(influxBefore)
  }, 120_000)

  test('a restore onto services that hold data, or from a damaged dump, changes nothing', async () => {
    const backup = join(scratch, 'quiet')
    const before = await postgresRows(hub.services.postgres_url)
    const onto = await cli('restore', backup, '--services', hub.services.dataDir)
    expect(onto.code).toBe(1)
    expect(onto.err).toMatch(/^PostgreSQL already holds \d+ tables: restore into an empty database \(nothing was changed\)\n$/)
    expect(await postgresRows(hub.services.postgres_url)).toEqual(before)

    const dump = join(backup, 'postgres.dump')
    const bytes = readFileSync(dump)
    bytes[100] ^= 0xff
    writeFileSync(dump, bytes)
    const damaged = await cli('restore', backup, '--services', fresh.dataDir)
    expect(damaged.code).toBe(1)
    expect(damaged.err.trim()).toBe(`postgres.dump in ${backup} is damaged (its SHA-256 is not the manifest's)`)
  })

  test('a backup into a folder that is not empty, and no arguments', async () => {
    const r = await cli('backup', join(scratch, 'quiet'), '--services', hub.services.dataDir)
    expect(r.code).toBe(1)
    expect(r.err).toContain('is not empty: a backup goes into a new folder')
    const u = await cli()
    expect(u.code).toBe(2)
    expect(u.err).toContain('usage: bun hub/backup/cli.ts backup|restore <backupDir>')
    expect(existsSync(join(scratch, 'quiet', 'manifest.json'))).toBe(true)
  })
})
