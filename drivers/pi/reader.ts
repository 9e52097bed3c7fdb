/**
 * Reads a PerformanceSample from procfs/sysfs, the data directory's
 * filesystem and (on a Raspberry Pi) `vcgencmd`. Reads are synchronous: the
 * sources are tiny kernel-generated files, so async would only add overhead.
 */
import { readdirSync, readFileSync, statfsSync } from 'node:fs'
import { join } from 'node:path'
import { cpuUsage, netRates, parseLoadAvg, parseMeminfo, parseMillidegrees, parseNetDev, parseProcStat, parseThrottled, parseUptime } from './parse.ts'
import type { CpuStat, NetDev } from './parse.ts'
import type { PerformanceSample, ThrottledFlags } from './types.ts'

export interface PiPerformanceReaderOptions {
  /** Directory whose filesystem is reported as "disk" (where the service stores data). */
  dataDir: string
  procRoot?: string
  sysRoot?: string
  /** Path to vcgencmd, or null to never run it. Omitted: looked up on PATH once. */
  vcgencmd?: string | null
  /** Kill vcgencmd after this long; a wedged firmware mailbox must not stall sampling. */
  vcgencmdTimeoutMs?: number
}

/** Forking vcgencmd is far costlier than reading /proc, and the flags change slowly. */
export const VCGENCMD_INTERVAL_MS = 5000
const DEFAULT_VCGENCMD_TIMEOUT_MS = 1000

/** Zone types that are known to be the SoC/CPU sensor (Pi 4/5 use "cpu-thermal"). */
const CPU_ZONE_TYPE = /^(cpu[-_]?thermal|cpu\d*[-_]thermal|x86_pkg_temp|soc[-_]thermal)$/

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

export class PiPerformanceReader {
  private readonly dataDir: string
  private readonly procRoot: string
  private readonly sysRoot: string
  private readonly vcgencmd: string | null
  private readonly vcgencmdTimeoutMs: number

  private prevCpu: CpuStat | undefined
  private prevNet: { dev: NetDev; ms: number } | undefined
  private thermalZone: string | undefined
  private throttledAtMs: number | undefined
  private throttled: ThrottledFlags | undefined

  constructor(opts: PiPerformanceReaderOptions) {
    this.dataDir = opts.dataDir
    this.procRoot = opts.procRoot ?? '/proc'
    this.sysRoot = opts.sysRoot ?? '/sys'
    // Bun.which otherwise uses the PATH captured at process start and would
    // ignore a PATH adjusted by the service before constructing the reader.
    this.vcgencmd =
      opts.vcgencmd !== undefined ? opts.vcgencmd : process.env.PATH !== undefined ? Bun.which('vcgencmd', { PATH: process.env.PATH }) : Bun.which('vcgencmd')
    this.vcgencmdTimeoutMs = opts.vcgencmdTimeoutMs ?? DEFAULT_VCGENCMD_TIMEOUT_MS
  }

  read(nowMs: number): PerformanceSample {
    const sample: PerformanceSample = { ts: nowMs }
    this.readCpu(sample)
    this.readLoad(sample)
    this.readMemory(sample)
    this.readDisk(sample)
    this.readTemperature(sample)
    this.readNetwork(sample, nowMs)
    this.readUptime(sample)
    const throttled = this.readThrottled(nowMs)
    if (throttled) sample.throttled = throttled
    return sample
  }

  private readCpu(sample: PerformanceSample): void {
    const text = readText(join(this.procRoot, 'stat'))
    const cur = text === undefined ? undefined : parseProcStat(text)
    const prev = this.prevCpu
    // Keep the last good snapshot on a failed read so the next success still has a baseline.
    if (cur) this.prevCpu = cur
    if (!cur || !prev) return
    const usage = cpuUsage(prev, cur)
    if (usage.total !== undefined) sample.cpu_percent = usage.total
    if (usage.perCore) sample.cpu_per_core = usage.perCore
  }

  private readLoad(sample: PerformanceSample): void {
    const text = readText(join(this.procRoot, 'loadavg'))
    const load = text === undefined ? undefined : parseLoadAvg(text)
    if (!load) return
    sample.load_1 = load.load1
    sample.load_5 = load.load5
    sample.load_15 = load.load15
  }

  private readMemory(sample: PerformanceSample): void {
    const text = readText(join(this.procRoot, 'meminfo'))
    const mem = text === undefined ? undefined : parseMeminfo(text)
    if (!mem) return
    sample.mem_total_bytes = mem.totalBytes
    if (mem.usedBytes !== undefined) sample.mem_used_bytes = mem.usedBytes
    if (mem.percent !== undefined) sample.mem_percent = mem.percent
  }

  private readDisk(sample: PerformanceSample): void {
    let st: ReturnType<typeof statfsSync>
    try {
      st = statfsSync(this.dataDir)
    } catch {
      return
    }
    const bsize = Number(st.bsize)
    const blocks = Number(st.blocks)
    if (!(bsize > 0) || !(blocks > 0)) return
    const used = (blocks - Number(st.bfree)) * bsize
    // bavail, not bfree: root-reserved blocks are not usable by the service.
    const free = Number(st.bavail) * bsize
    sample.disk_total_bytes = blocks * bsize
    sample.disk_used_bytes = used
    sample.disk_free_bytes = free
    // Same formula as df, so the number matches what an operator sees over ssh.
    if (used + free > 0) sample.disk_percent = (used / (used + free)) * 100
  }

  private resolveThermalZone(): string | undefined {
    const base = join(this.sysRoot, 'class', 'thermal')
    let zones: string[]
    try {
      zones = readdirSync(base).filter((n) => /^thermal_zone\d+$/.test(n))
    } catch {
      return undefined
    }
    zones.sort((a, b) => Number(a.slice(12)) - Number(b.slice(12)))
    for (const z of zones) {
      const type = readText(join(base, z, 'type'))?.trim()
      if (type !== undefined && CPU_ZONE_TYPE.test(type)) return join(base, z)
    }
    // A lone zone on an unknown board is almost certainly the SoC; with several
    // unidentified zones, picking one could report a battery or chassis sensor.
    return zones.length === 1 ? join(base, zones[0]) : undefined
  }

  private readTemperature(sample: PerformanceSample): void {
    this.thermalZone ??= this.resolveThermalZone()
    if (!this.thermalZone) return
    const text = readText(join(this.thermalZone, 'temp'))
    const c = text === undefined ? undefined : parseMillidegrees(text)
    if (c === undefined) {
      // The zone may have been unbound; look again next time.
      this.thermalZone = undefined
      return
    }
    sample.cpu_temp_c = c
  }

  private readNetwork(sample: PerformanceSample, nowMs: number): void {
    const text = readText(join(this.procRoot, 'net', 'dev'))
    const cur = text === undefined ? undefined : parseNetDev(text)
    if (!cur) return
    sample.net_rx_bytes = cur.rxBytes
    sample.net_tx_bytes = cur.txBytes
    const prev = this.prevNet
    this.prevNet = { dev: cur, ms: nowMs }
    if (!prev) return
    const rates = netRates(prev.dev, cur, (nowMs - prev.ms) / 1000)
    if (!rates) return
    sample.net_rx_bps = rates.rxBps
    sample.net_tx_bps = rates.txBps
  }

  private readUptime(sample: PerformanceSample): void {
    const text = readText(join(this.procRoot, 'uptime'))
    const up = text === undefined ? undefined : parseUptime(text)
    if (up !== undefined) sample.uptime_s = up
  }

  private readThrottled(nowMs: number): ThrottledFlags | undefined {
    if (!this.vcgencmd) return undefined
    const last = this.throttledAtMs
    // nowMs < last covers a wall-clock step backwards, which would otherwise freeze the cache.
    if (last !== undefined && nowMs >= last && nowMs - last < VCGENCMD_INTERVAL_MS) {
      return this.throttled
    }
    this.throttledAtMs = nowMs
    // A failed run is cached too, so a broken vcgencmd (e.g. no /dev/vcio
    // permission) costs one fork per interval rather than one per read.
    this.throttled = this.runVcgencmd()
    return this.throttled
  }

  private runVcgencmd(): ThrottledFlags | undefined {
    try {
      const res = Bun.spawnSync([this.vcgencmd as string, 'get_throttled'], {
        stdin: 'ignore',
        stdout: 'pipe',
        stderr: 'ignore',
        timeout: this.vcgencmdTimeoutMs,
        killSignal: 'SIGKILL',
      })
      if (!res.success || !res.stdout) return undefined
      return parseThrottled(res.stdout.toString())
    } catch {
      return undefined
    }
  }
}
