// Hub benchmarks against the real services: MQTT telemetry ingested into InfluxDB as a
// ratio of raw batched line-protocol writes of the same points, and how many simulated
// robots at nominal rates one hub sustains without growing lag.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import mqtt from 'mqtt'
import type { Sample } from '../core/streams.ts'
import { encodeTelemetry } from '../core/telemetry-payload.ts'
import { encodeSamples } from '../hub/influx/line-protocol.ts'
import { hubEnvFor, startDevServices, type DevServices } from '../tools/services/dev-services.ts'
import { nominalSeconds } from './nominal-load.ts'

const ROOT = join(import.meta.dir, '..')

export interface Running {
  services: DevServices
  base: string
  child: ReturnType<typeof Bun.spawn>
  dir: string
  admin: string
}

export async function startHubChild(): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-hub-'))
  chmodSync(dir, 0o711)
  const services = await startDevServices(dir)
  return spawnHubChild(services, dir)
}

/** A hub process on running services (`env` adds to or overrides its settings), logged in as its admin. */
export async function spawnHubChild(services: DevServices, dir: string, env: Record<string, string> = {}): Promise<Running> {
  const pidFile = join(dir, 'mosquitto.pid')
  writeFileSync(pidFile, `${services.mosquitto.pid}\n`)
  // BENCH_HUB_ARGS: runtime flags for the hub under test (e.g. --cpu-prof-md to see where time goes).
  const child = Bun.spawn([process.execPath, ...(process.env.BENCH_HUB_ARGS ?? '').split(' ').filter(Boolean), 'hub/main.ts'], {
    cwd: ROOT,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      ...process.env,
      TONYPI_HUB_DATA_DIR: join(dir, 'hub'),
      TONYPI_HUB_HTTP_HOST: '127.0.0.1',
      TONYPI_HUB_HTTP_PORT: '0',
      TONYPI_LOG_LEVEL: 'warn',
      ...hubEnvFor(services, pidFile),
      TONYPI_ADMIN_PASSWORD: 'bench-admin-password',
      ...env,
    },
  })
  const reader = child.stderr.getReader()
  let text = ''
  let base = ''
  const end = Date.now() + 30_000
  while (!base && Date.now() < end) {
    const { value, done } = await reader.read()
    if (done) break
    text += new TextDecoder().decode(value)
    const m = /API:\s+(http:\/\/[^/]+)\//.exec(text)
    if (m) base = m[1].replace('localhost', '127.0.0.1')
  }
  if (!base) throw new Error(`the hub did not start:\n${text}`)
  void (async () => {
    for (;;) if ((await reader.read()).done) break
  })()
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'bench-admin-password' }),
  })
  return { services, base, child, dir, admin: (await login.json()).access_token }
}

export async function stopHubChild(r: Running) {
  r.child.kill('SIGTERM')
  await r.child.exited
  await r.services.stop()
  rmSync(r.dir, { recursive: true, force: true })
}

export async function registerRobot(r: Running, id: string) {
  const res = await fetch(`${r.base}/api/v1/robots`, {
    method: 'POST',
    headers: { authorization: `Bearer ${r.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ robot_id: id }),
  })
  return (await res.json()).credential as { username: string; token: string }
}

async function influxCount(s: DevServices, robotId: string): Promise<{ count: number; latest: number }> {
  const q = `SELECT count("ax") FROM "imu" WHERE "robot_id" = '${robotId}'; SELECT last("ax") FROM "imu" WHERE "robot_id" = '${robotId}'`
  const u = new URL(`${s.influx_url}/query`)
  u.searchParams.set('db', s.influx_db)
  u.searchParams.set('q', q)
  u.searchParams.set('epoch', 'ms')
  u.searchParams.set('u', s.influx_username)
  u.searchParams.set('p', s.influx_password)
  const j = (await (await fetch(u)).json()) as { results: { series?: { values: [number, number][] }[] }[] }
  return { count: j.results[0].series?.[0].values[0][1] ?? 0, latest: j.results[1].series?.[0].values[0][0] ?? 0 }
}

/** Messages the way the edge publishes them: one per servo sweep, one per IMU reading. */
function messagesOf(robotId: string, tick: Sample[]): { topic: string; payload: string; imu: boolean }[] {
  const out: { topic: string; payload: string; imu: boolean }[] = []
  const sweeps = new Map<number, Sample[]>()
  for (const s of tick) {
    if (s.stream === 'servos') {
      const l = sweeps.get(s.ts) ?? []
      l.push(s)
      sweeps.set(s.ts, l)
      continue
    }
    out.push({ topic: `tonypi/${robotId}/${s.stream}`, payload: JSON.stringify(encodeTelemetry(robotId, s.stream, [s])), imu: s.stream === 'imu' })
  }
  for (const l of sweeps.values()) out.push({ topic: `tonypi/${robotId}/servos`, payload: JSON.stringify(encodeTelemetry(robotId, 'servos', l)), imu: false })
  return out
}

/** Connects with a new robot's credential; the broker may take a moment to reload its accounts. */
async function connect(url: string, c: { username: string; token: string }): Promise<mqtt.MqttClient> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise((resolve, reject) => {
        const m = mqtt.connect(url, { username: c.username, password: c.token, reconnectPeriod: 0 })
        m.once('connect', () => resolve(m))
        m.once('error', (e) => {
          m.end(true)
          reject(e)
        })
      })
    } catch (err) {
      if (attempt >= 20) throw err
      await Bun.sleep(100)
    }
  }
}

/**
 * Raw line protocol and the hub over MQTT, the same points, in alternating rounds; each pass
 * lasts well under a second on this machine, so one pair is at the mercy of a stray scheduler
 * hiccup: the figure is the median round's ratio, with every round reported.
 */
export async function benchHubIngest(seconds = 60, onProgress: (s: string) => void = () => {}, rounds = 5) {
  const r = await startHubChild()
  try {
    const start = Date.now() - 3_600_000
    const ticks = [...nominalSeconds(start, seconds)]
    const imuPoints = ticks.reduce((a, t) => a + t.filter((s) => s.stream === 'imu').length, 0)
    const allPoints = ticks.reduce((a, t) => a + encodeSamples('raw', t).lines.length, 0)
    const results: { raw_s: number; hub_s: number; ratio: number }[] = []
    let messages = 0
    for (let round = 0; round < rounds; round++) {
      // Baseline: the same points as line protocol, 5,000 lines a gzip request, straight to /write.
      let t = performance.now()
      const lines = ticks.flatMap((tick) => encodeSamples('rawbot', tick).lines)
      for (let i = 0; i < lines.length; i += 5000) {
        const u = new URL(`${r.services.influx_url}/write`)
        u.searchParams.set('db', r.services.influx_db)
        u.searchParams.set('precision', 'ms')
        u.searchParams.set('u', r.services.influx_username)
        u.searchParams.set('p', r.services.influx_password)
        const res = await fetch(u, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: gzipSync(lines.slice(i, i + 5000).join('\n')) })
        if (res.status !== 204) throw new Error(`raw write failed: ${res.status} ${await res.text()}`)
      }
      const rawS = (performance.now() - t) / 1000

      // The hub: the same samples as MQTT messages from a robot, until InfluxDB has them all.
      const robotId = `ingestbot${round}`
      const cred = await registerRobot(r, robotId)
      const client = await connect(r.services.mqtt_url, cred)
      const msgs = ticks.flatMap((tick) => messagesOf(robotId, tick))
      messages = msgs.length
      t = performance.now()
      for (let i = 0; i < msgs.length; i++) {
        client.publish(msgs[i].topic, msgs[i].payload)
        if (i % 500 === 0) await Bun.sleep(0) // let the socket drain
      }
      while ((await influxCount(r.services, robotId)).count < imuPoints) {
        if (performance.now() - t > 300_000) throw new Error('the hub did not ingest everything within 5 minutes')
        await Bun.sleep(20)
      }
      const hubS = (performance.now() - t) / 1000
      client.end(true)
      results.push({ raw_s: rawS, hub_s: hubS, ratio: rawS / hubS })
      onProgress(
        `round ${round + 1}: raw ${allPoints} points in ${rawS.toFixed(2)} s, hub ${msgs.length} messages in ${hubS.toFixed(2)} s = ${(rawS / hubS).toFixed(2)}`,
      )
      await Bun.sleep(1000)
    }
    const median = [...results].sort((a, b) => a.ratio - b.ratio)[Math.floor(results.length / 2)]
    return {
      points: allPoints,
      messages,
      rounds: results.map((x) => Number(x.ratio.toFixed(2))),
      raw_points_per_s: allPoints / median.raw_s,
      hub_points_per_s: allPoints / median.hub_s,
      ratio: median.ratio,
    }
  } finally {
    await stopHubChild(r)
  }
}

/** Robots publishing in real time at nominal rates; lag = now minus the newest IMU point in InfluxDB. */
export async function benchHubRobots(levels: number[], secondsPerLevel = 15, onProgress: (s: string) => void = () => {}) {
  const r = await startHubChild()
  const results: { robots: number; lag_start_ms: number; lag_end_ms: number; sustained: boolean; msgs_per_s: number }[] = []
  try {
    const clients: { id: string; client: mqtt.MqttClient }[] = []
    for (const n of levels) {
      while (clients.length < n) {
        const id = `sim${clients.length}`
        clients.push({ id, client: await connect(r.services.mqtt_url, await registerRobot(r, id)) })
      }
      const active = clients.slice(0, n)
      const sources = active.map((c, i) => ({ ...c, gen: nominalSeconds(Date.now(), secondsPerLevel + 2, i + 1) }))
      let sent = 0
      const started = Date.now()
      const lags: number[] = []
      for (let s = 0; s < secondsPerLevel; s++) {
        const secStart = Date.now()
        // Each robot's second of data goes out spread over the second, in 10 ms slices.
        const batches = sources.map((src) => {
          const tick = src.gen.next().value as Sample[]
          const base = Math.min(...tick.map((x) => x.ts))
          return { src, tick: tick.map((x) => ({ ...x, ts: secStart + (x.ts - base) })) }
        })
        for (let slice = 0; slice < 100; slice++) {
          for (const { src, tick } of batches) {
            const from = secStart + slice * 10
            const part = tick.filter((x) => x.ts >= from && x.ts < from + 10)
            for (const m of messagesOf(src.id, part)) {
              src.client.publish(m.topic, m.payload)
              sent++
            }
          }
          const wait = secStart + (slice + 1) * 10 - Date.now()
          if (wait > 0) await Bun.sleep(wait)
        }
        if (s === 1 || s === secondsPerLevel - 1) {
          const probes = await Promise.all(active.slice(0, 3).map((c) => influxCount(r.services, c.id)))
          lags.push(Date.now() - Math.min(...probes.map((p) => p.latest)))
        }
      }
      const row = {
        robots: n,
        lag_start_ms: lags[0],
        lag_end_ms: lags[1],
        sustained: lags[1] < 3000 && lags[1] < lags[0] + 2000,
        msgs_per_s: Math.round(sent / ((Date.now() - started) / 1000)),
      }
      results.push(row)
      onProgress(`${n} robots: ${row.msgs_per_s} msgs/s, lag ${row.lag_start_ms} -> ${row.lag_end_ms} ms${row.sustained ? '' : ' (growing)'}`)
      if (!row.sustained) break
      await Bun.sleep(3000) // let the hub drain before the next level
    }
    for (const c of clients) c.client.end(true)
    return results
  } finally {
    await stopHubChild(r)
  }
}
