// Hub replicas: robots in steady sync that one hub process sustains, and that two sustain on the
// same PostgreSQL, InfluxDB and Mosquitto, on this machine, with each robot's batches going to one
// replica as a load balancer would spread them (bench/sync.ts syncRobotLevels). The ratio says
// what a second process buys here; the CPU each process used at the highest level sustained, and
// the robots InfluxDB alone takes in raw batched writes of the same points, say where the limit is.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Sample } from '../core/streams.ts'
import { encodeSamples } from '../hub/influx/line-protocol.ts'
import { startDevServices, type DevServices } from '../hub/services/dev-services.ts'
import { registerRobot, spawnHubChild, type Running } from './hub.ts'
import { nominalSeconds } from './nominal-load.ts'
import { cpuMs } from './proc-io.ts'
import { pointsPerRobotSecond, rawWrite, syncRobotLevels, type RobotLevel } from './sync.ts'

/** CPU time of a process and its children (PostgreSQL's backends and helpers), in ms. */
function familyCpuMs(pid: number): number {
  let ms = 0
  for (const name of readdirSync('/proc')) {
    const p = Number(name)
    if (!Number.isInteger(p)) continue
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (p === pid || ppid === pid) ms += cpuMs(p)
    } catch { /* gone */ }
  }
  return ms
}

/** Busy time of the whole machine, in ms of one core. */
function machineBusyMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  return (f.reduce((x, y) => x + y, 0) - f[3] - (f[4] ?? 0)) * 10
}

type Cpu = Record<string, number>

/** Percent of one core each part used while `run` ran. */
async function cpuDuring<T>(parts: Record<string, () => number>, run: () => Promise<T>): Promise<{ result: T; cpu: Cpu }> {
  const before = Object.fromEntries(Object.entries(parts).map(([k, f]) => [k, f()]))
  const t = performance.now()
  const result = await run()
  const wall = performance.now() - t
  const cpu = Object.fromEntries(Object.entries(parts).map(([k, f]) => [k, Math.round(((f() - before[k]) / wall) * 100)]))
  return { result, cpu }
}

async function influxAdmin(s: DevServices, q: string) {
  const u = new URL(`${s.influx_url}/query`)
  u.searchParams.set('u', s.influx_username); u.searchParams.set('p', s.influx_password)
  const r = await fetch(u, { method: 'POST', body: new URLSearchParams({ q }) })
  if (r.status !== 200) throw new Error(`${q}: ${r.status} ${await r.text()}`)
}

export interface ReplicaRun { replicas: number; sustained: number; levels: (RobotLevel & { cpu: Cpu })[]; top_cpu: Cpu | null }

async function run(s: DevServices, dir: string, replicas: number, levels: number[], secondsPerLevel: number, onProgress: (s: string) => void): Promise<ReplicaRun> {
  // A database of its own, so the second run does not write into an index the first one grew.
  const db = `replicas_${replicas}`
  await influxAdmin(s, `CREATE DATABASE "${db}"`)
  const hubs: Running[] = []
  try {
    for (let i = 0; i < replicas; i++) {
      hubs.push(await spawnHubChild(s, dir, { TONYPI_HUB_INFLUX_DB: db, TONYPI_HUB_REPLICA_ID: `bench-${replicas}-${i}` }))
    }
    const parts: Record<string, () => number> = {
      ...Object.fromEntries(hubs.map((h, i) => [`hub ${i + 1}`, () => cpuMs(h.child.pid)])),
      influxd: () => cpuMs(s.influxdb.pid), postgres: () => familyCpuMs(s.postgres.pid), mosquitto: () => cpuMs(s.mosquitto.pid),
      'load generator': () => cpuMs('self'), [`machine (${navigator.hardwareConcurrency} cores)`]: machineBusyMs,
    }
    const measured: (RobotLevel & { cpu: Cpu })[] = []
    onProgress(`${replicas} replica${replicas > 1 ? 's' : ''}:`)
    await syncRobotLevels({
      bases: hubs.map((h) => h.base), register: async (id) => (await registerRobot(hubs[0], id)).token, levels, secondsPerLevel, prefix: `r${replicas}bot`,
      around: async (_n, level) => {
        const { result, cpu } = await cpuDuring(parts, level)
        measured.push({ ...result, cpu })
        return result
      },
      onProgress: (line) => onProgress(`  ${line}`),
    })
    const top = measured.filter((l) => l.sustained).at(-1)
    return { replicas, sustained: top?.robots ?? 0, levels: measured, top_cpu: top?.cpu ?? null }
  } finally {
    for (const h of hubs) h.child.kill('SIGTERM')
    await Promise.all(hubs.map((h) => h.child.exited))
  }
}

export async function benchReplicas(levels: number[], secondsPerLevel: number, onProgress: (s: string) => void = () => {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-replicas-'))
  chmodSync(dir, 0o711)
  const s = await startDevServices(dir)
  try {
    // InfluxDB alone: the same points as raw batched line protocol, 5,000 lines a request.
    const seconds = 30
    const samples: Sample[] = []
    for (const tick of nominalSeconds(Date.now() - 3_600_000, seconds)) samples.push(...tick)
    const lines = encodeSamples('rawreplicas', samples).lines
    const rawS = await rawWrite({ services: s }, lines)
    const perRobot = pointsPerRobotSecond()
    const rawRobots = lines.length / rawS / perRobot
    onProgress(`InfluxDB alone: ${Math.round(lines.length / rawS).toLocaleString()} points/s = ${Math.round(rawRobots)} robots at ${perRobot} points/s each`)
    const one = await run(s, dir, 1, levels, secondsPerLevel, onProgress)
    const two = await run(s, dir, 2, levels, secondsPerLevel, onProgress)
    return {
      one, two, ratio: one.sustained ? two.sustained / one.sustained : 0, raw_robots: rawRobots, points_per_robot_s: perRobot,
      ceiling: { one: one.levels.at(-1)?.sustained === false, two: two.levels.at(-1)?.sustained === false },
    }
  } finally {
    await s.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
