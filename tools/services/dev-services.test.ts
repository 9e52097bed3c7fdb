// The hub's dev services for real: each one used the way the hub will use it, a restart on the same
// directory that finds everything written before, and nothing left running after stop().
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { SQL } from 'bun'
import { startDevServices, readServicesJson, type DevServices } from './dev-services.ts'
import { mosquittoHash } from '../../hub/mqtt/mosquitto-hash.ts'
import { ensureHubTls } from './tls.ts'
import { certificateFingerprint } from '../../sync/ca-fingerprint.ts'
import { mqttConnect, nextMessage, scratchDir, waitNoLeftovers } from './test-helpers.ts'

const scratch = scratchDir('dev-services')
let svc: DevServices
const pgids: number[] = []
const timings: Record<string, number> = {}

async function start(label: string): Promise<DevServices> {
  const t0 = performance.now()
  const s = await startDevServices(scratch.dir)
  timings[label] = Math.round(performance.now() - t0)
  pgids.push(s.postgres.pid, s.influxdb.pid, s.mosquitto.pid)
  return s
}

beforeAll(async () => {
  svc = await start('cold')
}, 180_000) // a first run as root may install the Debian packages

afterAll(async () => {
  await svc?.stop()
  console.log(`dev services start-up: ${JSON.stringify(timings)} ms`)
  scratch.remove()
})

const basic = (u: string, p: string) => `Basic ${btoa(`${u}:${p}`)}`

async function influxQuery(s: DevServices, q: string) {
  const res = await fetch(`${s.influx_url}/query?db=${s.influx_db}&epoch=ms&q=${encodeURIComponent(q)}`, {
    headers: { authorization: basic(s.influx_username, s.influx_password) },
  })
  expect(res.status).toBe(200)
  return (await res.json()) as { results: { series?: { columns: string[]; values: unknown[][] }[]; error?: string }[] }
}

const ROBOT = { username: 'robot-1', password: 'robot-secret-1' }
const VIEWER = { username: 'viewer-1', password: 'viewer-secret-1' }
const ACL = `user robot-1
topic write tonypi/robot-1/#
topic read tonypi/robot-1/command/#

user viewer-1
topic read tonypi/#
`
const POINT_MS = 1_700_000_000_123

describe('first start', () => {
  test('services.json names every service and is readable only by its owner', () => {
    expect(statSync(svc.servicesFile).mode & 0o777).toBe(0o600)
    const json = readServicesJson(scratch.dir)
    expect(json).toEqual({
      postgres_url: svc.postgres_url,
      influx_url: svc.influx_url,
      influx_db: 'tonypi',
      influx_username: svc.influx_username,
      influx_password: svc.influx_password,
      grafana_postgres_url: svc.grafana_postgres_url,
      grafana_influx_username: svc.grafana_influx_username,
      grafana_influx_password: svc.grafana_influx_password,
      mqtt_url: svc.mqtt_url,
      mqtt_ws_url: svc.mqtt_ws_url,
      mqtt_username: svc.mqtt_username,
      mqtt_password: svc.mqtt_password,
      grafana_provisioning_dir: `${scratch.dir}/grafana/provisioning`,
      mosquitto_password_file: `${scratch.dir}/mosquitto/passwd`,
      mosquitto_acl_file: `${scratch.dir}/mosquitto/acl`,
      mqtts_url: svc.mqtts_url,
      tls_ca_file: `${scratch.dir}/tls/ca.pem`,
      tls_cert_file: `${scratch.dir}/tls/server.pem`,
      tls_key_file: `${scratch.dir}/tls/server.key`,
      tls_ca_fingerprint: certificateFingerprint(readFileSync(`${scratch.dir}/tls/ca.pem`, 'utf8')),
    })
    expect(statSync(`${scratch.dir}/tls/server.key`).mode & 0o777).toBe(0o600)
    expect(svc.mqtts_url).toStartWith('mqtts://127.0.0.1:')
    expect(svc.mqtt_ws_url).toStartWith('wss://127.0.0.1:')
    expect(existsSync(svc.grafana_provisioning_dir)).toBe(true)
    for (const url of [svc.postgres_url, svc.influx_url, svc.mqtt_url, svc.mqtt_ws_url]) expect(url).toContain('127.0.0.1:')
  })

  test('postgres: the role logs in over TCP with its password and can create and fill a table', async () => {
    const sql = new SQL(svc.postgres_url)
    try {
      await sql`CREATE TABLE robots (id text PRIMARY KEY, name text NOT NULL)`
      await sql`INSERT INTO robots ${sql({ id: 'tonypi-01', name: 'first' })}`
      const [row] = await sql`SELECT current_user AS who, current_database() AS db, count(*)::int AS n FROM robots`
      expect(row).toEqual({ who: 'tonypi', db: 'tonypi', n: 1 })
    } finally {
      await sql.close()
    }
  })

  test('postgres: a wrong password is refused (no trust over TCP)', async () => {
    const url = new URL(svc.postgres_url)
    url.password = 'not-the-password'
    const sql = new SQL(url.toString(), { max: 1 })
    try {
      await expect(sql`SELECT 1`).rejects.toThrow(/password authentication failed/)
    } finally {
      await sql.close()
    }
  })

  test('influxdb: a line-protocol point written with the admin credentials reads back; anonymous writes are refused', async () => {
    const line = `servos,robot_id=tonypi-01,servo_id=3 position=500i,temperature=41.5 ${POINT_MS}`
    const write = (auth?: string) =>
      fetch(`${svc.influx_url}/write?db=${svc.influx_db}&precision=ms`, {
        method: 'POST',
        body: line,
        headers: auth ? { authorization: auth } : {},
      })
    expect((await write()).status).toBe(401)
    expect((await write(basic(svc.influx_username, svc.influx_password))).status).toBe(204)
    const answer = await influxQuery(svc, `SELECT position, temperature FROM servos WHERE robot_id = 'tonypi-01'`)
    expect(answer.results[0].series?.[0].values).toEqual([[POINT_MS, 500, 41.5]])
  })

  test('mosquitto: the service account publishes and subscribes; anonymous and wrong passwords are refused', async () => {
    const hub = await mqttConnect(svc.mqtt_url, { username: svc.mqtt_username, password: svc.mqtt_password })
    try {
      const got = nextMessage(hub, 'tonypi/system/broadcast')
      await Bun.sleep(0)
      await hub.publishAsync('tonypi/system/broadcast', 'hello', { qos: 1 })
      expect((await got).payload).toBe('hello')
    } finally {
      await hub.endAsync()
    }
    await expect(mqttConnect(svc.mqtt_url)).rejects.toThrow(/not authorized|bad user name or password/i)
    await expect(mqttConnect(svc.mqtt_url, { username: svc.mqtt_username, password: 'wrong' })).rejects.toThrow(/not authorized|bad user name or password/i)
  })

  test('mosquitto: accounts written by writeAuth are refused before and accepted after the reload, with their ACLs', async () => {
    await expect(mqttConnect(svc.mqtt_url, ROBOT)).rejects.toThrow(/not authorized|bad user name or password/i)
    await svc.mosquitto.writeAuth([ROBOT, { username: VIEWER.username, passwordHash: mosquittoHash(VIEWER.password) }], ACL)
    const robot = await mqttConnect(svc.mqtt_url, ROBOT)
    const viewer = await mqttConnect(svc.mqtt_url, VIEWER)
    const hub = await mqttConnect(svc.mqtt_url, { username: svc.mqtt_username, password: svc.mqtt_password })
    try {
      const seen = nextMessage(viewer, 'tonypi/robot-1/status')
      const seenByHub = nextMessage(hub, 'tonypi/robot-1/status')
      await Bun.sleep(50)
      await robot.publishAsync('tonypi/robot-1/status', 'online', { qos: 1, retain: true })
      expect((await seen).payload).toBe('online')
      expect((await seenByHub).payload).toBe('online')
      // Under its own id only: the broker answers a foreign topic with "not authorized".
      await expect(robot.publishAsync('tonypi/robot-2/status', 'spoof', { qos: 1 })).rejects.toThrow(/not authorized/i)
      // A viewer only reads.
      await expect(viewer.publishAsync('tonypi/robot-1/command/request', '{}', { qos: 1 })).rejects.toThrow(/not authorized/i)
    } finally {
      await Promise.all([robot.endAsync(), viewer.endAsync(), hub.endAsync()])
    }
  })

  test("mosquitto: MQTT over TLS and over TLS WebSocket with the hub's CA; a client that trusts another CA is refused", async () => {
    const ca = readFileSync(svc.tls_ca_file!, 'utf8')
    const tls = await mqttConnect(svc.mqtts_url!, { username: svc.mqtt_username, password: svc.mqtt_password, ca, rejectUnauthorized: true })
    await tls.endAsync()
    const other = scratchDir('other-ca')
    try {
      const wrong = readFileSync(ensureHubTls(other.dir).caFile, 'utf8')
      await expect(
        mqttConnect(svc.mqtts_url!, { username: svc.mqtt_username, password: svc.mqtt_password, ca: wrong, rejectUnauthorized: true }),
      ).rejects.toThrow(/unable to verify|self.signed|certificate/i)
    } finally {
      other.remove()
    }
    const ws = await mqttConnect(svc.mqtt_ws_url as string, { username: svc.mqtt_username, password: svc.mqtt_password, ca, rejectUnauthorized: true })
    try {
      const got = nextMessage(ws, 'tonypi/system/alerts')
      await Bun.sleep(0)
      await ws.publishAsync('tonypi/system/alerts', 'ws', { qos: 1 })
      expect((await got).payload).toBe('ws')
    } finally {
      await ws.endAsync()
    }
  })
})

describe('stop and restart on the same directory', () => {
  test('stop() ends every process and removes services.json', async () => {
    await svc.stop()
    expect(existsSync(svc.servicesFile)).toBe(false)
    expect(await waitNoLeftovers(pgids, scratch.dir)).toEqual([])
  })

  test('a second start finds the table, the point, the accounts and the retained message', async () => {
    const before = svc
    svc = await start('warm')
    expect(svc.postgres_url).not.toBe(before.postgres_url) // new port, same password
    expect(new URL(svc.postgres_url).password).toBe(new URL(before.postgres_url).password)
    expect(svc.influx_password).toBe(before.influx_password)
    expect(svc.mqtt_password).toBe(before.mqtt_password)

    const sql = new SQL(svc.postgres_url)
    try {
      expect(await sql`SELECT id, name FROM robots`).toEqual([{ id: 'tonypi-01', name: 'first' }])
    } finally {
      await sql.close()
    }

    const answer = await influxQuery(svc, `SELECT position FROM servos WHERE servo_id = '3'`)
    expect(answer.results[0].series?.[0].values).toEqual([[POINT_MS, 500]])

    const viewer = await mqttConnect(svc.mqtt_url, VIEWER)
    try {
      const retained = await nextMessage(viewer, 'tonypi/robot-1/status')
      expect(retained).toEqual({ payload: 'online', retain: true })
    } finally {
      await viewer.endAsync()
    }
  })

  test('stop() again leaves nothing running', async () => {
    await svc.stop()
    expect(await waitNoLeftovers(pgids, scratch.dir)).toEqual([])
  })
})
