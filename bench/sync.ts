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
import { percentile, startBenchEdge } from './bench-edge.ts'
import { registerRobot, startHubChild, stopHubChild, type Running } from './hub.ts'
import { nominalSeconds } from './nominal-load.ts'
import { rssBytes } from './proc-io.ts'
import { writeRobotBacklog } from './robot-backlog.ts'

/** Raw line protocol, 5,000 lines a gzip request, one request at a time: the baseline. */
async function rawWrite(r: Running, lines: string[]): Promise<number> {
  const u = new URL(`${r.services.influx_url}/write`)
  u.searchParams.set('db', r.services.influx_db); u.searchParams.set('precision', 'ms')
  u.searchParams.set('u', r.services.influx_username); u.searchParams.set('p', r.services.influx_password)
  const t = performance.now()
  for (let i = 0; i < lines.length; i += 5000) {
    const res = await fetch(u, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: Bun.gzipSync(Buffer.from(lines.slice(i, i + 5000).join('\n')), { level: 1 }) })
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
    for (const c of ro.query('SELECT stream, data FROM chunks ORDER BY seq').iterate() as Iterable<{ stream: StreamName; data: Uint8Array }>) samples.push(...decodeChunk(c.stream, c.data))
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
    const client = new SyncClient({ endpoint: { url: r.base, username: 'robot-catchupbot', token }, source: outbox, clock, log: silentLogger, maxBytesPerS: Number.POSITIVE_INFINITY, intervalMs: 50 })
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
    onProgress(`sync: ${backlog.chunks} chunks (${lines.length} points) in ${syncS.toFixed(1)} s, ${client.sent.batches} batches, ${(wire / 1e6).toFixed(2)} MB on the wire`)
    return {
      seconds, chunks: backlog.chunks, points: lines.length, raw_s: rawS, sync_s: syncS,
      raw_points_per_s: lines.length / rawS, sync_points_per_s: lines.length / syncS, ratio: rawS / syncS,
      wire_bytes_per_hour: (wire * 3600) / seconds, json_bytes_per_hour: (json * 3600) / seconds, wire_vs_json: wire / json,
    }
  } finally {
    await stopHubChild(r)
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Simulated robots in steady sync: each second every robot sends one batch of its last second's
 * chunks (the same chunks for all: a robot's id is not in its chunks, so each is its own series).
 * Lag = the batch's acknowledgement time minus the end of the second it carries.
 */
export async function benchSyncRobots(levels: number[], secondsPerLevel: number, rawPointsPerS: number, onProgress: (s: string) => void = () => {}) {
  const r = await startHubChild()
  const robots: { id: string; auth: string; seq: number }[] = []
  const results: { robots: number; lag_p50_ms: number; lag_p95_ms: number; lag_first_ms: number; lag_last_ms: number; failed: number; sustained: boolean }[] = []
  const pointsPerRobotS = (() => {
    const tick = nominalSeconds(Date.now(), 1).next().value as Sample[]
    return encodeSamples('x', tick).lines.length
  })()
  try {
    for (const n of levels) {
      while (robots.length < n) {
        const id = `syncsim${robots.length}`
        robots.push({ id, auth: basicAuth(`robot-${id}`, (await registerRobot(r, id)).token), seq: 0 })
      }
      const gen = nominalSeconds(Date.now(), secondsPerLevel + 1, n)
      const lags: number[] = []
      const perSecond: number[] = []
      let failed = 0
      const pending: Promise<void>[] = []
      for (let s = 0; s < secondsPerLevel; s++) {
        const secStart = Date.now()
        const tick = gen.next().value as Sample[]
        const base = Math.min(...tick.map((x) => x.ts))
        const byStream = new Map<StreamName, Sample[]>()
        for (const x of tick) {
          const l = byStream.get(x.stream) ?? []
          l.push({ ...x, ts: secStart - 1000 + (x.ts - base) })
          byStream.set(x.stream, l)
        }
        const chunks = [...byStream].map(([stream, list]) => ({ stream, enc: encodeChunk(stream, list) }))
        const tickEnd = secStart
        const secondLags: number[] = []
        for (const rb of robots.slice(0, n)) {
          const records: SyncRecord[] = chunks.map((c, i) => ({ kind: 'chunk', seq: rb.seq + i + 1, stream: c.stream, t0: c.enc.t0, t1: c.enc.t1, n: c.enc.n, data: Buffer.from(c.enc.data).toString('base64') }))
          const body = JSON.stringify({
            v: SYNC_VERSION, robot_id: rb.id, db_id: `bench-${rb.id}`, boot_id: 'bench', wall_ms: Date.now(), mono_ms: performance.now(),
            lanes: { telemetry: { after: rb.seq, to: rb.seq + chunks.length } }, backlog: { events: 0, telemetry: 0 }, oldest_pending_ts: null, dropped: {},
            clock: [], records,
          })
          rb.seq += chunks.length
          pending.push(fetch(`${r.base}/api/v1/sync/batch`, {
            method: 'POST', headers: { authorization: rb.auth, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: Bun.gzipSync(Buffer.from(body), { level: 1 }),
          }).then(async (res) => {
            await res.arrayBuffer()
            if (res.status !== 200) failed++
            else { const lag = Date.now() - tickEnd; lags.push(lag); secondLags.push(lag) }
          }, () => { failed++ }))
        }
        const wait = secStart + 1000 - Date.now()
        if (wait > 0) await Bun.sleep(wait)
        perSecond.push(secondLags.length ? Math.max(...secondLags) : Number.POSITIVE_INFINITY)
      }
      await Promise.all(pending)
      const sorted = [...lags].sort((a, b) => a - b)
      const head = perSecond.slice(1, 4)
      const tail = perSecond.slice(-3)
      const row = {
        robots: n, lag_p50_ms: percentile(sorted, 50), lag_p95_ms: percentile(sorted, 95),
        lag_first_ms: Math.max(...head), lag_last_ms: Math.max(...tail), failed,
        sustained: failed === 0 && percentile(sorted, 95) < 2000 && Math.max(...tail) < Math.max(...head) + 1000,
      }
      results.push(row)
      onProgress(`${n} robots: lag p50 ${row.lag_p50_ms} ms, p95 ${row.lag_p95_ms} ms, worst ${row.lag_first_ms} -> ${row.lag_last_ms} ms, ${failed} failed${row.sustained ? '' : ' (not sustained)'}`)
      if (!row.sustained) break
      await Bun.sleep(3000)
    }
    const sustained = results.filter((x) => x.sustained).at(-1)?.robots ?? 0
    const rawRobots = rawPointsPerS / pointsPerRobotS
    return { levels: results, sustained, points_per_robot_s: pointsPerRobotS, raw_robots: rawRobots, ratio: sustained / rawRobots, ceiling: results.at(-1)?.sustained === false }
  } finally {
    await stopHubChild(r)
  }
}

/** A real edge synced to the hub: each live sample's time on the robot to its arrival on the hub's fleet live feed. */
export async function benchSyncLive(seconds: number, onProgress: (s: string) => void = () => {}) {
  const r = await startHubChild()
  try {
    const token = (await registerRobot(r, 'benchbot')).token
    const edge = await startBenchEdge('synclive', { TONYPI_HUB_URL: r.base, TONYPI_HUB_TOKEN: token })
    try {
      const latencies: number[] = []
      const ws = new WebSocket(`${r.base.replace('http', 'ws')}/api/v1/live?token=${r.admin}`)
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
  } finally {
    await stopHubChild(r)
  }
}

/** The edge's RSS at nominal load, with sync to a hub and without, each after `seconds`. */
export async function benchSyncRss(seconds: number, onProgress: (s: string) => void = () => {}) {
  const r = await startHubChild()
  try {
    const token = (await registerRobot(r, 'benchbot')).token
    const rss = async (env: Record<string, string>, what: string) => {
      const edge = await startBenchEdge(`rss-${what}`, env)
      try {
        const t = Date.now()
        while (Date.now() - t < seconds * 1000) await Bun.sleep(Math.min(10_000, seconds * 1000 - (Date.now() - t)))
        const mb = rssBytes(edge.pid) / 1e6
        onProgress(`edge RSS ${what}: ${mb.toFixed(1)} MB after ${seconds} s`)
        return mb
      } finally {
        await edge.stop()
      }
    }
    const without = await rss({}, 'without sync')
    const withSync = await rss({ TONYPI_HUB_URL: r.base, TONYPI_HUB_TOKEN: token }, 'with sync')
    return { seconds, rss_mb_without: without, rss_mb_with: withSync, added_mb: withSync - without }
  } finally {
    await stopHubChild(r)
  }
}
