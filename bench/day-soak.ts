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
// run, after the first turnover: memory and file descriptors flat, the raw store at its plateau,
// the hub's PostgreSQL flat. What is kept longer than raw data (per-minute rollups, events) grows,
// as it should: measured by table (SQLite's dbstat), it says what the default retentions come to
// on a robot, and that must fit the default disk quota. Memory trends are taken from the floor of
// each five minutes (the least RSS after the garbage collector's passes): a single reading moves
// by ten megabytes with the collector's timing, which would hide or invent a leak of a few.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Database } from 'bun:sqlite'
import { SQL } from 'bun'
import { parseExpositionValues } from './exposition.ts'
import { residentBytes, rssBytes } from './proc-io.ts'
import { startEdgeProcess } from './edge-process.ts'
import { liveProtocols } from '../core/live/protocol.ts'
import type { Curve } from './results.ts'
import { registerRobot, startHubChild, stopHubChild } from './hub.ts'

export interface DaySample {
  t_min: number
  edge_rss_mb: number
  /** The part of the edge's RSS that is its own (heap, stacks); the rest is Bun's executable and libraries, clean and shared. */
  edge_anon_mb: number
  /** The JavaScript heap in use, from /metrics: garbage counts until the next collection. */
  edge_heap_mb: number
  /** Of the heap, what JavaScript objects own outside it (buffers), from /metrics. */
  edge_external_mb: number
  edge_fds: number
  edge_db_mb: number
  /** Raw chunks and their minute index: what raw retention turns over. */
  edge_raw_mb: number
  /** Rollups, events and the rest: kept longer than raw data. */
  edge_kept_mb: number
  edge_files_mb: number
  hub_rss_mb: number
  hub_heap_mb: number
  hub_fds: number
  pg_mb: number
  sync_backlog: number
  sync_lag_s: number
}

export interface DaySoak {
  hours: number
  retention_raw_h: number
  samples: DaySample[]
  /** Slopes over the second half, per hour (memory: of the five-minute floors). */
  slope: {
    edge_rss_mb: number
    edge_heap_mb: number
    edge_fds: number
    edge_db_mb: number
    edge_raw_mb: number
    edge_kept_mb: number
    hub_rss_mb: number
    hub_heap_mb: number
    pg_mb: number
  }
  /** The raw store's mean size over the second half, and what it holds per hour of data. */
  raw_plateau_mb: number
  raw_mb_per_h: number
  ticks: number
  batches: number
  scrapes: number
}

const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length
const RAW_TABLES = new Set(['chunks', 'chunk_minutes', 'sqlite_autoindex_chunk_minutes_1'])

/** Bytes in use by the raw store and by everything else, from SQLite's page map (read-only, beside the running edge). */
function storeSplit(dbPath: string): { raw: number; kept: number } {
  const db = new Database(dbPath, { readonly: true })
  try {
    let raw = 0
    let kept = 0
    for (const r of db
      .query("SELECT name, sum(pgsize - unused) b FROM dbstat WHERE name NOT LIKE 'sqlite_%' OR name LIKE 'sqlite_autoindex%' GROUP BY name")
      .all() as { name: string; b: number }[])
      if (RAW_TABLES.has(r.name)) raw += r.b
      else kept += r.b
    return { raw, kept }
  } finally {
    db.close()
  }
}

/**
 * The least value of each whole `windowMin` minutes, at the window's middle. A window cut short
 * (the run's last, or the half's first) has fewer passes of the collector in it and is left out.
 */
function floors(samples: DaySample[], key: keyof DaySample, everyS: number, windowMin = 5): { x: number; y: number }[] {
  const by = new Map<number, { y: number; n: number }>()
  for (const s of samples) {
    const w = Math.floor(s.t_min / windowMin)
    const cur = by.get(w) ?? { y: Infinity, n: 0 }
    by.set(w, { y: Math.min(cur.y, s[key]), n: cur.n + 1 })
  }
  const whole = Math.floor(((windowMin * 60) / everyS) * 0.8)
  return [...by].filter(([, v]) => v.n >= whole).map(([w, v]) => ({ x: (w + 0.5) * windowMin, y: v.y }))
}
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
  const every = (opts.everyS ?? 15) * 1000
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
    let hubMetrics = ''
    const scrape = setInterval(async () => {
      try {
        edgeMetrics = await (await fetch(`http://127.0.0.1:${e.port}/metrics`)).text()
        hubMetrics = await (await fetch(`${hub.base}/metrics`)).text()
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
      const h = parseExpositionValues(hubMetrics || (await (await fetch(`${hub.base}/metrics`)).text()))
      const [pgSize] = await pg`select pg_database_size(current_database())::bigint as b`
      const split = storeSplit(dbPath)
      const s: DaySample = {
        t_min: Math.round(((Date.now() - start) / 60_000) * 100) / 100,
        edge_rss_mb: mb(rssBytes(e.pid)),
        edge_anon_mb: mb(residentBytes(e.pid, 'RssAnon')),
        edge_heap_mb: mb(m.get('tonypi_process_heap_bytes') ?? 0),
        edge_external_mb: mb(m.get('tonypi_process_heap_external_bytes') ?? 0),
        edge_fds: fds(e.pid),
        edge_db_mb: mb(m.get('tonypi_store_db_bytes') ?? 0),
        edge_raw_mb: mb(split.raw),
        edge_kept_mb: mb(split.kept),
        edge_files_mb: mb(size(dbPath) + size(`${dbPath}-wal`) + size(`${dbPath}-ticks`)),
        hub_rss_mb: mb(rssBytes(hub.child.pid)),
        hub_heap_mb: mb(h.get('tonypi_process_heap_bytes') ?? 0),
        hub_fds: fds(hub.child.pid),
        pg_mb: mb(Number(pgSize.b)),
        sync_backlog: (m.get('tonypi_sync_backlog_records{lane="events"}') ?? 0) + (m.get('tonypi_sync_backlog_records{lane="telemetry"}') ?? 0),
        sync_lag_s: m.get('tonypi_sync_lag_seconds') ?? 0,
      }
      samples.push(s)
      if (samples.length % Math.max(1, Math.round(60_000 / every)) === 0)
        onProgress(
          `day soak ${s.t_min} min: edge ${s.edge_rss_mb.toFixed(1)} MB (heap ${s.edge_heap_mb.toFixed(1)}), ${s.edge_fds} fds, db ${s.edge_db_mb.toFixed(2)} MB; hub ${s.hub_rss_mb.toFixed(1)} MB (heap ${s.hub_heap_mb.toFixed(1)}), ${s.hub_fds} fds, PostgreSQL ${s.pg_mb.toFixed(1)} MB; backlog ${s.sync_backlog}, ${live} live messages`,
        )
    }
    clearInterval(scrape)
    ws.close()
    const last = parseExpositionValues(await (await fetch(`http://127.0.0.1:${e.port}/metrics`)).text())
    const half = samples.filter((s) => s.t_min >= (hours * 60) / 2)
    const sl = (k: keyof DaySample) =>
      slopePerHour(
        half.map((s) => s.t_min),
        half.map((s) => s[k]),
      )
    const floorSlope = (k: keyof DaySample) => {
      const f = floors(half, k, every / 1000)
      return slopePerHour(
        f.map((p) => p.x),
        f.map((p) => p.y),
      )
    }
    const rawPlateau = half.reduce((a, s) => a + s.edge_raw_mb, 0) / Math.max(1, half.length)
    return {
      hours,
      retention_raw_h: retention,
      samples,
      slope: {
        edge_rss_mb: floorSlope('edge_rss_mb'),
        edge_heap_mb: floorSlope('edge_heap_mb'),
        edge_fds: sl('edge_fds'),
        edge_db_mb: sl('edge_db_mb'),
        edge_raw_mb: sl('edge_raw_mb'),
        edge_kept_mb: sl('edge_kept_mb'),
        hub_rss_mb: floorSlope('hub_rss_mb'),
        hub_heap_mb: floorSlope('hub_heap_mb'),
        pg_mb: sl('pg_mb'),
      },
      raw_plateau_mb: rawPlateau,
      // Raw retention keeps its hours plus the minute being written and the one before it.
      raw_mb_per_h: rawPlateau / (retention + 2 / 60),
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

/** The first sample of each `stepMin` minutes, and the last. */
function everyStep(samples: DaySample[], stepMin: number): DaySample[] {
  const seen = new Set<number>()
  return samples.filter((s, i) => {
    const step = Math.floor(s.t_min / stepMin)
    const first = !seen.has(step)
    seen.add(step)
    return first || i === samples.length - 1
  })
}

/** The table's columns, each with its digits: the curve in results.json and the Markdown table alike. */
const COLUMNS: [string, (s: DaySample) => number, number][] = [
  ['minute', (s) => Math.round(s.t_min), 0],
  ['edge RSS MB', (s) => s.edge_rss_mb, 1],
  ['edge own MB', (s) => s.edge_anon_mb, 1],
  ['edge heap MB', (s) => s.edge_heap_mb, 1],
  ['edge heap outside MB', (s) => s.edge_external_mb, 1],
  ['edge fds', (s) => s.edge_fds, 0],
  ['edge db MB', (s) => s.edge_db_mb, 2],
  ['raw store MB', (s) => s.edge_raw_mb, 2],
  ['kept longer MB', (s) => s.edge_kept_mb, 2],
  ['edge files MB', (s) => s.edge_files_mb, 2],
  ['hub RSS MB', (s) => s.hub_rss_mb, 1],
  ['hub heap MB', (s) => s.hub_heap_mb, 1],
  ['hub fds', (s) => s.hub_fds, 0],
  ['PostgreSQL MB', (s) => s.pg_mb, 1],
  ['sync backlog', (s) => s.sync_backlog, 0],
]

/** The curves for bench/results.json and the README: about a dozen rows, one every `stepMin` minutes. */
export function dayCurve(d: DaySoak, stepMin = Math.max(1, Math.round((d.hours * 60) / 12))): Curve {
  return {
    title: `Day soak: ${d.hours} h at nominal load syncing to a hub, raw retention ${d.retention_raw_h} h`,
    columns: COLUMNS.map(([name]) => name),
    rows: everyStep(d.samples, stepMin).map((s) => COLUMNS.map(([, get, digits]) => Number(get(s).toFixed(digits)))),
  }
}

/** The curves as a Markdown table: one row every `stepMin` minutes. */
export function dayTable(d: DaySoak, stepMin = 15): string {
  return [
    `| ${COLUMNS.map(([name]) => name).join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
    ...everyStep(d.samples, stepMin).map((s) => `| ${COLUMNS.map(([, get, digits]) => get(s).toFixed(digits)).join(' | ')} |`),
  ].join('\n')
}
