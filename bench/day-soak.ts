// A day in the life of a robot, compressed: the real edge (a child process, simulated robot,
// nominal rates) syncing to a real hub (PostgreSQL, InfluxDB, Mosquitto), with a dashboard on its
// live feed and a Prometheus scraping both every 15 s, sampled once a minute: the edge's memory,
// file descriptors, database and journal; the hub's memory and file descriptors and the size of
// its PostgreSQL database; sync's backlog.
//
// How it maps to 24 h. Load cannot be compressed: Bun's timers wait in real time (under
// libfaketime's faster clock a tick still takes a real second, and stamps eight), and a day of
// samples through the whole edge costs what it costs. What a day can add to is state that grows
// until a limit trims it, and those limits are compressed: raw retention is cut from 168 h to a
// quarter of an hour, so the store turns over once every 15 minutes (`hours` x 4 turnovers; a
// day at the default retention turns over 1/7 of the store, the soak the whole of it many
// times). Every other per-day quantity is counted per hour here and scales linearly: ticks,
// folds, maintenance passes, sync batches and scrapes. The verdict is on the second half of the
// run, after the first turnover: memory and file descriptors flat, the database at its plateau
// (it may grow by what is kept longer than raw data: per-minute rollups and events), the hub's
// PostgreSQL flat.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { SQL } from 'bun'
import { parseExpositionValues } from './exposition.ts'
import { rssBytes } from './proc-io.ts'
import { startEdgeProcess } from './edge-process.ts'
import { liveProtocols } from '../core/live/protocol.ts'
import type { Curve } from './results.ts'
import { registerRobot, startHubChild, stopHubChild } from './hub.ts'

export interface DaySample {
  t_min: number
  edge_rss_mb: number
  edge_fds: number
  edge_db_mb: number
  edge_files_mb: number
  hub_rss_mb: number
  hub_fds: number
  pg_mb: number
  sync_backlog: number
  sync_lag_s: number
}

export interface DaySoak {
  hours: number
  retention_raw_h: number
  samples: DaySample[]
  /** Least-squares slopes over the second half, per hour. */
  slope: { edge_rss_mb: number; edge_fds: number; edge_db_mb: number; hub_rss_mb: number; pg_mb: number }
  /** What the edge's database may grow by per hour once raw data turns over: the rollups and events it keeps longer. */
  kept_longer_mb_per_h: number
  ticks: number
  batches: number
  scrapes: number
}

const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length
const mb = (b: number) => b / 1e6
const size = (p: string) => {
  try {
    return statSync(p).size
  } catch {
    return 0
  }
}

function slopePerHour(xsMin: number[], ys: number[]): number {
  const n = xsMin.length
  if (n < 2) return 0
  const mx = xsMin.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) {
    num += (xsMin[i] - mx) * (ys[i] - my)
    den += (xsMin[i] - mx) ** 2
  }
  return den === 0 ? 0 : (num / den) * 60
}

export async function benchDaySoak(hours: number, onProgress: (s: string) => void, opts: { retentionRawH?: number; everyS?: number } = {}): Promise<DaySoak> {
  const retention = opts.retentionRawH ?? 0.25
  const every = (opts.everyS ?? 60) * 1000
  const hub = await startHubChild()
  const pg = new SQL(hub.services.postgres_url, { max: 1 })
  let edge: Awaited<ReturnType<typeof startEdgeProcess>> | null = null
  try {
    const cred = await registerRobot(hub, 'daybot')
    edge = await startEdgeProcess({
      env: {
        TONYPI_ROBOT_ID: 'daybot',
        TONYPI_HUB_URL: hub.base,
        TONYPI_HUB_TOKEN: cred.token,
        TONYPI_RETENTION_RAW_HOURS: String(retention),
        TONYPI_LOG_RETENTION_DAYS: '1',
        TONYPI_RETENTION_ROLLUP_DAYS: '1',
      },
    })
    const e = edge
    const token = (await e.login()).access_token
    // A dashboard on the live feed, and a Prometheus scraping both ends.
    const ws = new WebSocket(`ws://127.0.0.1:${e.port}/api/v1/live`, liveProtocols(token))
    let live = 0
    ws.onmessage = () => {
      live++
    }
    let scrapes = 0
    let edgeMetrics = ''
    const scrape = setInterval(async () => {
      try {
        edgeMetrics = await (await fetch(`http://127.0.0.1:${e.port}/metrics`)).text()
        await (await fetch(`${hub.base}/metrics`)).text()
        scrapes++
      } catch {
        /* counted by what is missing */
      }
    }, 15_000)
    const start = Date.now()
    const samples: DaySample[] = []
    const dbPath = join(e.dir, 'edge.db')
    while (Date.now() - start < hours * 3_600_000) {
      await Bun.sleep(Math.min(every, hours * 3_600_000 - (Date.now() - start)))
      const m = parseExpositionValues(edgeMetrics || (await (await fetch(`http://127.0.0.1:${e.port}/metrics`)).text()))
      const [pgSize] = await pg`select pg_database_size(current_database())::bigint as b`
      const s: DaySample = {
        t_min: Math.round(((Date.now() - start) / 60_000) * 10) / 10,
        edge_rss_mb: mb(rssBytes(e.pid)),
        edge_fds: fds(e.pid),
        edge_db_mb: mb(m.get('tonypi_store_db_bytes') ?? 0),
        edge_files_mb: mb(size(dbPath) + size(`${dbPath}-wal`) + size(`${dbPath}-ticks`)),
        hub_rss_mb: mb(rssBytes(hub.child.pid)),
        hub_fds: fds(hub.child.pid),
        pg_mb: mb(Number(pgSize.b)),
        sync_backlog: (m.get('tonypi_sync_backlog_records{lane="events"}') ?? 0) + (m.get('tonypi_sync_backlog_records{lane="telemetry"}') ?? 0),
        sync_lag_s: m.get('tonypi_sync_lag_seconds') ?? 0,
      }
      samples.push(s)
      onProgress(
        `day soak ${s.t_min} min: edge ${s.edge_rss_mb.toFixed(1)} MB, ${s.edge_fds} fds, db ${s.edge_db_mb.toFixed(2)} MB; hub ${s.hub_rss_mb.toFixed(1)} MB, ${s.hub_fds} fds, PostgreSQL ${s.pg_mb.toFixed(1)} MB; backlog ${s.sync_backlog}, ${live} live messages`,
      )
    }
    clearInterval(scrape)
    ws.close()
    const last = parseExpositionValues(await (await fetch(`http://127.0.0.1:${e.port}/metrics`)).text())
    const half = samples.filter((s) => s.t_min >= (hours * 60) / 2)
    const xs = half.map((s) => s.t_min)
    const sl = (k: keyof DaySample) =>
      slopePerHour(
        xs,
        half.map((s) => s[k]),
      )
    return {
      hours,
      retention_raw_h: retention,
      samples,
      slope: { edge_rss_mb: sl('edge_rss_mb'), edge_fds: sl('edge_fds'), edge_db_mb: sl('edge_db_mb'), hub_rss_mb: sl('hub_rss_mb'), pg_mb: sl('pg_mb') },
      // Rollups: a row per stream, minute, source and field (about 93 a minute at nominal load,
      // some 50 bytes each with their index entry); events are few.
      kept_longer_mb_per_h: (93 * 60 * 50) / 1e6,
      ticks: Math.round((Date.now() - start) / 1000),
      batches: last.get('tonypi_sync_batches_total') ?? 0,
      scrapes,
    }
  } finally {
    await pg.close()
    await edge?.stop()
    await stopHubChild(hub)
  }
}

/** The curves for bench/results.json and the README: about a dozen rows, one every `stepMin` minutes. */
export function dayCurve(d: DaySoak, stepMin = Math.max(1, Math.round((d.hours * 60) / 12))): Curve {
  const rows = d.samples.filter((s, i) => i === 0 || i === d.samples.length - 1 || Math.round(s.t_min) % stepMin === 0)
  return {
    title: `Day soak: ${d.hours} h at nominal load syncing to a hub, raw retention ${d.retention_raw_h} h`,
    columns: ['minute', 'edge RSS MB', 'edge fds', 'edge db MB', 'edge files MB', 'hub RSS MB', 'hub fds', 'PostgreSQL MB', 'sync backlog'],
    rows: rows.map((s) => [Math.round(s.t_min), s.edge_rss_mb, s.edge_fds, s.edge_db_mb, s.edge_files_mb, s.hub_rss_mb, s.hub_fds, s.pg_mb, s.sync_backlog]),
  }
}

/** The curves as a table: one row every `stepMin` minutes. */
export function dayTable(d: DaySoak, stepMin = 15): string {
  const head = '| minute | edge RSS MB | edge fds | edge db MB | edge files MB | hub RSS MB | hub fds | PostgreSQL MB | sync backlog |'
  const rows = d.samples.filter((s, i) => i === 0 || i === d.samples.length - 1 || Math.round(s.t_min) % stepMin === 0)
  return [
    head,
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (s) =>
        `| ${s.t_min.toFixed(0)} | ${s.edge_rss_mb.toFixed(1)} | ${s.edge_fds} | ${s.edge_db_mb.toFixed(2)} | ${s.edge_files_mb.toFixed(2)} | ${s.hub_rss_mb.toFixed(1)} | ${s.hub_fds} | ${s.pg_mb.toFixed(1)} | ${s.sync_backlog} |`,
    ),
  ].join('\n')
}
