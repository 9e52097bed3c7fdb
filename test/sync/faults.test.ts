// Sync under faults, with real processes: the edge and the hub run as `npm run edge` and
// `npm run hub` run them, against real PostgreSQL, InfluxDB and Mosquitto, and are killed with
// SIGKILL like a power cut. Every test ends with the hub and the robot agreeing record for
// record (test/support/sync-agreement.ts): nothing missing, nothing doubled.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeRobotBacklog } from '../../bench/robot-backlog.ts'
import { freePort } from '../../hub/services/free-port.ts'
import { waitFor } from '../support/edge-harness.ts'
import { randomMoment, startEdgeProcess, startHubProcess, startHubServices, type HubServices, type Proc } from '../support/processes.ts'
import { checkAgreement, type AgreementTargets } from '../support/sync-agreement.ts'
import { TcpProxy } from '../support/tcp-proxy.ts'

const ADMIN = 'faults-admin-password'
let services: HubServices
let hubPort: number
let hub: Proc
let adminToken: string
const dirs: string[] = []

async function hubCall(method: string, path: string, json?: unknown) {
  const r = await fetch(`${hub.base}/api/v1/${path}`, {
    method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  })
  return { status: r.status, body: await r.json().catch(() => null) }
}

async function login() {
  const r = await fetch(`${hub.base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN }) })
  adminToken = (await r.json()).access_token
}

async function register(robotId: string): Promise<string> {
  const r = await hubCall('POST', 'robots', { robot_id: robotId })
  expect(r.status).toBe(201)
  return r.body.credential.token
}

function robotDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tonypi-fault-edge-'))
  dirs.push(d)
  return d
}

const targets = (robotId: string, dataDir: string): AgreementTargets => ({
  robotId, edgeDbPath: join(dataDir, 'edge.db'), postgresUrl: services.services.postgres_url,
  influx: { url: services.services.influx_url, db: services.services.influx_db, user: services.services.influx_username, password: services.services.influx_password },
})

async function edgeSync(edge: Proc) {
  const login = await fetch(`${edge.base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN }) })
  const token = (await login.json()).access_token
  return (await (await fetch(`${edge.base}/api/v1/sync/status`, { headers: { authorization: `Bearer ${token}` } })).json())
}

/** Waits until the robot has nothing waiting, freezes it (SIGSTOP) and compares; thaws it after. */
async function expectAgreement(robotId: string, dataDir: string, edge: Proc, timeoutMs = 60_000) {
  await waitFor(`${robotId} caught up`, async () => { const s = await edgeSync(edge); return s.connected && s.backlog <= 2 }, timeoutMs, 200)
  edge.proc.kill('SIGSTOP')
  try {
    // What it had sent when it stopped is applied by the hub before the comparison.
    await waitFor(`the hub to have ${robotId}'s marks`, async () => {
      const a = await checkAgreement(targets(robotId, dataDir))
      return a.problems.every((p) => !p.startsWith('marks differ')) ? a : null
    }, 10_000, 200)
    const a = await checkAgreement(targets(robotId, dataDir))
    expect(a.problems).toEqual([])
    expect(a.pending).toBeLessThanOrEqual(10)
    return a
  } finally {
    edge.proc.kill('SIGCONT')
  }
}

beforeAll(async () => {
  services = await startHubServices()
  hubPort = await freePort()
  hub = await startHubProcess(services, hubPort, ADMIN)
  await login()
}, 120_000)

afterAll(async () => {
  await hub?.stop()
  await services?.services.stop()
  rmSync(services.dir, { recursive: true, force: true })
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('outages', () => {
  test('a robot away for five minutes keeps its data; back, the hub shows catch-up progress; killed mid-ingest (kill -9), the hub loses nothing', async () => {
    const dir = robotDir()
    const { chunks } = writeRobotBacklog(dir, 300)
    const token = await register('outagebot')
    const edge = await startEdgeProcess({
      robotId: 'outagebot', dataDir: dir, adminPassword: ADMIN,
      env: { TONYPI_HUB_URL: `http://127.0.0.1:${hubPort}`, TONYPI_HUB_TOKEN: token, TONYPI_SYNC_MAX_KBPS: '24' },
    })
    try {
      const progress = await waitFor('catch-up progress on the hub', async () => {
        const [s] = (await hubCall('GET', 'sync/status?robot_id=outagebot')).body
        return s.catching_up && s.progress?.records_left > 0 ? s : null
      }, 20_000, 100)
      expect(progress.progress.records_left).toBeLessThanOrEqual(chunks + 100)
      expect(progress.lag_ms).toBeGreaterThan(60_000)
      // Mid-ingest, the hub dies without a word and comes back.
      await hub.kill9()
      hub = await startHubProcess(services, hubPort, ADMIN)
      await login()
      const later = await waitFor('more progress', async () => {
        const [s] = (await hubCall('GET', 'sync/status?robot_id=outagebot')).body
        return s.progress && s.progress.records_left < progress.progress.records_left ? s : null
      }, 20_000, 2000)
      expect(later.progress.eta_s).toBeGreaterThan(0)
      await expectAgreement('outagebot', dir, edge, 120_000)
    } finally {
      await edge.stop()
    }
  }, 240_000)
})

describe('the robot dies', () => {
  test('killed with kill -9 at random moments, fifty times: its database stays whole and the hub has everything once', async () => {
    const dir = robotDir()
    const token = await register('killbot')
    const env = { TONYPI_HUB_URL: `http://127.0.0.1:${hubPort}`, TONYPI_HUB_TOKEN: token }
    for (let i = 0; i < 50; i++) {
      const edge = await startEdgeProcess({ robotId: 'killbot', dataDir: dir, adminPassword: ADMIN, env })
      await randomMoment(100, 1500)
      await edge.kill9()
    }
    const edge = await startEdgeProcess({ robotId: 'killbot', dataDir: dir, adminPassword: ADMIN, env })
    try {
      const a = await expectAgreement('killbot', dir, edge)
      expect(a.counts.points).toBeGreaterThan(2_000)
      const integrity = new (await import('bun:sqlite')).Database(join(dir, 'edge.db'), { readonly: true }).query('PRAGMA integrity_check').get() as { integrity_check: string }
      expect(integrity.integrity_check).toBe('ok')
    } finally {
      await edge.stop()
    }
  }, 300_000)
})
