// Sync under faults, with real processes: the edge and the hub run as `npm run edge` and
// `npm run hub` run them, against real PostgreSQL, InfluxDB and Mosquitto, and are killed with
// SIGKILL like a power cut. Every test ends with the hub and the robot agreeing record for
// record (test/support/sync-agreement.ts): nothing missing, nothing doubled.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeRobotBacklog } from '../../bench/robot-backlog.ts'
import { freePort } from '../../tools/services/free-port.ts'
import { waitFor } from '../support/edge-harness.ts'
import { randomMoment, startEdgeProcess, startHubProcess, startHubServices, type HubServices, type Proc } from '../support/processes.ts'
import { influxRows } from '../support/influx-query.ts'
import { checkAgreement, type AgreementTargets } from '../support/sync-agreement.ts'
import { TcpProxy } from '../support/tcp-proxy.ts'

const ADMIN = 'faults-admin-password'
let services: HubServices
let hubPort: number
let hub: Proc
let adminToken: string
/** Robots reach the broker through this proxy (the hub names it as its public broker), so a test can break their link. */
let mqttLink: TcpProxy
const dirs: string[] = []
let hubEnv: Record<string, string> = {}

async function hubCall(method: string, path: string, json?: unknown) {
  const r = await fetch(`${hub.base}/api/v1/${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  })
  return { status: r.status, body: await r.json().catch(() => null) }
}

async function login() {
  const r = await fetch(`${hub.base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN }),
  })
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
  robotId,
  edgeDbPath: join(dataDir, 'edge.db'),
  postgresUrl: services.services.postgres_url,
  influx: {
    url: services.services.influx_url,
    db: services.services.influx_db,
    user: services.services.influx_username,
    password: services.services.influx_password,
  },
})

async function edgeSync(edge: Proc) {
  const login = await fetch(`${edge.base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN }),
  })
  const token = (await login.json()).access_token
  return await (await fetch(`${edge.base}/api/v1/sync/status`, { headers: { authorization: `Bearer ${token}` } })).json()
}

/** Waits until the robot has nothing waiting, freezes it (SIGSTOP) and compares; thaws it after. */
async function expectAgreement(robotId: string, dataDir: string, edge: Proc, timeoutMs = 60_000) {
  await waitFor(
    `${robotId} caught up`,
    async () => {
      const s = await edgeSync(edge)
      return s.connected && s.backlog <= 2
    },
    timeoutMs,
    200,
  )
  edge.proc.kill('SIGSTOP')
  try {
    // What it had sent when it stopped is applied by the hub before the comparison.
    await waitFor(
      `the hub to have ${robotId}'s marks`,
      async () => {
        const a = await checkAgreement(targets(robotId, dataDir))
        return a.problems.every((p) => !p.startsWith('marks differ')) ? a : null
      },
      10_000,
      200,
    )
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
  const broker = new URL(services.services.mqtt_url)
  mqttLink = new TcpProxy({ host: broker.hostname, port: Number(broker.port) }).start()
  hubEnv = { TONYPI_HUB_PUBLIC_MQTT_URL: `mqtt://127.0.0.1:${mqttLink.port}` }
  hub = await startHubProcess(services, hubPort, ADMIN, hubEnv)
  await login()
}, 120_000)

afterAll(async () => {
  mqttLink?.stop()
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
      robotId: 'outagebot',
      dataDir: dir,
      adminPassword: ADMIN,
      env: { TONYPI_HUB_URL: `http://127.0.0.1:${hubPort}`, TONYPI_HUB_TOKEN: token, TONYPI_SYNC_MAX_KBPS: '24' },
    })
    try {
      const progress = await waitFor(
        'catch-up progress on the hub',
        async () => {
          const [s] = (await hubCall('GET', 'sync/status?robot_id=outagebot')).body
          return s.catching_up && s.progress?.records_left > 0 ? s : null
        },
        20_000,
        100,
      )
      expect(progress.progress.records_left).toBeLessThanOrEqual(chunks + 100)
      expect(progress.lag_ms).toBeGreaterThan(60_000)
      // Mid-ingest, the hub dies without a word and comes back.
      await hub.kill9()
      hub = await startHubProcess(services, hubPort, ADMIN, hubEnv)
      await login()
      const later = await waitFor(
        'more progress',
        async () => {
          const [s] = (await hubCall('GET', 'sync/status?robot_id=outagebot')).body
          return s.progress && s.progress.records_left < progress.progress.records_left ? s : null
        },
        20_000,
        2000,
      )
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
      const integrity = new (await import('bun:sqlite')).Database(join(dir, 'edge.db'), { readonly: true }).query('PRAGMA integrity_check').get() as {
        integrity_check: string
      }
      expect(integrity.integrity_check).toBe('ok')
    } finally {
      await edge.stop()
    }
  }, 300_000)
})

describe('the link', () => {
  test('slow, lossy and cut now and then: commands fail or arrive in time, never late; afterwards nothing is missing or doubled', async () => {
    const dir = robotDir()
    const token = await register('linkbot')
    const httpLink = new TcpProxy({ host: '127.0.0.1', port: hubPort }).start()
    const edge = await startEdgeProcess({
      robotId: 'linkbot',
      dataDir: dir,
      adminPassword: ADMIN,
      env: { TONYPI_HUB_URL: `http://127.0.0.1:${httpLink.port}`, TONYPI_HUB_TOKEN: token },
    })
    try {
      await waitFor('linkbot online', async () => (await hubCall('GET', 'robots/linkbot')).body.status === 'online', 15_000)
      const faults = { delayMs: [5, 150] as [number, number], dropPerChunk: 0.02 }
      httpLink.setFaults(faults)
      mqttLink.setFaults(faults)
      const outcomes: { status: number; state?: string; id?: string; at: number }[] = []
      for (let round = 0; round < 6; round++) {
        if (round % 3 === 2) {
          httpLink.cut()
          mqttLink.cut()
        }
        for (let i = 0; i < 3; i++) {
          const at = Date.now()
          const r = await hubCall('POST', 'command', {
            robot_id: 'linkbot',
            type: 'servo.move',
            targets: [{ id: 1, position: 400 + round * 10 + i }],
            duration_ms: 50,
          })
          outcomes.push({ status: r.status, state: r.body?.state, id: r.body?.id, at })
        }
        await randomMoment(1000, 2500)
        httpLink.heal()
        mqttLink.heal()
        httpLink.setFaults(faults)
        mqttLink.setFaults(faults)
      }
      httpLink.heal()
      mqttLink.heal()
      expect(httpLink.counters.dropped + mqttLink.counters.dropped + httpLink.counters.refused + mqttLink.counters.refused).toBeGreaterThan(0)
      // Each command was answered (done, refused as not connected, or timed out) and none ran late.
      for (const o of outcomes) expect([200, 409, 504]).toContain(o.status)
      await waitFor('linkbot online again', async () => (await hubCall('GET', 'robots/linkbot')).body.status === 'online', 30_000).catch(async (err) => {
        throw new Error(
          `${err.message}; the robot says ${JSON.stringify(await edgeSync(edge))}; the hub says ${JSON.stringify((await hubCall('GET', 'robots/linkbot')).body)}`,
        )
      })
      await expectAgreement('linkbot', dir, edge, 90_000)
      const audit = (await hubCall('GET', 'logs?robot_id=linkbot&category=command&limit=1000')).body
      const byId = new Map(outcomes.filter((o) => o.id).map((o) => [o.id!, o.at]))
      for (const row of audit.logs ?? audit) {
        const d = row.details ?? {}
        if (d.origin === 'hub' && byId.has(d.id) && d.state === 'accepted') expect(row.ts - byId.get(d.id)!).toBeLessThan(10_000)
      }
    } finally {
      httpLink.stop()
      mqttLink.heal()
      await edge.stop()
    }
  }, 240_000)
})

describe('clocks', () => {
  test('a robot booted with its clock five hours slow, set right later: the hub corrects what it stamped, in order', async () => {
    const dir = robotDir()
    const token = await register('clockbot')
    const clockFile = join(dir, 'faketime')
    writeFileSync(clockFile, '-5h\n')
    const edge = await startEdgeProcess({
      robotId: 'clockbot',
      dataDir: dir,
      adminPassword: ADMIN,
      env: { TONYPI_HUB_URL: `http://127.0.0.1:${hubPort}`, TONYPI_HUB_TOKEN: token },
      preload: { LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: clockFile, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' },
    })
    try {
      await waitFor(
        'samples stamped with the slow clock corrected on the hub',
        async () => (await hubCall('GET', 'sync/status?robot_id=clockbot')).body[0]?.corrected_samples > 2500,
        20_000,
      )
      // NTP sets the clock: it steps forward five hours.
      writeFileSync(clockFile, '+0\n')
      await waitFor(
        'samples after the step',
        async () => {
          const pts = await influxTimes('clockbot')
          return pts.filter((p) => p.corrected === null).length > 500
        },
        20_000,
      )
      await expectAgreement('clockbot', dir, edge)
      const pts = await influxTimes('clockbot')
      const now = Date.now()
      // Nothing sits five hours in the past: every point is in the last few minutes.
      for (const p of pts) expect(Math.abs(now - p.ts)).toBeLessThan(10 * 60_000)
      const corrected = pts.filter((p) => p.corrected !== null)
      expect(corrected.length).toBeGreaterThan(300)
      for (const p of corrected) expect(Math.abs(p.corrected! - 5 * 3_600_000)).toBeLessThan(5_000)
      // The timeline keeps the robot's order: what was taken before the step comes first.
      expect(Math.max(...corrected.map((p) => p.ts))).toBeLessThan(Math.min(...pts.filter((p) => p.corrected === null).map((p) => p.ts)) + 2000)
    } finally {
      await edge.stop()
    }
  }, 120_000)
})

/** Debian's libfaketime (test/setup/system-deps.sh installs it): the whole edge process runs on a wrong wall clock. */
const LIBFAKETIME =
  ['x86_64', 'aarch64'].map((a) => `/usr/lib/${a}-linux-gnu/faketime/libfaketime.so.1`).find((p) => existsSync(p)) ??
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 (missing: apt-get install libfaketime)'

async function influxTimes(robotId: string): Promise<{ ts: number; corrected: number | null }[]> {
  const rows = await influxRows<[number, number, number | null]>(
    services.services,
    `SELECT "ax", "clock_correction_ms" FROM "imu" WHERE "robot_id" = '${robotId}'`,
  )
  return rows.map((r) => ({ ts: r[0], corrected: r[2] }))
}

describe('disk pressure and impostors', () => {
  test('the quota reached while the hub is away: unsynced samples dropped are counted by stream, shown on both sides, raised as an alert', async () => {
    const dir = robotDir()
    writeRobotBacklog(dir, 1200)
    const token = await register('quotabot')
    const link = new TcpProxy({ host: '127.0.0.1', port: hubPort }).start()
    link.cut()
    const edge = await startEdgeProcess({
      robotId: 'quotabot',
      dataDir: dir,
      adminPassword: ADMIN,
      env: { TONYPI_HUB_URL: `http://127.0.0.1:${link.port}`, TONYPI_HUB_TOKEN: token, TONYPI_DISK_QUOTA_MB: '1' },
    })
    try {
      const dropped = await waitFor(
        'samples dropped for the quota',
        async () => {
          const s = await edgeSync(edge)
          return s.dropped.total > 0 ? s.dropped : null
        },
        20_000,
      )
      expect(Object.keys(dropped.by_stream)).toEqual(expect.arrayContaining(['servos', 'imu']))
      expect(dropped.reason).toMatch(/disk quota/)
      link.heal()
      await waitFor(
        'the hub told of the drop',
        async () => {
          const [s] = (await hubCall('GET', 'sync/status?robot_id=quotabot')).body
          return s.dropped.total === dropped.total ? s : null
        },
        30_000,
      )
      await waitFor(
        "the robot's sync_dropped alert on the hub",
        async () => (await hubCall('GET', 'alerts?robot_id=quotabot&type=sync_dropped')).body.length > 0,
        30_000,
      )
      await expectAgreement('quotabot', dir, edge, 90_000)
    } finally {
      link.stop()
      await edge.stop()
    }
  }, 180_000)

  test("a robot configured with another robot's credential is refused and writes nothing", async () => {
    await register('victimbot')
    const thief = await register('thiefbot')
    const dir = robotDir()
    const edge = await startEdgeProcess({
      robotId: 'victimbot',
      dataDir: dir,
      adminPassword: ADMIN,
      env: { TONYPI_HUB_URL: `http://127.0.0.1:${hubPort}`, TONYPI_HUB_TOKEN: thief },
    })
    try {
      const s = await waitFor(
        'the refusal',
        async () => {
          const x = await edgeSync(edge)
          return x.last_error ? x : null
        },
        15_000,
      )
      expect(s.last_error).toMatch(/401/)
      const [st] = (await hubCall('GET', 'sync/status?robot_id=victimbot')).body
      expect(st.synced).toBe(false)
      expect((await hubCall('GET', 'robots/victimbot')).body.status).toBe('unknown')
    } finally {
      await edge.stop()
    }
  }, 60_000)
})
