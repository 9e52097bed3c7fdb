// Two hub replicas (real `npm run hub` processes) on one PostgreSQL, InfluxDB and Mosquitto,
// behind a plain TCP load balancer, as README "Growing past one hub host" sets them up. What
// robots publish is split between them and stored once; a robot registered through one is heard
// by the other at once; a person's session ended through one ends on the other; the periodic work
// is done by one. Then the one doing it is killed with SIGKILL in the middle of the traffic: nothing
// is lost or stored twice, no alert is raised or sent twice, and the survivor takes the work over.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { SQL } from 'bun'
import mqtt from 'mqtt'
import { encodeChunk } from '../../core/chunk-codec.ts'
import type { Sample, StreamName } from '../../core/streams.ts'
import { freePorts } from '../../tools/services/free-port.ts'
import { SYNC_VERSION } from '../../sync/protocol.ts'
import { liveProtocols } from '../../core/live/protocol.ts'
import { nominalSeconds } from '../../bench/nominal-load.ts'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { LoadBalancer } from '../support/load-balancer.ts'
import { startHubProcess, startHubServices, type HubServices, type Proc } from '../support/processes.ts'
import { checkAgreement } from '../support/sync-agreement.ts'
import { localIso } from '../support/legacy-client.ts'
import { waitCaughtUp } from '../support/sync-harness.ts'

const ADMIN = 'replicas-admin-password'
const JWT = 'replicas-test-jwt-secret-0123456789abcdef'
let s: HubServices
let a: Proc
let b: Proc
let lb: LoadBalancer
let lbBase: string
let admin: string
const hooks: { delivery: string; body: { id: number; robot_id: string; type: string; change: string; severity: string } }[] = []
let hookServer: ReturnType<typeof Bun.serve>
const clients: mqtt.MqttClient[] = []
const edges: EdgeHarness[] = []

async function hubEnv(replica: string) {
  return {
    TONYPI_HUB_REPLICA_ID: replica,
    TONYPI_HUB_JWT_SECRET: JWT,
    TONYPI_LOG_LEVEL: 'info',
    TONYPI_HUB_OFFLINE_AFTER_S: '3',
    TONYPI_HUB_ALERT_INTERVAL_S: '0.5',
    TONYPI_HUB_ALERT_WEBHOOK_URL: `http://127.0.0.1:${hookServer.port}/hook`,
    TONYPI_HUB_ALERT_WEBHOOK_BACKOFF_MS: '50',
  }
}

async function api(base: string, method: string, path: string, json?: unknown, token = admin) {
  const r = await fetch(`${base}/api/v1/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  })
  return { status: r.status, body: await r.json().catch(() => null) }
}

const health = async (p: Proc) =>
  (await (await fetch(`${p.base}/api/v1/health`)).json()) as {
    cluster: {
      replica: string
      leases: Record<string, boolean>
      ingest: { messages: number; resent: number }
      adopted: { adopted_sessions: number; adopted_messages: number }
    }
  }
const DUTIES = ['presence', 'ordered-ingest', 'fleet-alerts', 'log-retention', 'webhook-outbox']

async function register(robotId: string, base = lbBase): Promise<string> {
  const r = await api(base, 'POST', 'robots', { robot_id: robotId })
  expect(r.status).toBe(201)
  return r.body.credential.token
}

async function robotClient(robotId: string, token: string): Promise<mqtt.MqttClient> {
  const c = mqtt.connect(s.services.mqtt_url, {
    username: `robot-${robotId}`,
    password: token,
    clientId: `test-${robotId}`,
    protocolVersion: 4,
    reconnectPeriod: 500,
  })
  clients.push(c)
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve())
    c.once('error', reject)
  })
  return c
}

async function influxCount(measurement: string, robotId: string): Promise<number> {
  const u = new URL(`${s.services.influx_url}/query`)
  u.searchParams.set('db', s.services.influx_db)
  u.searchParams.set('u', s.services.influx_username)
  u.searchParams.set('p', s.services.influx_password)
  u.searchParams.set('q', `SELECT count(*) FROM "${measurement}" WHERE "robot_id" = '${robotId}'`)
  const j = (await (await fetch(u)).json()) as { results: { series?: { values: number[][] }[] }[] }
  return Math.max(0, ...(j.results[0].series?.[0].values[0].slice(1) ?? [0]))
}

async function pg<T>(fn: (sql: SQL) => Promise<T>): Promise<T> {
  const sql = new SQL(s.services.postgres_url, { max: 1 })
  try {
    return await fn(sql)
  } finally {
    await sql.close()
  }
}

beforeAll(async () => {
  hookServer = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      hooks.push({ delivery: req.headers.get('x-tonypi-delivery') ?? '', body: await req.json() })
      return new Response(null, { status: 204 })
    },
  })
  s = await startHubServices()
  const [pa, pb] = await freePorts(2)
  a = await startHubProcess(s, pa, ADMIN, await hubEnv('replica-a'))
  // A holds every duty before B starts: the one to kill is the one doing the work.
  await waitFor(
    'replica A holds every duty',
    async () => {
      const h = await health(a)
      return DUTIES.every((d) => h.cluster.leases[d])
    },
    10_000,
  )
  b = await startHubProcess(s, pb, ADMIN, await hubEnv('replica-b'))
  lb = new LoadBalancer([pa, pb]).start()
  lbBase = `http://127.0.0.1:${lb.port}`
  const login = await fetch(`${lbBase}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN }),
  })
  admin = (await login.json()).access_token
  // Offline robots raise their alert a second after the heartbeat timeout, not two minutes.
  expect((await api(lbBase, 'PUT', 'alerts/rules/robot_offline', { min_duration_s: 1 })).status).toBe(200)
}, 120_000)

afterAll(async () => {
  for (const c of clients) c.end(true)
  for (const e of edges) await e.stop().catch(() => undefined)
  lb?.stop()
  await a?.stop().catch(() => undefined)
  await b?.stop().catch(() => undefined)
  await s?.services.stop()
  hookServer?.stop(true)
  if (s) rmSync(s.dir, { recursive: true, force: true })
})

describe('two replicas', () => {
  test('each replica is one process with a name; one of them holds each duty', async () => {
    const [ha, hb] = [await health(a), await health(b)]
    expect([ha.cluster.replica, hb.cluster.replica]).toEqual(['replica-a', 'replica-b'])
    for (const d of DUTIES) expect(Number(ha.cluster.leases[d]) + Number(hb.cluster.leases[d])).toBe(1)
  })

  test('a robot registered through one replica is stored by both at once, each message once', async () => {
    // The finding that opened the issue: B dropped every message of a robot registered through A.
    const token = await register('reg-a', a.base)
    const c = await robotClient('reg-a', token)
    const t0 = Date.now() - 60_000
    for (let i = 0; i < 60; i++) {
      c.publish('tonypi/reg-a/battery', JSON.stringify({ robot_id: 'reg-a', ts: t0 + i * 10, voltage_v: 7.4, percent: 50 }))
      c.publish('tonypi/logs/reg-a', JSON.stringify({ robot_id: 'reg-a', level: 'INFO', message: `reg-a line ${i}`, source: 'test' }))
    }
    await waitFor('60 points in InfluxDB', async () => (await influxCount('battery', 'reg-a')) === 60, 15_000)
    const rows = await waitFor(
      '60 log lines',
      () =>
        pg(async (sql) => {
          const r = await sql`select message, count(*)::int n from system_logs where robot_id = 'reg-a' and message like 'reg-a line %' group by message`
          return r.length === 60 ? r : null
        }),
      15_000,
    )
    expect(rows.every((r: { n: number }) => r.n === 1)).toBe(true)
    expect([...a.logs, ...b.logs].filter((l) => l.includes('is not registered'))).toEqual([])
    // Both took a share.
    const [ha, hb] = [await health(a), await health(b)]
    expect(ha.cluster.ingest.messages).toBeGreaterThan(0)
    expect(hb.cluster.ingest.messages).toBeGreaterThan(0)
  }, 30_000)

  test("an earlier client's six-message IMU readings are assembled whole, and its status logged once", async () => {
    // The earlier layout (as the opt-in listener relays it) sends one reading as six messages and
    // repeats its status every 10 s: what is assembled or compared per robot is taken by one replica.
    const token = await register('split-imu')
    const c = await robotClient('split-imu', token)
    const t0 = Date.now() - 60_000
    const axes = ['accelerometer_x', 'accelerometer_y', 'accelerometer_z', 'gyroscope_x', 'gyroscope_y', 'gyroscope_z']
    for (let i = 0; i < 30; i++) {
      if (i % 10 === 0) c.publish('tonypi/status/split-imu', JSON.stringify({ robot_id: 'split-imu', status: 'online', hardware_available: false }))
      for (const [k, sensor_type] of axes.entries())
        c.publish(
          'tonypi/sensors/split-imu',
          JSON.stringify({ robot_id: 'split-imu', sensor_type, value: k === 2 ? 9.8 : 0.1, timestamp: localIso(t0 + i * 100), unit: 'm/s^2' }),
        )
    }
    await waitFor('30 IMU readings in InfluxDB', async () => (await influxCount('imu', 'split-imu')) === 30, 15_000)
    const logs = await waitFor(
      'its status logged',
      () =>
        pg(async (sql) => {
          const r = await sql`select message from system_logs where robot_id = 'split-imu' and message like 'earlier client%'`
          return r.length ? r : null
        }),
      10_000,
    )
    expect(logs.map((r: { message: string }) => r.message)).toEqual(['earlier client split-imu: online'])
  }, 30_000)

  test('the same sync batch sent to both replicas at once is applied once', async () => {
    const token = await register('twice')
    const auth = `Basic ${btoa(`robot-twice:${token}`)}`
    const tick = nominalSeconds(Date.now() - 5000, 1).next().value as Sample[]
    const byStream = new Map<StreamName, Sample[]>()
    for (const x of tick) byStream.set(x.stream, [...(byStream.get(x.stream) ?? []), x])
    const chunks = [...byStream].map(([stream, list], i) => {
      const enc = encodeChunk(stream, list)
      return { kind: 'chunk', seq: i + 1, stream, t0: enc.t0, t1: enc.t1, n: enc.n, data: Buffer.from(enc.data).toString('base64') }
    })
    const events = Array.from({ length: 5 }, (_, i) => ({
      kind: 'event',
      seq: chunks.length + i + 1,
      ts: Date.now() - 4000 + i,
      level: 'info',
      event: 'note',
      data: { message: `twice ${i}` },
    }))
    const body = Bun.gzipSync(
      Buffer.from(
        JSON.stringify({
          v: SYNC_VERSION,
          robot_id: 'twice',
          db_id: 'db-twice',
          boot_id: 'boot-twice',
          wall_ms: Date.now(),
          mono_ms: performance.now(),
          lanes: { telemetry: { after: 0, to: chunks.length }, events: { after: 0, to: chunks.length + events.length } },
          backlog: { events: 0, telemetry: 0 },
          oldest_pending_ts: null,
          dropped: {},
          clock: [],
          records: [...chunks, ...events],
        }),
      ),
    )
    const post = (p: Proc) =>
      fetch(`${p.base}/api/v1/sync/batch`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body,
      })
    const answers = await Promise.all([post(a), post(b), post(a), post(b)])
    const acks = await Promise.all(answers.map(async (r) => ({ status: r.status, body: await r.json() })))
    expect(acks.map((x) => x.status)).toEqual([200, 200, 200, 200])
    expect(new Set(acks.map((x) => JSON.stringify(x.body.ack))).size).toBe(1)
    const rows = await pg((sql) => sql`select edge_key, count(*)::int n from system_logs where robot_id = 'twice' and edge_key is not null group by edge_key`)
    expect(rows).toHaveLength(5)
    expect(rows.every((r: { n: number }) => r.n === 1)).toBe(true)
    expect(await influxCount('imu', 'twice')).toBe(tick.filter((x) => x.stream === 'imu').length)
  }, 30_000)

  test("a person's session ended through one replica closes their live socket on the other", async () => {
    expect((await api(lbBase, 'POST', 'users', { username: 'watcher', password: 'watcher-password', role: 'viewer' })).status).toBe(201)
    const login = await fetch(`${b.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'watcher', password: 'watcher-password' }),
    })
    const token = (await login.json()).access_token
    const ws = new WebSocket(`${b.base.replace('http', 'ws')}/api/v1/live`, liveProtocols(token))
    const closed = new Promise<number>((r) => {
      ws.onclose = (e) => r(e.code)
    })
    await new Promise((resolve, reject) => {
      ws.onopen = resolve
      ws.onerror = () => reject(new Error('the live socket was refused'))
    })
    const id = (await api(a.base, 'GET', 'users')).body.find((u: { username: string }) => u.username === 'watcher').id
    expect((await api(a.base, 'POST', `users/${id}/tokens/revoke`)).status).toBe(200)
    expect(await closed).toBe(4001)
  }, 20_000)
})

describe('the replica doing the periodic work is killed mid-traffic', () => {
  test('nothing lost or stored twice, no alert raised or sent twice, the survivor takes over', async () => {
    // Robots that sync (their history by HTTP batches through the load balancer, live over MQTT).
    for (const id of ['sync-1', 'sync-2']) {
      const token = await register(id)
      edges.push(await startTestEdge({ TONYPI_ROBOT_ID: id, TONYPI_HUB_URL: lbBase, TONYPI_HUB_TOKEN: token, TONYPI_SYNC_MAX_KBPS: '4096' }))
    }
    // Robots that publish on MQTT what the hub stores (the earlier client's layout and ours).
    const legacy = ['mq-1', 'mq-2', 'mq-3']
    const pubs = await Promise.all(legacy.map(async (id) => robotClient(id, await register(id))))
    // Robots that fall silent: one before the kill (its alert is raised by the replica that dies),
    // one just after (its alert is raised by the survivor).
    const quiet = ['quiet-before', 'quiet-after']
    const quietClients = await Promise.all(quiet.map(async (id) => robotClient(id, await register(id))))
    for (const [i, c] of quietClients.entries())
      c.publish(`tonypi/${quiet[i]}/battery`, JSON.stringify({ robot_id: quiet[i], ts: Date.now(), voltage_v: 7.5, percent: 60 }))
    await waitFor(
      'the synced robots online',
      async () =>
        (await Promise.all(['sync-1', 'sync-2'].map(async (id) => (await api(lbBase, 'GET', `robots/${id}`)).body.status))).every((x) => x === 'online'),
      20_000,
    )

    const sent = { points: new Map<string, number>(), logs: [] as string[], jobs: [] as string[] }
    let running = true
    const t0 = Date.now() - 120_000
    const traffic = (async () => {
      for (let i = 0; running; i++) {
        for (const [k, c] of pubs.entries()) {
          const id = legacy[k]
          // QoS 0, as the earlier client publishes: the broker upgrades it for the hub's ingest.
          c.publish(`tonypi/${id}/battery`, JSON.stringify({ robot_id: id, ts: t0 + i * 10, voltage_v: 7 + (i % 10) / 10, percent: 50 }))
          sent.points.set(id, (sent.points.get(id) ?? 0) + 1)
          if (i % 5 === 0) {
            const line = `${id} line ${i}`
            c.publish(`tonypi/logs/${id}`, JSON.stringify({ robot_id: id, level: 'INFO', message: line, source: 'test' }))
            sent.logs.push(line)
          }
          if (i % 20 === 0) {
            const task = `${id}-task-${i}`
            for (const status of ['started', 'in_progress', 'completed'])
              c.publish(`tonypi/${id}/job`, JSON.stringify({ task_name: task, status, items_done: status === 'completed' ? 3 : 1, items_total: 3 }))
            sent.jobs.push(task)
          }
        }
        if (i % 10 === 0)
          quietClients[1].publish('tonypi/quiet-after/battery', JSON.stringify({ robot_id: 'quiet-after', ts: Date.now(), voltage_v: 7.5, percent: 60 }))
        await Bun.sleep(20) // the robots' publishing pace, not a wait for anything
      }
    })()

    const alertOf = async (robotId: string) =>
      (await api(lbBase, 'GET', `alerts?robot_id=${robotId}&type=robot_offline`)).body as { id: number; resolved: boolean }[]
    await waitFor('quiet-before offline and alerted (by A)', async () => (await alertOf('quiet-before')).length === 1, 15_000)
    const live = new WebSocket(`${b.base.replace('http', 'ws')}/api/v1/live`, liveProtocols(admin))
    let liveAfterKill = 0
    let killed = false
    live.onmessage = (e) => {
      const m = JSON.parse(String(e.data))
      if (killed && m.type === 'samples' && m.robot_id.startsWith('sync-')) liveAfterKill++
    }

    const victim = (await health(a)).cluster.leases['fleet-alerts'] ? a : b
    const survivor = victim === a ? b : a
    const stored = () => Promise.all(legacy.map((id) => influxCount('battery', id)))
    // The kill lands in the middle of the traffic: every robot's points are being stored.
    await waitFor('traffic stored before the kill', async () => (await stored()).every((n) => n >= 20), 15_000)
    await victim.kill9()
    killed = true
    // quiet-after falls silent now: only the survivor can raise its alert.
    quietClients[1].end(true)

    // The traffic goes on through the takeover, until the survivor has stored points sent after it.
    const took = await waitFor(
      'the survivor holds every duty',
      async () => {
        const h = await health(survivor)
        return DUTIES.every((d) => h.cluster.leases[d]) ? h : null
      },
      15_000,
    )
    expect(took.cluster.replica).toBe(survivor === a ? 'replica-a' : 'replica-b')
    await waitFor("the dead replica's ingest session adopted", async () => (await health(survivor)).cluster.adopted.adopted_sessions >= 1, 15_000)
    const sentAtTakeover = legacy.map((id) => sent.points.get(id) ?? 0)
    await waitFor('points sent after the takeover stored', async () => (await stored()).every((n, k) => n > sentAtTakeover[k]), 20_000)
    await waitFor('the live feed after the kill', () => liveAfterKill > 10, 15_000)
    running = false
    await traffic
    if (process.env.REPLICAS_DEBUG)
      console.log(JSON.stringify((await health(survivor)).cluster), survivor.logs.filter((l) => /adopt|took over|ingest/.test(l)).join('\n'))

    // MQTT: every point and log line and job, once.
    for (const id of legacy) {
      await waitFor(`every point of ${id}`, async () => (await influxCount('battery', id)) === sent.points.get(id), 20_000).catch(async (err) => {
        throw new Error(`${err.message}: ${await influxCount('battery', id)} of ${sent.points.get(id)}`)
      })
    }
    const logsStored = () =>
      pg((sql) => sql`select message, count(*)::int n from system_logs where category = 'robot' and message like 'mq-% line %' group by message`)
    const logs = await waitFor(
      'every log line stored',
      async () => {
        const l = await logsStored()
        return l.length >= sent.logs.length ? l : null
      },
      20_000,
    )
    expect(logs.filter((r: { n: number }) => r.n > 1)).toEqual([])
    expect(logs.map((r: { message: string }) => r.message).sort()).toEqual([...sent.logs].sort())
    // Jobs come through their own ordered session: the last ones may land after the last point.
    const jobsStored = () => pg((sql) => sql`select task_name, status, count(*)::int n from jobs where robot_id like 'mq-%' group by task_name, status`)
    const jobs = await waitFor(
      'every job stored and completed',
      async () => {
        const j = await jobsStored()
        return j.filter((x: { status: string }) => x.status === 'completed').length >= sent.jobs.length ? j : null
      },
      20_000,
    )
    expect(jobs.map((j: { task_name: string }) => j.task_name).sort()).toEqual([...sent.jobs].sort())
    expect(jobs.filter((j: { n: number; status: string }) => j.n !== 1 || j.status !== 'completed')).toEqual([])

    // Synced robots: the hub has exactly what each robot has.
    for (const e of edges) {
      await waitCaughtUp(e, 30_000)
      const agreement = await checkAgreement({
        robotId: e.edge.ctx.config.robotId!,
        edgeDbPath: join(e.dataDir, 'edge.db'),
        postgresUrl: s.services.postgres_url,
        influx: { url: s.services.influx_url, db: s.services.influx_db, user: s.services.influx_username, password: s.services.influx_password },
      })
      expect(agreement.problems).toEqual([])
    }

    // Alerts: each raised once, by whichever replica held the evaluation; each change sent once.
    await waitFor('quiet-after alerted (by the survivor)', async () => (await alertOf('quiet-after')).length === 1, 15_000)
    expect(await alertOf('quiet-before')).toHaveLength(1)
    // Two more passes of the survivor's rules: a second raise would show now.
    const evaluations = async () => Number(/^tonypi_hub_alert_evaluations_total (\d+)/m.exec(await (await fetch(`${survivor.base}/metrics`)).text())?.[1] ?? 0)
    const passes = await evaluations()
    await waitFor('two more passes of the alert rules', async () => (await evaluations()) >= passes + 2, 10_000)
    const rows = await pg((sql) => sql`select robot_id, count(*)::int n from alerts where type = 'robot_offline' group by robot_id`)
    expect(rows.filter((r: { n: number }) => r.n !== 1)).toEqual([])
    await waitFor('both alerts sent', () => quiet.every((id) => hooks.some((h) => h.body.robot_id === id && h.body.change === 'open')), 15_000)
    const deliveries = new Map<string, Set<string>>()
    for (const h of hooks) {
      const k = `${h.body.id}/${h.body.change}/${h.body.severity}`
      deliveries.set(k, new Set([...(deliveries.get(k) ?? []), h.delivery]))
    }
    expect([...deliveries].filter(([, ids]) => ids.size !== 1)).toEqual([])

    // The survivor serves its browsers the fleet's live feed, and commands with their replies.
    expect(liveAfterKill).toBeGreaterThan(10)
    live.close()
    const cmd = await api(lbBase, 'POST', 'command', { robot_id: 'sync-1', type: 'servo.move', targets: [{ id: 7, position: 400 }], duration_ms: 50 })
    expect(cmd.body.state).toBe('done')
  }, 180_000)
})
