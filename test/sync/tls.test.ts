// Robot-to-hub links encrypted end to end, with certificates generated here as hub:dev and the
// hub installer make them: the hub's API over HTTPS, robots on the broker's TLS listener, a robot
// that pins the hub's CA (handed out by the hub, trusted on its fingerprint) syncs its batches and
// its live uplink; one given another CA, or none, refuses to connect and says why, and its
// credential never leaves it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureHubTls } from '../../tools/services/tls.ts'
import { MqttLink } from '../../sync/mqtt-link.ts'
import { startTestEdge, waitFor } from '../support/edge-harness.ts'
import { HUB_ADMIN_PASSWORD, startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { call, registerRobot } from '../support/sync-harness.ts'

let hub: HubHarness
let fingerprint: string
const dirs: string[] = []
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'tonypi-tls-'))
  dirs.push(d)
  return d
}

beforeAll(async () => {
  hub = await startTestHub({ TONYPI_HUB_OFFLINE_AFTER_S: '5' }, { tls: true })
  fingerprint = hub.services.tls_ca_fingerprint!
}, 90_000)
afterAll(async () => {
  await hub?.stop()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function register(dataDir: string, args: string[]) {
  const p = Bun.spawn([process.execPath, 'edge/sync/register-cli.ts', '--hub', hub.base, ...args], {
    cwd: join(import.meta.dir, '..', '..'),
    env: { ...process.env, TONYPI_DATA_DIR: dataDir, TONYPI_HUB_ADMIN_PASSWORD: HUB_ADMIN_PASSWORD },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { code, out, err }
}

describe('the hub', () => {
  test('serves its API over HTTPS only, and hands out its CA with the fingerprint it printed', async () => {
    const r = await fetch(`${hub.base}/api/v1/tls/ca`, { tls: { ca: hub.ca } } as RequestInit)
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({ ca: hub.ca, fingerprint })
    await expect(fetch(hub.base.replace('https:', 'http:') + '/api/v1/health', { signal: AbortSignal.timeout(3000) })).rejects.toThrow()
    // Without the CA, a client refuses the hub's certificate.
    await expect(fetch(`${hub.base}/api/v1/health`)).rejects.toThrow(/unable to verify/)
  })

  test("tells robots the broker's TLS listener", async () => {
    const token = await registerRobot(hub, 'tls-config')
    const r = await fetch(`${hub.base}/api/v1/sync/config`, {
      headers: { authorization: `Basic ${btoa(`robot-tls-config:${token}`)}` },
      tls: { ca: hub.ca },
    } as RequestInit)
    expect((await r.json()).mqtt.url).toBe(hub.services.mqtts_url)
  })
})

describe('a robot registered with the hub', () => {
  test("pins the hub's CA on its fingerprint, then syncs over TLS: batches into InfluxDB and the live uplink", async () => {
    const dir = scratch()
    const r = await register(dir, ['--robot-id', 'tlsbot', '--ca-fingerprint', fingerprint.toUpperCase().replace('SHA256:', '')])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out).toContain(`It trusts the hub's CA only (${fingerprint})`)
    const link = JSON.parse(readFileSync(join(dir, 'hub.json'), 'utf8'))
    expect(link).toMatchObject({ url: hub.base, robot_id: 'tlsbot', ca_file: join(dir, 'hub-ca.pem') })
    expect(readFileSync(link.ca_file, 'utf8')).toBe(hub.ca!)

    const edge = await startTestEdge({ TONYPI_ROBOT_ID: 'tlsbot' }, { dataDir: dir })
    try {
      // Online comes from the retained status the uplink publishes on the broker's TLS listener.
      const robot = await waitFor(
        'tlsbot online on the hub',
        async () => {
          const x = (await call(hub, 'GET', '/api/v1/robots/tlsbot')).body
          return x.status === 'online' ? x : null
        },
        15_000,
      )
      expect(robot.status_source).toBe('status message')
      const status = await waitFor(
        'sync and uplink connected',
        async () => {
          const s = (await call(edge, 'GET', '/api/v1/sync/status')).body
          return s.connected && s.live.connected && s.cursor.telemetry > 0 ? s : null
        },
        15_000,
      )
      expect(status.live.broker).toBe(hub.services.mqtts_url)
      expect(status.live.last_error).toBeNull()
      // Batches over HTTPS: the robot's servos in InfluxDB, through the hub's API.
      await waitFor(
        'history in InfluxDB',
        async () => {
          const x = (await call(hub, 'GET', `/api/v1/robot/sensors?robot_id=tlsbot&stream=servos&servo_id=3&resolution=raw&from=${Date.now() - 60_000}`)).body
          return x?.points?.length > 5
        },
        15_000,
      )
      // A command from the hub reaches it over the TLS uplink and its answer comes back.
      const cmd = await call(
        hub,
        'POST',
        '/api/v1/command',
        { robot_id: 'tlsbot', type: 'servo.move', targets: [{ id: 7, position: 300 }], duration_ms: 100 },
        'operator',
      )
      expect(cmd.body.state).toBe('done')
    } finally {
      await edge.stop({ keepData: true })
    }
  }, 60_000)

  test('a fingerprint that does not match, or none without a terminal, is refused and nothing is written', async () => {
    const dir = scratch()
    const wrong = await register(dir, ['--robot-id', 'tlsbad', '--ca-fingerprint', `sha256:${'ab'.repeat(32)}`])
    expect(wrong.code).toBe(2)
    expect(wrong.err).toBe(
      `edge:register: the hub's CA has the fingerprint ${fingerprint}, not sha256:${'ab'.repeat(32)}: not trusted (is this the hub you meant, and the fingerprint it printed?)\n`,
    )
    const none = await register(dir, ['--robot-id', 'tlsbad'])
    expect(none.code).toBe(2)
    expect(none.err).toContain(fingerprint)
    expect(none.err).toContain(`run again with --ca-fingerprint ${fingerprint}`)
    const otherCa = ensureHubTls(join(scratch(), 'tls'))
    const byHand = await register(dir, ['--robot-id', 'tlsbad', '--ca', otherCa.caFile])
    expect(byHand.code).toBe(2)
    expect(byHand.err).toMatch(/certificate is not signed by the CA this robot pins/)
    expect(existsSync(join(dir, 'hub.json'))).toBe(false)
    expect(existsSync(join(dir, 'hub-ca.pem'))).toBe(false)
    expect((await call(hub, 'GET', '/api/v1/robots/tlsbad')).status).toBe(404)
  }, 30_000)

  test('given another CA, it refuses the hub: its sync status says why, and the hub never hears from it', async () => {
    const token = await registerRobot(hub, 'tlswrong')
    const other = ensureHubTls(join(scratch(), 'tls'))
    const edge = await startTestEdge({ TONYPI_ROBOT_ID: 'tlswrong', TONYPI_HUB_URL: hub.base, TONYPI_HUB_TOKEN: token, TONYPI_HUB_CA: other.caFile })
    try {
      const s = await waitFor(
        'the refusal in the sync status',
        async () => {
          const x = (await call(edge, 'GET', '/api/v1/sync/status')).body
          return x.last_error ? x : null
        },
        15_000,
      )
      expect(s.connected).toBe(false)
      expect(s.last_error).toMatch(/certificate is not signed by the CA this robot pins .*refused before sending the credential/)
      expect(edge.logs.join('\n')).toContain('not signed by the CA this robot pins')
      const robot = (await call(hub, 'GET', '/api/v1/robots/tlswrong')).body
      expect(robot.status).not.toBe('online')
      expect(robot.last_seen).toBeNull()
    } finally {
      await edge.stop()
    }
  }, 30_000)

  test("on the broker's TLS listener, another CA is refused before the CONNECT (and its password) is sent", async () => {
    const other = ensureHubTls(join(scratch(), 'tls'))
    // A TLS server with the hub's certificate that records every byte a client sends after the handshake.
    const got: Buffer[] = []
    let closed = 0
    const server = Bun.listen({
      hostname: '127.0.0.1',
      port: 0,
      tls: { cert: readFileSync(hub.services.tls_cert_file!, 'utf8'), key: readFileSync(hub.services.tls_key_file!, 'utf8') },
      socket: {
        data(_s, d) {
          got.push(Buffer.from(d))
        },
        close() {
          closed++
        },
      },
    })
    try {
      const link = new MqttLink({
        url: `mqtts://127.0.0.1:${server.port}`,
        username: 'robot-x',
        password: 'the-robot-secret',
        clientId: 'x',
        ca: readFileSync(other.caFile, 'utf8'),
        connectTimeoutMs: 3000,
      })
      await expect(link.connect()).rejects.toThrow(/not signed by the CA this robot pins/)
      // Once the listener has seen that connection close, every byte the client sent on it has arrived.
      await waitFor('the refused connection closed', () => closed >= 1)
      expect(Buffer.concat(got).length).toBe(0)
      // The same listener with the right CA gets the CONNECT, password and all: the test can see a send.
      const right = new MqttLink({
        url: `mqtts://127.0.0.1:${server.port}`,
        username: 'robot-x',
        password: 'the-robot-secret',
        clientId: 'x',
        ca: hub.ca,
        connectTimeoutMs: 500,
      })
      await expect(right.connect()).rejects.toThrow(/no answer from the broker/)
      expect(Buffer.concat(got).toString('latin1')).toContain('the-robot-secret')
    } finally {
      server.stop(true)
    }
    // And the real broker: the right CA connects, another is refused.
    const ok = new MqttLink({
      url: hub.services.mqtts_url!,
      username: hub.services.mqtt_username,
      password: hub.services.mqtt_password,
      clientId: 'tls-ok',
      ca: hub.ca,
    })
    await ok.connect()
    ok.close(true)
    const refused = new MqttLink({
      url: hub.services.mqtts_url!,
      username: hub.services.mqtt_username,
      password: hub.services.mqtt_password,
      clientId: 'tls-no',
      ca: readFileSync(other.caFile, 'utf8'),
    })
    await expect(refused.connect()).rejects.toThrow(/not signed by the CA this robot pins/)
  })
})
