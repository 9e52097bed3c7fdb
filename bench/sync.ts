// Sync benchmarks against the real services and a hub process:
//   - catch-up: an hour of nominal data waiting on a robot, sent by the robot's own sync client
//     (no cap) until the hub has acknowledged all of it; points per second as a ratio of raw
//     batched line-protocol writes of the same points in the same run; and the bytes that went
//     on the wire against one JSON MQTT message per sample for the same hour;
//   - robots sustained: simulated robots each sending a batch of its last second's chunks every
//     second, as a synced robot does, at rising levels until the lag grows; as a ratio of the
//     robots raw writes of the same points would carry;
//   - live latency: a real edge synced to the hub, sample time to the fleet live feed;
//   - edge RSS at nominal load, with sync running and without, in the same run.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Database } from 'bun:sqlite'
import { decodeChunk, encodeChunk } from '../core/chunk-codec.ts'
import { silentLogger } from '../core/log.ts'
import type { Sample, StreamName } from '../core/streams.ts'
import { encodeTelemetry } from '../core/telemetry-payload.ts'
import { robotTopic } from '../core/topics.ts'
import { openEdgeDatabase } from '../edge/store/database.ts'
import { ClockWatch } from '../edge/sync/clock-watch.ts'
import { SyncOutbox } from '../edge/sync/outbox.ts'
import { SampleStore } from '../edge/store/sample-store.ts'
import { systemClock } from '../edge/sync/robot-clock.ts'
import { encodeSamples } from '../hub/influx/line-protocol.ts'
import { SyncClient } from '../sync/client.ts'
import { basicAuth } from '../sync/hub-request.ts'
import { SYNC_VERSION, type SyncRecord } from '../sync/protocol.ts'
import { percentile, startEdgeProcess } from './edge-process.ts'
import { liveProtocols } from '../core/live/protocol.ts'
import { registerRobot, startHubChild, stopHubChild, type Running } from './hub.ts'
import { nominalSeconds } from './nominal-load.ts'
import { residentBytes } from './proc-io.ts'
import { writeRobotBacklog } from './robot-backlog.ts'

/** Raw line protocol, 5,000 lines a gzip request, one request at a time: the baseline. */
export async function rawWrite(r: Pick<Running, 'services'>, lines: string[]): Promise<number> {
  const u = new URL(`${r.services.influx_url}/write`)
  u.searchParams.set('db', r.services.influx_db)
  u.searchParams.set('precision', 'ms')
  u.searchParams.set('u', r.services.influx_username)
  u.searchParams.set('p', r.services.influx_password)
  const t = performance.now()
  for (let i = 0; i < lines.length; i += 5000) {
    const res = await fetch(u, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body: Bun.gzipSync(Buffer.from(lines.slice(i, i + 5000).join('\n')), { level: 1 }),
    })
    if (res.status !== 204) throw new Error(`raw write failed: ${res.status} ${await res.text()}`)
  }
  return (performance.now() - t) / 1000
}

/** The same hour as one JSON MQTT message per sample: topic, payload and the packet's own bytes. */
function jsonPerSampleBytes(robotId: string, samples: Sample[]): number {
  let n = 0
  for (const s of samples) {
    const topic = robotTopic(robotId, s.stream === 'sensors' ? 'sensors' : s.stream)
    // PUBLISH at QoS 0: 1 byte type, 2..4 bytes length (2 for these sizes), 2 bytes topic length.
    n += 5 + topic.length + JSON.stringify(encodeTelemetry(robotId, s.stream, [s])).length
  }
  return n
}

export async function benchSyncCatchUp(seconds: number, onProgress: (s: string) => void = () => {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sync-'))
  const r = await startHubChild()
  try {
    onProgress(`writing ${seconds} s of nominal data as a robot's backlog...`)
    const backlog = writeRobotBacklog(dir, seconds)
    const samples: Sample[] = []
    const ro = new Database(join(dir, 'edge.db'), { readonly: true })
    for (const c of ro.query('SELECT stream, data FROM chunks ORDER BY seq').iterate() as Iterable<{ stream: StreamName; data: Uint8Array }>)
      samples.push(...decodeChunk(c.stream, c.data))
    ro.close()
    const lines = encodeSamples('rawcatchup', samples).lines
    const rawS = await rawWrite(r, lines)
    onProgress(`raw: ${lines.length} points in ${rawS.toFixed(1)} s`)

    const token = (await registerRobot(r, 'catchupbot')).token
    const db = openEdgeDatabase(join(dir, 'edge.db'))
    const clock = systemClock()
    const watch = new ClockWatch({ db, clock, nextSeq: () => Number.MAX_SAFE_INTEGER, log: silentLogger })
    const store = new SampleStore(db, { quotaBytes: 1e12, retentionRawMs: 1e12, retentionRollupMs: 1e12, log: silentLogger })
    const outbox = new SyncOutbox(db, watch, 'catchupbot', store)
    const client = new SyncClient({
      endpoint: { url: r.base, username: 'robot-catchupbot', token },
      source: outbox,
      clock,
      log: silentLogger,
      maxBytesPerS: Number.POSITIVE_INFINITY,
      intervalMs: 50,
    })
    const t = performance.now()
    client.start()
    for (;;) {
      const b = outbox.backlog()
      if (b.events + b.telemetry === 0) break
      if (performance.now() - t > 600_000) throw new Error('the catch-up did not finish within 10 minutes')
      await Bun.sleep(100)
    }
    const syncS = (performance.now() - t) / 1000
    await client.stop()
    db.$client.close()
    const wire = client.sent.wire_bytes
    const json = jsonPerSampleBytes('catchupbot', samples)
    onProgress(
      `sync: ${backlog.chunks} chunks (${lines.length} points) in ${syncS.toFixed(1)} s, ${client.sent.batches} batches, ${(wire / 1e6).toFixed(2)} MB on the wire`,
    )
    return {
      seconds,
      chunks: backlog.chunks,
      points: lines.length,
      raw_s: rawS,
      sync_s: syncS,
      raw_points_per_s: lines.length / rawS,
      sync_points_per_s: lines.length / syncS,
      ratio: rawS / syncS,
      wire_bytes_per_hour: (wire * 3600) / seconds,
      json_bytes_per_hour: (json * 3600) / seconds,
      wire_vs_json: wire / json,
    }
  } finally {
    await stopHubChild(r)
    rmSync(dir, { recursive: true, force: true })
  }
}

/** One level of simulated robots in steady sync: its lag and whether the hub kept up. */
export interface RobotLevel {
  robots: number
  lag_p50_ms: number
  lag_p95_ms: number
  lag_first_ms: number
  lag_last_ms: number
  failed: number
  sustained: boolean
}

/** Points one robot at nominal load sends a second. */
export const pointsPerRobotSecond = () => encodeSamples('x', nominalSeconds(Date.now(), 1).next().value as Sample[]).lines.length

type Second = { end: number; index: number; records: Omit<SyncRecord & { kind: 'chunk' }, 'seq'>[] }
type SimRobot = { id: string; auth: string; seq: number; base: string; pending: Second[]; sending: Promise<void> | null }

/**
 * Simulated robots in steady sync, each as the robot's sync client behaves: every second it has
 * its last second's chunks (the same chunks for all: a robot's id is not in its chunks, so each is
 * its own series), and it sends what it has in one batch whenever no batch of its own is waiting
 * for the hub's answer, so a slow hub gets fewer, larger batches, as from real robots. Robots go
 * to the hub URLs in `bases` in turn (one robot, one replica, as a load balancer would spread
 * them). Lag = when a second's data was acknowledged minus the end of that second.
 */
export class SimulatedFleet {
  private readonly robots: SimRobot[] = []

  constructor(private readonly o: { bases: readonly string[]; register(id: string): Promise<string>; prefix: string }) {}

  /** `n` robots for `seconds`: their lag, and whether the hub kept up. */
  async level(n: number, seconds: number): Promise<RobotLevel> {
    await this.grow(n)
    const robots = this.robots.slice(0, n)
    const gen = nominalSeconds(Date.now(), seconds + 1, n)
    const lags: number[] = []
    const perSecond: number[] = Array(seconds).fill(0)
    let failed = 0
    const send = (rb: SimRobot) => {
      if (rb.sending || !rb.pending.length) return
      const taken = rb.pending.splice(0, 10)
      const records = taken.flatMap((sec) => sec.records).map((r, i) => ({ ...r, seq: rb.seq + i + 1 }))
      const body = JSON.stringify({
        v: SYNC_VERSION,
        robot_id: rb.id,
        db_id: `bench-${rb.id}`,
        boot_id: 'bench',
        wall_ms: Date.now(),
        mono_ms: performance.now(),
        lanes: { telemetry: { after: rb.seq, to: rb.seq + records.length } },
        backlog: { events: 0, telemetry: rb.pending.length },
        oldest_pending_ts: null,
        dropped: {},
        clock: [],
        records,
      })
      rb.sending = fetch(`${rb.base}/api/v1/sync/batch`, {
        method: 'POST',
        headers: { authorization: rb.auth, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: Bun.gzipSync(Buffer.from(body), { level: 1 }),
      })
        .then(async (res) => {
          await res.arrayBuffer()
          if (res.status !== 200) throw new Error(String(res.status))
          rb.seq += records.length
          const now = Date.now()
          for (const sec of taken) {
            lags.push(now - sec.end)
            perSecond[sec.index] = Math.max(perSecond[sec.index], now - sec.end)
          }
        })
        .catch(() => {
          failed++
          rb.pending.unshift(...taken)
        })
        .finally(() => {
          rb.sending = null
          send(rb)
        })
    }
    for (let s = 0; s < seconds; s++) {
      const secStart = Date.now()
      const tick = gen.next().value as Sample[]
      const base = Math.min(...tick.map((x) => x.ts))
      const byStream = new Map<StreamName, Sample[]>()
      for (const x of tick) {
        const l = byStream.get(x.stream) ?? []
        l.push({ ...x, ts: secStart - 1000 + (x.ts - base) })
        byStream.set(x.stream, l)
      }
      const records = [...byStream].map(([stream, list]) => {
        const enc = encodeChunk(stream, list)
        return { kind: 'chunk' as const, stream, t0: enc.t0, t1: enc.t1, n: enc.n, data: Buffer.from(enc.data).toString('base64') }
      })
      for (const rb of robots) {
        rb.pending.push({ end: secStart, index: s, records })
        send(rb)
      }
      const wait = secStart + 1000 - Date.now()
      if (wait > 0) await Bun.sleep(wait)
    }
    // What is still waiting is lag too: up to 10 s more for it to land.
    const until = Date.now() + 10_000
    while (robots.some((rb) => rb.sending || rb.pending.length) && Date.now() < until) await Bun.sleep(50)
    const unsent = robots.reduce((k, rb) => k + rb.pending.length, 0)
    for (const rb of robots) {
      await rb.sending
      rb.pending = []
    }
    const sorted = [...lags].sort((a, b) => a - b)
    const head = perSecond.slice(1, 4)
    const tail = perSecond.slice(-3)
    return {
      robots: n,
      lag_p50_ms: percentile(sorted, 50),
      lag_p95_ms: percentile(sorted, 95),
      lag_first_ms: Math.max(...head),
      lag_last_ms: Math.max(...tail),
      failed: failed + unsent,
      sustained: failed + unsent === 0 && percentile(sorted, 95) < 2000 && Math.max(...tail) < Math.max(...head) + 1000,
    }
  }

  private async grow(n: number) {
    const fresh: SimRobot[] = []
    while (this.robots.length < n) {
      const id = `${this.o.prefix}${this.robots.length}`
      const rb: SimRobot = {
        id,
        auth: basicAuth(`robot-${id}`, await this.o.register(id)),
        seq: 0,
        base: this.o.bases[this.robots.length % this.o.bases.length],
        pending: [],
        sending: null,
      }
      this.robots.push(rb)
      fresh.push(rb)
    }
    // A robot's first request costs its replica one password hash, under a process-wide ceiling
    // (server/hash-gate.ts: beyond it, 503 at once): a fleet comes online over seconds, not in one.
    for (const rb of fresh) {
      for (;;) {
        const r = await fetch(`${rb.base}/api/v1/sync/config?db_id=bench-${rb.id}`, { headers: { authorization: rb.auth } })
        await r.arrayBuffer()
        if (r.status === 200) break
        if (r.status !== 503) throw new Error(`robot ${rb.id}: sync/config answered ${r.status}`)
        await Bun.sleep(100)
      }
    }
  }
}

export const describeLevel = (row: RobotLevel) =>
  `${row.robots} robots: lag p50 ${row.lag_p50_ms} ms, p95 ${row.lag_p95_ms} ms, worst ${row.lag_first_ms} -> ${row.lag_last_ms} ms, ${row.failed} failed${row.sustained ? '' : ' (not sustained)'}`

export async function benchSyncRobots(levels: number[], secondsPerLevel: number, rawPointsPerS: number, onProgress: (s: string) => void = () => {}) {
  const r = await startHubChild()
  try {
    const fleet = new SimulatedFleet({ bases: [r.base], register: async (id) => (await registerRobot(r, id)).token, prefix: 'syncsim' })
    const results: RobotLevel[] = []
    for (const n of levels) {
      const row = await fleet.level(n, secondsPerLevel)
      results.push(row)
      onProgress(describeLevel(row))
      if (!row.sustained) break
      await Bun.sleep(3000)
    }
    const sustained = results.filter((x) => x.sustained).at(-1)?.robots ?? 0
    const pointsPerRobotS = pointsPerRobotSecond()
    const rawRobots = rawPointsPerS / pointsPerRobotS
    return {
      levels: results,
      sustained,
      points_per_robot_s: pointsPerRobotS,
      raw_robots: rawRobots,
      ratio: sustained / rawRobots,
      ceiling: results.at(-1)?.sustained === false,
    }
  } finally {
    await stopHubChild(r)
  }
}

/** A hub process with robot `benchbot` registered, for what `fn` measures; stopped after. */
async function withHubRobot<T>(fn: (r: Running, token: string) => Promise<T>): Promise<T> {
  const r = await startHubChild()
  try {
    return await fn(r, (await registerRobot(r, 'benchbot')).token)
  } finally {
    await stopHubChild(r)
  }
}

/** A real edge synced to the hub: each live sample's time on the robot to its arrival on the hub's fleet live feed. */
export function benchSyncLive(seconds: number, onProgress: (s: string) => void = () => {}) {
  return withHubRobot(async (r, token) => {
    const edge = await startEdgeProcess({ env: { TONYPI_HUB_URL: r.base, TONYPI_HUB_TOKEN: token } })
    try {
      const latencies: number[] = []
      const ws = new WebSocket(`${r.base.replace('http', 'ws')}/api/v1/live`, liveProtocols(r.admin))
      ws.onmessage = (e) => {
        const now = Date.now()
        const m = JSON.parse(String(e.data))
        if (m.type === 'samples' && m.robot_id === 'benchbot') for (const s of m.samples) latencies.push(now - s.ts)
      }
      await Bun.sleep(seconds * 1000)
      ws.close()
      const sorted = latencies.sort((a, b) => a - b)
      onProgress(`live: ${sorted.length} samples, p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms`)
      return { samples: sorted.length, p50_ms: percentile(sorted, 50), p99_ms: percentile(sorted, 99), max_ms: sorted.at(-1) ?? null }
    } finally {
      await edge.stop()
    }
  })
}

/**
 * The edge's RSS at nominal load, with sync to a hub and without: two edges side by side, so
 * both see the same machine, sampled every 5 s; each figure is the floor of the last 40 % of the
 * run (a single reading moves by megabytes with the collector's timing). `own` is RssAnon: the
 * process's heaps, without Bun's executable.
 */
export function benchSyncRss(seconds: number, onProgress: (s: string) => void = () => {}) {
  return withHubRobot(async (r, token) => {
    const plain = await startEdgeProcess({})
    const synced = await startEdgeProcess({ env: { TONYPI_HUB_URL: r.base, TONYPI_HUB_TOKEN: token } })
    try {
      const samples: { t: number; plain: number; plainOwn: number; synced: number; syncedOwn: number }[] = []
      const t0 = Date.now()
      while (Date.now() - t0 < seconds * 1000) {
        await Bun.sleep(Math.min(5_000, seconds * 1000 - (Date.now() - t0)))
        samples.push({
          t: (Date.now() - t0) / 1000,
          plain: residentBytes(plain.pid, 'VmRSS') / 1e6,
          plainOwn: residentBytes(plain.pid, 'RssAnon') / 1e6,
          synced: residentBytes(synced.pid, 'VmRSS') / 1e6,
          syncedOwn: residentBytes(synced.pid, 'RssAnon') / 1e6,
        })
      }
      const tail = samples.filter((x) => x.t >= seconds * 0.6)
      const floor = (k: 'plain' | 'plainOwn' | 'synced' | 'syncedOwn') => Math.min(...tail.map((x) => x[k]))
      const out = {
        seconds,
        rss_mb_without: floor('plain'),
        rss_mb_with: floor('synced'),
        added_mb: floor('synced') - floor('plain'),
        own_mb_without: floor('plainOwn'),
        own_mb_with: floor('syncedOwn'),
      }
      onProgress(
        `edge RSS floors after ${seconds} s: ${out.rss_mb_without.toFixed(1)} MB without sync (own ${out.own_mb_without.toFixed(1)}), ${out.rss_mb_with.toFixed(1)} MB with (own ${out.own_mb_with.toFixed(1)})`,
      )
      return out
    } finally {
      await Promise.all([plain.stop(), synced.stop()])
    }
  })
}
