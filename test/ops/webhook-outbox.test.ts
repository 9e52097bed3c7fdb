// An alert change and its webhook delivery are written together or not at all: the hub (a real
// process) is killed with kill -9 while its transaction waits to write the delivery (another
// session holds the outbox table locked, so the moment is not left to chance). Restarted, the
// hub raises the alert and the receiver gets it, once. Were the delivery written after the
// change's commit, the alert would be stored without it and never sent.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { SQL } from 'bun'
import { rmSync } from 'node:fs'
import { freePort } from '../../tools/services/free-port.ts'
import { mqttConnect } from '../../tools/services/test-helpers.ts'
import { basicAuth } from '../../sync/hub-request.ts'
import { SYNC_VERSION } from '../../sync/protocol.ts'
import { waitFor } from '../support/edge-harness.ts'
import { startHubProcess, startHubServices, type HubServices, type Proc } from '../support/processes.ts'

const ADMIN = 'outbox-admin-password'
const ENV = () => ({
  TONYPI_HUB_ALERT_WEBHOOK_URL: `http://127.0.0.1:${receiver.port}/hook`,
  TONYPI_HUB_ALERT_INTERVAL_S: '1',
  TONYPI_HUB_OFFLINE_AFTER_S: '1',
})
let services: HubServices
let hub: Proc | null = null
const received: { delivery: string; body: { robot_id: string; type: string; change: string } }[] = []
const receiver = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  async fetch(req) {
    received.push({ delivery: req.headers.get('x-tonypi-delivery') ?? '', body: await req.json() })
    return new Response('ok')
  },
})

beforeAll(async () => {
  services = await startHubServices()
}, 120_000)
afterAll(async () => {
  await hub?.kill9()
  receiver.stop(true)
  await services?.services.stop()
  if (services) rmSync(services.dir, { recursive: true, force: true })
})

test('a hub killed between an alert change and its delivery loses neither', async () => {
  const port = await freePort()
  const env = ENV()
  hub = await startHubProcess(services, port, ADMIN, env)
  const login = await fetch(`${hub.base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN }),
  })
  const token = (await login.json()).access_token
  const api = (method: string, path: string, json?: unknown) =>
    fetch(`${hub!.base}/api/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(json ? { body: JSON.stringify(json) } : {}),
    })
  // A robot that is offline the moment it is gone.
  expect((await api('PUT', 'alerts/rules/robot_offline', { min_duration_s: 0 })).status).toBe(200)
  const cred = (await (await api('POST', 'robots', { robot_id: 'gonebot' })).json()).credential

  const pg = new SQL(services.services.postgres_url, { max: 1 })
  const lock = await pg.reserve()
  try {
    await lock`begin`
    await lock`lock table webhook_outbox in access exclusive mode`
    // The robot is heard from, then goes: the next evaluation opens its alert.
    const robot = await waitFor(
      'the robot connected',
      () => mqttConnect(services.services.mqtt_url, { username: cred.username, password: cred.token, reconnectPeriod: 0 }),
      10_000,
      200,
    )
    robot.publish('tonypi/gonebot/status', JSON.stringify({ robot_id: 'gonebot', status: 'online' }), { retain: true, qos: 1 })
    await waitFor('the hub to see it', async () => (await (await api('GET', 'robots/gonebot')).json()).status === 'online', 10_000, 100)
    robot.publish('tonypi/gonebot/status', JSON.stringify({ robot_id: 'gonebot', status: 'offline' }), { retain: true, qos: 1 })
    await new Promise<void>((resolve) => robot.end(false, {}, () => resolve()))
    // The hub's transaction waits on the outbox: kill it there.
    const check = new SQL(services.services.postgres_url, { max: 1 })
    try {
      await waitFor(
        'the delivery waiting on the lock',
        async () => (await check`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%webhook_outbox%'`).length > 0,
        20_000,
        50,
      )
      await hub.kill9()
      hub = null
      // Nothing of the change was kept without its delivery.
      await lock`commit`
      const [{ n }] = await check`select count(*)::int n from alerts where robot_id = 'gonebot' and type = 'robot_offline'`
      expect(n).toBe(0)
    } finally {
      await check.close()
    }
  } finally {
    lock.release()
    await pg.close()
  }
  expect(received).toEqual([])

  hub = await startHubProcess(services, port, ADMIN, env)
  const got = await waitFor(
    'the alert delivered',
    () => received.find((r) => r.body.robot_id === 'gonebot' && r.body.type === 'robot_offline' && r.body.change === 'open'),
    30_000,
    100,
  )
  expect(got.delivery).toMatch(/^[0-9a-f-]{36}$/)
  // Once: the delivery is done and out of the outbox, and nothing more comes.
  const pg2 = new SQL(services.services.postgres_url, { max: 1 })
  try {
    await waitFor('the outbox empty', async () => (await pg2`select 1 from webhook_outbox`).length === 0, 10_000, 100)
  } finally {
    await pg2.close()
  }
  // Two more evaluations of the fleet's rules: they must not open it again.
  const evaluations = async () => Number(/^tonypi_hub_alert_evaluations_total (\d+)$/m.exec(await (await fetch(`${hub!.base}/metrics`)).text())?.[1])
  const now = await evaluations()
  await waitFor('two more evaluations', async () => (await evaluations()) >= now + 2, 10_000, 100)
  expect(received.filter((r) => r.body.robot_id === 'gonebot' && r.body.change === 'open')).toHaveLength(1)
  await hub.stop()
  hub = null
}, 120_000)

/** Runs `during` while another session holds the outbox locked, kills the hub once its transaction waits on it, and releases the lock. */
async function killWhileDeliveryWaits(during: () => Promise<void>) {
  const pg = new SQL(services.services.postgres_url, { max: 2 })
  const lock = await pg.reserve()
  try {
    await lock`begin`
    await lock`lock table webhook_outbox in access exclusive mode`
    await during()
    await waitFor(
      'the delivery waiting on the lock',
      async () => (await pg`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%webhook_outbox%'`).length > 0,
      20_000,
      50,
    )
    await hub!.kill9()
    hub = null
    await lock`commit`
  } finally {
    lock.release()
    await pg.close()
  }
}

test("a robot's own alert arriving by sync, the hub killed before its delivery is written: sent again and delivered once", async () => {
  const port = await freePort()
  hub = await startHubProcess(services, port, ADMIN, ENV())
  const token = (
    await (
      await fetch(`${hub.base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: ADMIN }),
      })
    ).json()
  ).access_token
  const cred = (
    await (
      await fetch(`${hub.base}/api/v1/robots`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ robot_id: 'hotbot' }),
      })
    ).json()
  ).credential
  const now = Date.now()
  const batch = {
    v: SYNC_VERSION,
    robot_id: 'hotbot',
    db_id: 'database-hot',
    boot_id: 'boot-1',
    wall_ms: now,
    mono_ms: 1_000_000,
    lanes: { events: { after: 0, to: 7 } },
    backlog: { events: 0, telemetry: 0 },
    oldest_pending_ts: null,
    dropped: {},
    clock: [{ boot_id: 'boot-1', first_seq: 0, offset_ms: now - 1_000_000 }],
    records: [
      {
        kind: 'alert',
        seq: 7,
        id: 3,
        type: 'servo_temperature',
        severity: 'critical',
        source: '5',
        value: 72,
        threshold: 70,
        title: 'Servo 5 hot',
        message: 'Servo 5 at 72 C',
        created_at: now - 1000,
        updated_at: now - 1000,
        acknowledged: false,
        acknowledged_by: null,
        acknowledged_at: null,
        resolved: false,
        resolved_at: null,
      },
    ],
  }
  // The robot's request: sent until the hub answers it, as the robot's sync client does.
  const send = () =>
    fetch(`${hub!.base}/api/v1/sync/batch`, {
      method: 'POST',
      body: Bun.gzipSync(Buffer.from(JSON.stringify(batch))) as Uint8Array<ArrayBuffer>,
      headers: { authorization: basicAuth(cred.username, cred.token), 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
  let inFlight: Promise<unknown> = Promise.resolve()
  await killWhileDeliveryWaits(async () => {
    inFlight = send().catch(() => null)
  })
  expect(await inFlight).toBeNull() // no answer: the robot will send it again
  const pg = new SQL(services.services.postgres_url, { max: 1 })
  try {
    expect((await pg`select count(*)::int n from alerts where robot_id = 'hotbot'`)[0].n).toBe(0)
  } finally {
    await pg.close()
  }
  hub = await startHubProcess(services, port, ADMIN, ENV())
  expect((await send()).status).toBe(200)
  const got = await waitFor("the robot's alert delivered", () => received.find((r) => r.body.robot_id === 'hotbot' && r.body.change === 'open'), 15_000, 100)
  expect(got.body.type).toBe('servo_temperature')
  // The robot, not hearing back in time, sends it once more: no second delivery.
  expect((await send()).status).toBe(200)
  const pg2 = new SQL(services.services.postgres_url, { max: 1 })
  try {
    await waitFor('the outbox empty', async () => (await pg2`select 1 from webhook_outbox`).length === 0, 10_000, 100)
  } finally {
    await pg2.close()
  }
  expect(received.filter((r) => r.body.robot_id === 'hotbot')).toHaveLength(1)
}, 120_000)
