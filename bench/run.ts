// `bun run bench` (add `--quick` for short runs; `--only=store|servo|hardware|hub|soak|estop|sync|replicas|dashboard`, or several
// comma-separated): every figure is measured against a baseline or a budget in the same run, and
// printed as a table. Several sections run each in a process of its own, after the machine has
// settled, so one section's heap, garbage collection and disk write-back do not bleed into the
// next one's timings. A run that is not --quick writes its figures to bench/results.json (the
// sections it ran replace theirs) and the README's table from it (bench/readme-table.ts).
import { readFileSync, writeFileSync } from 'node:fs'
import { benchEdgeSoak } from './edge-soak.ts'
import { benchIngest, benchNaiveBytesPerHour } from './store.ts'
import { benchServoPoll } from './servo-poll.ts'
import { benchHardware } from './hardware.ts'
import { benchHubIngest, benchHubRobots } from './hub.ts'
import { benchSyncCatchUp, benchSyncLive, benchSyncRobots, benchSyncRss } from './sync.ts'
import { benchEstopUnderAttack } from './estop.ts'
import { benchDashboard, THROTTLE } from './dashboard.ts'
import { benchReplicas } from './replicas.ts'
import { measureWear, type WearPart } from './store-wear.ts'
import { writeResults, type Curve, type Figure } from './results.ts'
import { benchDaySoak, dayCurve, dayTable } from './day-soak.ts'
import { loadEdgeConfig } from '../core/config.ts'

const quick = process.argv.includes('--quick')
const SECTIONS = ['store', 'servo', 'hardware', 'hub', 'soak', 'estop', 'sync', 'replicas', 'dashboard']
/** Run only when named: `day` takes hours (`--day-hours=`, default 3). */
const EXPLICIT = ['day']
const chosen =
  process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',') ?? SECTIONS
for (const c of chosen)
  if (![...SECTIONS, ...EXPLICIT].includes(c)) throw new Error(`--only=${c}: expected ${[...SECTIONS, ...EXPLICIT].join(', ')} (or several, comma-separated)`)
/** The one section this process runs; none when it runs several, each in a child of its own. */
const only = chosen.length === 1 ? chosen[0] : undefined
type Row = Figure
const rows: Row[] = []
/** Curves a section sampled, by section (the day soak's). */
const curves: Record<string, Curve> = {}
/** A figure: its value in `unit`, the goal it is held to (in words), whether it meets it, and the detail behind it. */
const add = (name: string, value: number, unit: string, goal: string, pass: boolean, detail = '') =>
  rows.push({ section: only ?? '', name, value: Number(value.toFixed(3)), unit, goal, pass, detail })
const log = (s: string) => process.stderr.write(`  ${s}\n`)
const asJson = process.argv.includes('--json')

/**
 * Waits until the machine is quiet before a section (sync, then CPU under 10 % for half a
 * second): run straight after the store section, whose files leave the kernel writing back, the
 * servo section measured 0.77 of the wire limit; after settling, 0.94 in three runs.
 */
async function settle() {
  Bun.spawnSync(['sync'])
  const busy = () => {
    const a = cpuTimes()
    Bun.sleepSync(500)
    const b = cpuTimes()
    return (b.busy - a.busy) / Math.max(1, b.total - a.total)
  }
  for (let i = 0; i < 20 && busy() > 0.1; i++) Bun.spawnSync(['sync'])
}

function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const total = f.reduce((x, y) => x + y, 0)
  return { busy: total - f[3] - (f[4] ?? 0), total }
}

if (!only) {
  for (const section of chosen) {
    await settle()
    const child = Bun.spawn([process.execPath, import.meta.path, `--only=${section}`, '--json', ...(quick ? ['--quick'] : [])], {
      stdout: 'pipe',
      stderr: 'inherit',
    })
    const out = await new Response(child.stdout).text()
    const code = await child.exited
    if (code !== 0) throw new Error(`the ${section} benchmark failed (exit ${code})`)
    const result = JSON.parse(out.trim().split('\n').pop()!) as { figures: Row[]; curves: Record<string, Curve> }
    rows.push(...result.figures)
    Object.assign(curves, result.curves)
  }
}

if (only === 'store') {
  log('store ingest...')
  const ing = benchIngest(quick ? 60 : 300)
  add(
    'store ingest vs raw bun:sqlite batched inserts',
    ing.ratio,
    'ratio',
    '>= 0.5',
    ing.ratio >= 0.5,
    `${ing.store_per_s.toLocaleString()} vs ${ing.raw_per_s.toLocaleString()} samples/s`,
  )
  log('bytes written per hour: the tick journal and minute folds, then every tick a SQLite transaction (as before), then one row per value...')
  const seconds = quick ? 600 : 1800
  const now = measureWear(seconds, { journal: true })
  const before = measureWear(seconds, { journal: false })
  const naive = benchNaiveBytesPerHour(seconds)
  const split = (w: typeof now) =>
    (['journal', 'chunks', 'rollups', 'minute index', 'meta', 'header', 'other', 'checkpoint'] as WearPart[])
      .filter((p) => w.mb_per_h[p] >= 0.005)
      .map((p) => `${p} ${w.mb_per_h[p].toFixed(2)}`)
      .join(', ')
  add(
    `bytes written per hour, nominal load (${seconds} s simulated, checkpoints included)`,
    now.mb_per_h.total,
    'MB/h',
    '<= 15',
    now.mb_per_h.total <= 15,
    `${split(now)}; chunk payload ${now.mb_per_h.payload.toFixed(2)}`,
  )
  add(
    'bytes written per hour with every tick a SQLite transaction (the store before its tick journal)',
    before.mb_per_h.total,
    'MB/h',
    'reported',
    true,
    `${split(before)}; chunk payload ${before.mb_per_h.payload.toFixed(2)}`,
  )
  add(
    'bytes written vs naive one-row-per-value store',
    now.mb_per_h.total / naive,
    'ratio',
    '<= 0.2',
    now.mb_per_h.total / naive <= 0.2,
    `${now.mb_per_h.total.toFixed(1)} / ${naive.toFixed(0)} MB/h`,
  )
}

if (only === 'servo') {
  log('servo polling against the wire limit (byte-level simulator on a pty)...')
  const { hat, board } = await benchServoPoll(quick ? 3 : 10)
  add(
    'hat: position sweeps/s vs 115200-baud wire limit',
    hat.ratio,
    'ratio',
    '>= 0.9',
    hat.ratio >= 0.9,
    `${hat.sweeps_per_s.toFixed(1)} / ${hat.theoretical.toFixed(1)} sweeps/s (${hat.missing} missed reads)`,
  )
  add(
    'board: position sweeps/s at 1 Mbaud (relayed to its 115200 LX bus)',
    board.ratio,
    'ratio',
    'reported',
    true,
    `${board.sweeps_per_s.toFixed(1)} / ${board.theoretical.toFixed(1)} sweeps/s (${board.missing} missed reads)`,
  )
}

if (only === 'hardware') {
  log('the hat with its direction pins switched on the wire model (simulator in its own process)...')
  const hw = await benchHardware(quick ? 3 : 10)
  add(
    'hat: 16-servo move, first to last byte on the wire (modelled from write instants)',
    hw.move.spread_ms / hw.move.wire_ms,
    'x bytes on the wire',
    '<= 1.1',
    hw.move.spread_ms <= 1.1 * hw.move.wire_ms,
    `${hw.move.spread_ms.toFixed(1)} ms (max ${hw.move.spread_max_ms.toFixed(1)}) vs ${hw.move.wire_ms.toFixed(1)} ms of bytes; a tcdrain per frame: ${hw.move.drain_model_ms.toFixed(1)} ms`,
  )
  add(
    'hat: turn to receive after the last stop bit + margin, late by (p99)',
    hw.turn.p99_ms * 1000,
    'us',
    `< ${(hw.turn.budget_ms * 1000).toFixed(0)}`,
    hw.turn.p99_ms < hw.turn.budget_ms,
    `p50 ${(hw.turn.p50_ms * 1000).toFixed(0)} us, max ${(hw.turn.max_ms * 1000).toFixed(0)} us; ${hw.turn.over_budget} of ${hw.turn.count} turns past the budget`,
  )
  add(
    'hat: position sweeps/s with timed direction switching vs without pins (same run)',
    hw.poll.ratio,
    'ratio',
    '>= 0.9',
    hw.poll.ratio >= 0.9,
    `${hw.poll.sweeps_per_s.toFixed(1)} vs ${hw.poll.baseline_per_s.toFixed(1)}; wire limit ${hw.poll.theoretical.toFixed(1)} (${hw.poll.missing} missed reads)`,
  )
  add(
    'hat: expected on a Pi 4 (wire model, README), worst case',
    hw.pi.worst,
    'sweeps/s',
    'reported',
    true,
    `${hw.pi.worst.toFixed(0)}-${hw.pi.best.toFixed(0)} sweeps/s of 16 positions (wire limit ${hw.pi.wire.toFixed(1)})`,
  )
}

if (only === 'hub') {
  log('hub ingest over MQTT into InfluxDB vs raw line-protocol writes (real services)...')
  const ing = await benchHubIngest(quick ? 30 : 60, log)
  add(
    'hub ingest MQTT -> InfluxDB vs raw batched line protocol',
    ing.ratio,
    'ratio',
    '>= 0.5',
    ing.ratio >= 0.5,
    `${Math.round(ing.hub_points_per_s).toLocaleString()} vs ${Math.round(ing.raw_points_per_s).toLocaleString()} points/s, median of ${ing.rounds.length} rounds (${ing.rounds.join(', ')}; ${ing.points.toLocaleString()} points, ${ing.messages.toLocaleString()} messages each)`,
  )
  log('simulated robots at nominal rates on one hub...')
  const levels = await benchHubRobots(quick ? [10, 20] : [10, 20, 30, 40, 50], quick ? 8 : 15, log)
  const best = levels.filter((l) => l.sustained).at(-1)
  add(
    'robots at nominal rates one hub sustains (lag not growing)',
    best?.robots ?? 0,
    'robots',
    '>= 20',
    (best?.robots ?? 0) >= 20,
    levels.map((l) => `${l.robots}: ${l.msgs_per_s} msg/s, lag ${l.lag_end_ms} ms${l.sustained ? '' : ' growing'}`).join('; '),
  )
}

if (only === 'soak') {
  const seconds = quick ? 30 : 300
  log(`edge soak for ${seconds} s (a live WebSocket client attached)...`)
  const soak = await benchEdgeSoak(seconds, log)
  add(
    `edge RSS after ${seconds} s at nominal load`,
    soak.rss_mb_settled,
    'MB',
    '<= 80',
    soak.rss_mb_settled <= 80,
    `median of the last 40 %; own memory ${soak.own_mb_settled.toFixed(1)} MB (the rest is mostly Bun's executable, clean and shared); max ${soak.rss_mb_max.toFixed(1)} MB`,
  )
  add(
    'sample-to-WebSocket latency (p99)',
    soak.latency_ms.p99,
    'ms',
    '<= 50',
    soak.latency_ms.p99 <= 50,
    `p50 ${soak.latency_ms.p50} ms, max ${soak.latency_ms.max} ms (${soak.samples.toLocaleString()} samples)`,
  )
}

if (only === 'estop') {
  log('e-stop and servo polling under an oversized unauthenticated flood (the edge in a child process)...')
  const r = await benchEstopUnderAttack(quick ? 2 : 5, quick ? 4 : 10, log)
  const f = (x: { p50: number; p99: number; max: number }) => `p50 ${x.p50.toFixed(1)}, p99 ${x.p99.toFixed(1)}, max ${x.max.toFixed(1)} ms`
  const requests = Object.entries(r.attack)
    .map(([k, n]) => `${k}: ${n}`)
    .join('; ')
  add(
    'e-stop answered under attack, slowest, beyond the slowest alone',
    r.attacked.estop_ms.max - r.alone.estop_ms.max,
    'ms',
    `<= one tick (${r.tick_ms} ms)`,
    r.attacked.estop_ms.max <= r.alone.estop_ms.max + r.tick_ms,
    `${f(r.attacked.estop_ms)} vs ${f(r.alone.estop_ms)} (${r.attacked.estops} e-stops under attack; the edge's CPU ${r.attacked.edge_cpu_percent} vs ${r.alone.edge_cpu_percent} % of a core; attack requests and answers: ${requests})`,
  )
  add(
    'gaps between servo sweeps under attack, p99, beyond the p99 alone',
    r.attacked.sweep_gap_ms.p99 - r.alone.sweep_gap_ms.p99,
    'ms',
    `<= one poll period (${r.poll_period_ms} ms)`,
    r.attacked.sweep_gap_ms.p99 <= r.alone.sweep_gap_ms.p99 + r.poll_period_ms,
    `${f(r.attacked.sweep_gap_ms)} vs ${f(r.alone.sweep_gap_ms)}`,
  )
}

if (only === 'sync') {
  const hour = quick ? 600 : 3600
  log(`sync catch-up: ${hour} s of nominal data waiting on a robot, sent to a hub (real services)...`)
  const c = await benchSyncCatchUp(hour, log)
  add(
    `sync catch-up of ${hour / 60} min of robot data vs raw batched InfluxDB writes`,
    c.ratio,
    'ratio',
    '>= 0.6',
    c.ratio >= 0.6,
    `${Math.round(c.sync_points_per_s).toLocaleString()} vs ${Math.round(c.raw_points_per_s).toLocaleString()} points/s (${c.points.toLocaleString()} points, ${c.chunks.toLocaleString()} chunks caught up in ${c.sync_s.toFixed(1)} s)`,
  )
  add(
    'sync bytes on the wire per hour of robot data vs one JSON MQTT message per sample',
    c.wire_vs_json,
    'ratio',
    '<= 0.1',
    c.wire_vs_json <= 0.1,
    `${(c.wire_bytes_per_hour / 1e6).toFixed(2)} / ${(c.json_bytes_per_hour / 1e6).toFixed(0)} MB/h`,
  )
  log('robots in steady sync on one hub, rising until the lag grows...')
  const levels = quick ? [25, 50] : [50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 550, 600]
  const rb = await benchSyncRobots(levels, quick ? 8 : 15, c.raw_points_per_s, log)
  add(
    'robots syncing at nominal load one hub sustains vs raw InfluxDB writes of the same points',
    rb.ratio,
    'ratio',
    '>= 0.8',
    rb.ratio >= 0.8,
    `${rb.sustained} vs ${Math.round(rb.raw_robots)} robots${rb.ceiling ? '' : ' (the highest level tried: a floor, not the ceiling)'} (${rb.levels.map((l) => `${l.robots}: p95 ${l.lag_p95_ms} ms${l.sustained ? '' : ' growing'}`).join('; ')})`,
  )
  log('live latency from a synced robot to the fleet live feed...')
  const live = await benchSyncLive(quick ? 10 : 30, log)
  add(
    'live: sample on the robot to the fleet live feed (p99)',
    live.p99_ms,
    'ms',
    '<= 250',
    live.p99_ms <= 250,
    `p50 ${live.p50_ms} ms, max ${live.max_ms} ms (${live.samples} samples)`,
  )
  const rssS = quick ? 30 : 300
  log(`edge RSS after ${rssS} s, without and with sync, side by side...`)
  const rss = await benchSyncRss(rssS, log)
  add(
    `edge RSS after ${rssS} s at nominal load, syncing to a hub`,
    rss.rss_mb_with,
    'MB',
    '<= 80, sync adds <= 5',
    rss.rss_mb_with <= 80 && rss.added_mb <= 5,
    `${rss.added_mb >= 0 ? '+' : ''}${rss.added_mb.toFixed(1)} MB over the same edge without a hub beside it (${rss.rss_mb_without.toFixed(1)} MB); own memory ${rss.own_mb_with.toFixed(1)} vs ${rss.own_mb_without.toFixed(1)} MB; floors of the last 40 %`,
  )
}

if (only === 'day') {
  const hours = Number(process.argv.find((a) => a.startsWith('--day-hours='))?.slice(12) ?? (quick ? 0.2 : 3))
  log(`a day compressed: ${hours} h of the edge at nominal load syncing to a hub, raw retention 15 min (bench/day-soak.ts says how it maps)...`)
  const d = await benchDaySoak(hours, log, quick ? { everyS: 20 } : {})
  const table = dayTable(d)
  console.error(`\n${table}\n`)
  curves.day = dayCurve(d)
  if (!quick) {
    writeFileSync(
      new URL('./day-soak.md', import.meta.url),
      `# Day soak, ${new Date().toISOString().slice(0, 10)}\n\n${hours} h at nominal load, raw retention ${d.retention_raw_h} h; ${d.ticks.toLocaleString()} ticks, ${d.batches.toLocaleString()} sync batches, ${d.scrapes} scrapes of each /metrics.\n\n${table}\n\nEvery sample: bench/day-soak.json.\n`,
    )
    // Every sample, so a verdict can be judged again without another run of hours.
    writeFileSync(new URL('./day-soak.json', import.meta.url), `${JSON.stringify({ hours, retention_raw_h: d.retention_raw_h, samples: d.samples })}\n`)
  }
  const peak = Math.max(...d.samples.map((x) => x.edge_rss_mb))
  const peakOwn = Math.max(...d.samples.map((x) => x.edge_anon_mb))
  const turnovers = Math.floor(hours / d.retention_raw_h)
  /** A growth over the second half: at most `limit` per hour. */
  const growth = (name: string, slope: number, unit: string, limit: number, detail: string) => add(name, slope, unit, `<= ${limit}`, slope <= limit, detail)
  growth(
    'day soak: edge memory growth, second half (five-minute floors)',
    d.slope.edge_rss_mb,
    'MB/h',
    1,
    `peak ${peak.toFixed(1)} MB over ${hours} h (${turnovers} turnovers of the raw store)`,
  )
  growth(
    'day soak: edge JavaScript heap growth, second half (five-minute floors)',
    d.slope.edge_heap_mb,
    'MB/h',
    0.5,
    `${d.samples.at(-1)!.edge_heap_mb.toFixed(1)} MB at the end`,
  )
  add(
    'day soak: edge peak memory, a dashboard on the live feed and Prometheus scraping all along',
    peak,
    'MB',
    '<= 80',
    peak <= 80,
    `of which its own (heap, stacks) ${peakOwn.toFixed(1)} MB; the rest is Bun's executable and libraries, clean and shared`,
  )
  add(
    'day soak: edge file descriptors growth, second half',
    d.slope.edge_fds,
    'fds/h',
    '<= 1',
    Math.abs(d.slope.edge_fds) <= 1,
    `${Math.min(...d.samples.map((x) => x.edge_fds))}-${Math.max(...d.samples.map((x) => x.edge_fds))} open`,
  )
  add(
    'day soak: edge raw store growth once it turns over (it must stay at its plateau)',
    d.slope.edge_raw_mb,
    'MB/h',
    `<= ${(0.1 * d.raw_plateau_mb).toFixed(3)} (a tenth of the plateau per hour)`,
    Math.abs(d.slope.edge_raw_mb) <= 0.1 * d.raw_plateau_mb,
    `plateau ${d.raw_plateau_mb.toFixed(2)} MB for ${d.retention_raw_h} h of data: ${d.raw_mb_per_h.toFixed(2)} MB per hour kept`,
  )
  // What the defaults come to on a robot: raw retention's hours of raw data, plus the rollups and
  // events kept longer, at the rate this run measured, for the default rollup retention.
  const defaults = loadEdgeConfig({ env: { TONYPI_ROBOT_ID: 'defaults' } })
  const projected = d.raw_mb_per_h * defaults.retentionRawHours + d.slope.edge_kept_mb * 24 * defaults.retentionRollupDays
  add(
    'day soak: the edge database at the default retentions, projected from this run',
    projected,
    'MB',
    `<= ${Math.round(0.8 * defaults.diskQuotaMb)} (four fifths of the default quota)`,
    projected <= 0.8 * defaults.diskQuotaMb,
    `raw ${(d.raw_mb_per_h * defaults.retentionRawHours).toFixed(0)} MB for ${defaults.retentionRawHours} h + kept longer ${d.slope.edge_kept_mb.toFixed(3)} MB/h for ${defaults.retentionRollupDays} days`,
  )
  growth(
    'day soak: hub memory growth, second half (five-minute floors)',
    d.slope.hub_rss_mb,
    'MB/h',
    2,
    `${d.samples.at(-1)!.hub_rss_mb.toFixed(1)} MB at the end`,
  )
  growth(
    'day soak: hub JavaScript heap growth, second half (five-minute floors)',
    d.slope.hub_heap_mb,
    'MB/h',
    0.5,
    `${d.samples.at(-1)!.hub_heap_mb.toFixed(1)} MB at the end`,
  )
  growth("day soak: hub's PostgreSQL growth, second half", d.slope.pg_mb, 'MB/h', 1, `${d.samples.at(-1)!.pg_mb.toFixed(1)} MB at the end`)
}

if (only === 'dashboard') {
  const seconds = quick ? 8 : 20
  log(`the dashboard in Chromium at ${THROTTLE}x CPU throttle (real edge, simulated robot)...`)
  const d = await benchDashboard(seconds, log)
  const s = d.servos
  add(
    `Servos page at ${THROTTLE}x CPU throttle (Chromium, median of ${s.roundsFps.length} rounds of ${seconds} s)`,
    s.fps,
    'fps',
    '>= 50',
    s.fps >= 50,
    `${s.roundsFps.join(', ')} fps vs ${d.baseline.fps} on an empty page = ${(s.fps / d.baseline.fps).toFixed(2)}; ${s.longTasks} long tasks (${s.blockedMs} ms blocked, longest ${s.longestTaskMs} ms); script ${s.scriptMs} ms, layout ${s.layoutMs} ms, style ${s.styleMs} ms; live feed ${(s.liveBytesPerS / 1024).toFixed(1)} KB/s in ${s.liveMessagesPerS} messages/s`,
  )
  for (const p of d.firstLoad) {
    add(
      `first load of ${p.path}, logged in (document, assets, API calls)`,
      p.transferredBytes / 1024,
      'KB',
      '<= 100',
      p.transferredBytes <= 100 * 1024,
      `${p.resources.length + 1} requests`,
    )
  }
}

if (only === 'replicas') {
  log('robots in steady sync that one hub replica sustains, then two on the same services...')
  const r = await benchReplicas(quick ? [50, 100, 150] : [50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 550, 600], quick ? 8 : 15, log)
  const levels = (x: typeof r.one) => x.levels.map((l) => `${l.robots}: p95 ${l.lag_p95_ms} ms${l.sustained ? '' : ' growing'}`).join('; ')
  const cpu = (x: typeof r.one) =>
    x.top_cpu
      ? Object.entries(x.top_cpu)
          .map(([k, v]) => `${k} ${v} %`)
          .join(', ')
      : 'none sustained'
  add(
    'robots syncing at nominal load: two hub replicas vs one, same services',
    r.ratio,
    'ratio',
    'reported',
    true,
    `${r.two.sustained} vs ${r.one.sustained} robots${r.ceiling.two ? '' : ' (two: the highest level tried, a floor)'} (one: ${levels(r.one)}; two: ${levels(r.two)})`,
  )
  add(
    `where the limit is: InfluxDB alone, in robots (CPU in % of one core; ${r.cores} cores, at the highest level sustained)`,
    r.raw_robots,
    'robots',
    'reported',
    true,
    `one replica at ${r.one.sustained}: ${cpu(r.one)}; two at ${r.two.sustained}: ${cpu(r.two)}; InfluxDB alone takes ${Math.round(r.raw_robots)} robots (${r.points_per_robot_s} points/s each) in raw batched writes`,
  )
}

if (asJson) {
  console.log(JSON.stringify({ figures: rows, curves }))
  process.exit(0)
}
const cell = (r: Row) => `${r.value} ${r.unit}`
const w = Math.max(...rows.map((r) => r.name.length))
console.log('\nbenchmark'.padEnd(w + 1) + ' | value | goal | within | detail')
for (const r of rows) console.log(`${r.name.padEnd(w)} | ${cell(r)} | ${r.goal} | ${r.pass ? 'yes' : 'NO'} | ${r.detail}`)
if (quick) console.log('\n(--quick: bench/results.json and the README are not written)')
else {
  const out = writeResults(rows, chosen, new Date(), undefined, curves)
  console.log(`\nwritten: ${out.results} and the README's benchmark table`)
}
