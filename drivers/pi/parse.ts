/**
 * Pure parsers for Linux / Raspberry Pi performance sources. Nothing here
 * touches the filesystem so every function can be tested on fixture text;
 * each returns `undefined` when the input does not contain what it needs, so
 * callers can leave the field out instead of reporting a fake zero.
 */
import type { ThrottledFlags } from './types.ts'

/** Jiffy counters reduced to what a utilisation figure needs. */
export interface CpuTimes {
  idle: number
  total: number
}

export interface CpuStat {
  total: CpuTimes
  /** Sorted by id. Offline cores are missing from /proc/stat, hence explicit ids. */
  cores: Array<{ id: number } & CpuTimes>
}

export interface CpuUsage {
  total?: number
  perCore?: number[]
}

export interface LoadAvg {
  load1: number
  load5: number
  load15: number
}

export interface MemInfo {
  totalBytes: number
  availableBytes?: number
  usedBytes?: number
  percent?: number
}

export interface NetCounters {
  rxBytes: number
  txBytes: number
}

export interface NetDev extends NetCounters {
  interfaces: Record<string, NetCounters>
}

export interface NetRates {
  rxBps: number
  txBps: number
}

function finiteNumber(s: string | undefined): number | undefined {
  if (s === undefined || s.trim() === '') return undefined
  const n = Number(s)
  return Number.isFinite(n) ? n : undefined
}

function cpuTimesFromFields(fields: string[]): CpuTimes | undefined {
  // user nice system idle iowait irq softirq steal [guest guest_nice].
  // guest/guest_nice are already included in user/nice, so summing them
  // would double count; old kernels may stop before steal.
  const nums = fields.slice(0, 8).map((f) => finiteNumber(f))
  if (nums.length < 4 || nums.some((n) => n === undefined)) return undefined
  const v = nums as number[]
  // iowait counts as idle: the CPU was free to run something else.
  const idle = v[3] + (v[4] ?? 0)
  const total = v.reduce((a, b) => a + b, 0)
  return { idle, total }
}

export function parseProcStat(text: string): CpuStat | undefined {
  let total: CpuTimes | undefined
  const cores: CpuStat['cores'] = []
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue
    const [label, ...fields] = line.trim().split(/\s+/)
    const times = cpuTimesFromFields(fields)
    if (!times) continue
    if (label === 'cpu') {
      total = times
    } else {
      const m = /^cpu(\d+)$/.exec(label)
      if (m) cores.push({ id: Number(m[1]), ...times })
    }
  }
  if (!total) return undefined
  cores.sort((a, b) => a.id - b.id)
  return { total, cores }
}

/** Busy share of the jiffies that elapsed between two snapshots, 0..100. */
export function cpuPercentBetween(prev: CpuTimes, cur: CpuTimes): number | undefined {
  const dTotal = cur.total - prev.total
  // No elapsed jiffies (reads within one tick) or a counter reset: no honest answer.
  if (!(dTotal > 0)) return undefined
  const dIdle = cur.idle - prev.idle
  const pct = ((dTotal - dIdle) / dTotal) * 100
  // iowait is known to run backwards on tickless kernels, which can push the
  // ratio slightly outside its range.
  return Math.min(100, Math.max(0, pct))
}

export function cpuUsage(prev: CpuStat, cur: CpuStat): CpuUsage {
  const out: CpuUsage = {}
  const total = cpuPercentBetween(prev.total, cur.total)
  if (total !== undefined) out.total = total
  // A core going on/offline between snapshots would pair unrelated counters,
  // so per-core figures are only produced when the same cores are present.
  const sameCores = prev.cores.length === cur.cores.length && prev.cores.every((c, i) => c.id === cur.cores[i].id)
  if (sameCores && cur.cores.length > 0) {
    const perCore: number[] = []
    for (let i = 0; i < cur.cores.length; i++) {
      const p = cpuPercentBetween(prev.cores[i], cur.cores[i])
      if (p === undefined) return out
      perCore.push(p)
    }
    out.perCore = perCore
  }
  return out
}

export function parseLoadAvg(text: string): LoadAvg | undefined {
  const [a, b, c] = text.trim().split(/\s+/)
  const load1 = finiteNumber(a)
  const load5 = finiteNumber(b)
  const load15 = finiteNumber(c)
  if (load1 === undefined || load5 === undefined || load15 === undefined) return undefined
  return { load1, load5, load15 }
}

export function parseMeminfo(text: string): MemInfo | undefined {
  const kb = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^([^:\s]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line)
    if (m) kb.set(m[1], Number(m[2]))
  }
  const total = kb.get('MemTotal')
  if (total === undefined || total <= 0) return undefined
  const info: MemInfo = { totalBytes: total * 1024 }
  // MemFree would count reclaimable page cache as used and make a healthy Pi
  // look full; without MemAvailable (pre-3.14 kernels) "used" is left out.
  const available = kb.get('MemAvailable')
  if (available !== undefined) {
    info.availableBytes = available * 1024
    info.usedBytes = Math.max(0, info.totalBytes - info.availableBytes)
    info.percent = (info.usedBytes / info.totalBytes) * 100
  }
  return info
}

export function parseNetDev(text: string): NetDev | undefined {
  const interfaces: Record<string, NetCounters> = {}
  let sawTable = false
  for (const line of text.split('\n')) {
    // Old kernels glue large counters to the colon ("eth0:123"), so split on
    // the colon rather than on whitespace.
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const name = line.slice(0, colon).trim()
    // Header lines contain "|" and no colon-separated interface name.
    if (name === '' || name.includes('|') || name.includes(' ')) continue
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
    if (fields.length < 9) continue
    const rx = finiteNumber(fields[0])
    const tx = finiteNumber(fields[8])
    if (rx === undefined || tx === undefined) continue
    sawTable = true
    // Loopback traffic never leaves the robot; counting it would inflate bandwidth.
    if (name === 'lo') continue
    interfaces[name] = { rxBytes: rx, txBytes: tx }
  }
  if (!sawTable) return undefined
  let rxBytes = 0
  let txBytes = 0
  for (const c of Object.values(interfaces)) {
    rxBytes += c.rxBytes
    txBytes += c.txBytes
  }
  return { rxBytes, txBytes, interfaces }
}

/**
 * Bytes per second between two /proc/net/dev snapshots. Computed per
 * interface so that an interface vanishing (wlan0 dropping) or a counter
 * resetting does not show up as a huge negative or positive spike in the sum.
 */
export function netRates(prev: NetDev, cur: NetDev, dtSeconds: number): NetRates | undefined {
  if (!(dtSeconds > 0)) return undefined
  let rx = 0
  let tx = 0
  for (const [name, c] of Object.entries(cur.interfaces)) {
    const p = prev.interfaces[name]
    if (!p) continue
    const dRx = c.rxBytes - p.rxBytes
    const dTx = c.txBytes - p.txBytes
    if (dRx >= 0) rx += dRx
    if (dTx >= 0) tx += dTx
  }
  return { rxBps: rx / dtSeconds, txBps: tx / dtSeconds }
}

export function parseUptime(text: string): number | undefined {
  const up = finiteNumber(text.trim().split(/\s+/)[0])
  return up !== undefined && up >= 0 ? up : undefined
}

/** sysfs thermal zones report integer millidegrees Celsius. */
export function parseMillidegrees(text: string): number | undefined {
  const t = text.trim()
  if (!/^-?\d+$/.test(t)) return undefined
  return Number(t) / 1000
}

const THROTTLE_BITS = {
  under_voltage_now: 0,
  freq_capped_now: 1,
  throttled_now: 2,
  soft_temp_limit_now: 3,
  under_voltage_occurred: 16,
  freq_capped_occurred: 17,
  throttled_occurred: 18,
  soft_temp_limit_occurred: 19,
} as const

export function decodeThrottled(raw: number): ThrottledFlags {
  const bit = (n: number) => (raw & (1 << n)) !== 0
  return {
    raw,
    under_voltage_now: bit(THROTTLE_BITS.under_voltage_now),
    freq_capped_now: bit(THROTTLE_BITS.freq_capped_now),
    throttled_now: bit(THROTTLE_BITS.throttled_now),
    soft_temp_limit_now: bit(THROTTLE_BITS.soft_temp_limit_now),
    under_voltage_occurred: bit(THROTTLE_BITS.under_voltage_occurred),
    freq_capped_occurred: bit(THROTTLE_BITS.freq_capped_occurred),
    throttled_occurred: bit(THROTTLE_BITS.throttled_occurred),
    soft_temp_limit_occurred: bit(THROTTLE_BITS.soft_temp_limit_occurred),
  }
}

/** Output of `vcgencmd get_throttled`, e.g. `throttled=0x50005`. */
export function parseThrottled(text: string): ThrottledFlags | undefined {
  const m = /throttled=(0x[0-9a-f]+|\d+)\b/i.exec(text)
  if (!m) return undefined
  const raw = m[1].toLowerCase().startsWith('0x') ? parseInt(m[1].slice(2), 16) : parseInt(m[1], 10)
  return Number.isFinite(raw) ? decodeThrottled(raw) : undefined
}
