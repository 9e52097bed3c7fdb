// Hub replicas: robots in steady sync that one hub process sustains, and that two sustain on the
// same PostgreSQL, InfluxDB and Mosquitto, on this machine, with each robot's batches going to one
// replica as a load balancer would spread them (bench/sync.ts SimulatedFleet). The two set-ups run
// side by side (three replicas of one hub; each set-up writes its own InfluxDB database) and take
// turns level by level, so whatever else the machine is doing weighs on both alike. The ratio
// says what a second process buys here; the CPU each part used at the highest level sustained
// (and what the rest of the machine used meanwhile), and the robots InfluxDB alone takes in raw
// batched writes of the same points, say where the limit is.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Sample } from '../core/streams.ts'
import { encodeSamples } from '../hub/influx/line-protocol.ts'
import { startDevServices, type DevServices } from '../tools/services/dev-services.ts'
import { registerRobot, spawnHubChild, type Running } from './hub.ts'
import { nominalSeconds } from './nominal-load.ts'
import { cpuMs } from './proc-io.ts'
import { describeLevel, pointsPerRobotSecond, rawWrite, SimulatedFleet, type RobotLevel } from './sync.ts'

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
    } catch {
      /* gone */
    }
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
  u.searchParams.set('u', s.influx_username)
  u.searchParams.set('p', s.influx_password)
  const r = await fetch(u, { method: 'POST', body: new URLSearchParams({ q }) })
  if (r.status !== 200) throw new Error(`${q}: ${r.status} ${await r.text()}`)
}

export interface ReplicaRun {
  replicas: number
  sustained: number
  levels: (RobotLevel & { cpu: Cpu })[]
  top_cpu: Cpu | null
}

/** One set-up: `replicas` hub processes writing their own InfluxDB database, and the robots it syncs. */
async function setUp(s: DevServices, dir: string, replicas: number) {
  const db = `replicas_${replicas}`
  await influxAdmin(s, `CREATE DATABASE "${db}"`)
  const hubs: Running[] = []
  for (let i = 0; i < replicas; i++) hubs.push(await spawnHubChild(s, dir, { TONYPI_HUB_INFLUX_DB: db, TONYPI_HUB_REPLICA_ID: `bench-${replicas}-${i}` }))
  const fleet = new SimulatedFleet({
    bases: hubs.map((h) => h.base),
    register: async (id) => (await registerRobot(hubs[0], id)).token,
    prefix: `r${replicas}bot`,
  })
  const run: ReplicaRun = { replicas, sustained: 0, levels: [], top_cpu: null }
  return { hubs, fleet, run }
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
    const setups = [await setUp(s, dir, 1), await setUp(s, dir, 2)]
    try {
      for (const n of levels) {
        for (const x of setups) {
          if (x.run.levels.length && !x.run.levels.at(-1)!.sustained) continue
          const parts: Record<string, () => number> = {
            ...Object.fromEntries(x.hubs.map((h, i) => [`hub ${i + 1}`, () => cpuMs(h.child.pid)])),
            influxd: () => cpuMs(s.influxdb.pid),
            postgres: () => familyCpuMs(s.postgres.pid),
            mosquitto: () => cpuMs(s.mosquitto.pid),
            'load generator': () => cpuMs('self'),
            machine: machineBusyMs,
          }
          const { result, cpu } = await cpuDuring(parts, () => x.fleet.level(n, secondsPerLevel))
          const ours = Object.entries(cpu)
            .filter(([k]) => k !== 'machine')
            .reduce((a, [, v]) => a + v, 0)
          const { machine, ...rest } = cpu
          const row = { ...result, cpu: { ...rest, 'the rest of the machine': Math.max(0, machine - ours) } }
          x.run.levels.push(row)
          if (row.sustained) {
            x.run.sustained = n
            x.run.top_cpu = row.cpu
          }
          onProgress(`${x.run.replicas} replica${x.run.replicas > 1 ? 's' : ''}, ${describeLevel(row)}`)
          await Bun.sleep(3000)
        }
        if (setups.every((x) => !x.run.levels.at(-1)!.sustained)) break
      }
    } finally {
      for (const h of setups.flatMap((x) => x.hubs)) h.child.kill('SIGTERM')
      await Promise.all(setups.flatMap((x) => x.hubs).map((h) => h.child.exited))
    }
    const [one, two] = setups.map((x) => x.run)
    return {
      one,
      two,
      ratio: one.sustained ? two.sustained / one.sustained : 0,
      raw_robots: rawRobots,
      points_per_robot_s: perRobot,
      ceiling: { one: one.levels.at(-1)?.sustained === false, two: two.levels.at(-1)?.sustained === false },
      cores: navigator.hardwareConcurrency,
    }
  } finally {
    await s.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
