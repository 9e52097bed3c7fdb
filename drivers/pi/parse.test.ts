import { describe, expect, test } from 'bun:test'
import {
  cpuPercentBetween,
  cpuUsage,
  decodeThrottled,
  netRates,
  parseLoadAvg,
  parseMeminfo,
  parseMillidegrees,
  parseNetDev,
  parseProcStat,
  parseThrottled,
  parseUptime,
} from './parse.ts'
import { PI_LOADAVG, PI_MEMINFO, PI_NET_DEV_A, PI_NET_DEV_B, PI_STAT_A, PI_STAT_B, PI_THERMAL_MILLIDEG, PI_THROTTLED, PI_UPTIME } from './fixtures.ts'

describe('parseProcStat', () => {
  test('reads aggregate and four Pi cores, counting iowait as idle', () => {
    const s = parseProcStat(PI_STAT_A)!
    expect(s.total).toEqual({ idle: 9100000 + 5000, total: 220000 + 1200 + 60000 + 9100000 + 5000 + 3000 })
    expect(s.cores.map((c) => c.id)).toEqual([0, 1, 2, 3])
    expect(s.cores[0]).toEqual({ id: 0, idle: 2271200, total: 60000 + 300 + 16000 + 2270000 + 1200 + 900 })
  })

  test('does not double count guest time already included in user', () => {
    const s = parseProcStat('cpu  100 0 0 100 0 0 0 0 50 7\n')!
    expect(s.total).toEqual({ idle: 100, total: 200 })
  })

  test('accepts short rows from old kernels', () => {
    expect(parseProcStat('cpu 10 0 10 80\n')!.total).toEqual({ idle: 80, total: 100 })
  })

  test('orders cores by id and tolerates gaps from offline cores', () => {
    const s = parseProcStat('cpu 4 0 0 4\ncpu2 1 0 0 1\ncpu0 3 0 0 3\n')!
    expect(s.cores.map((c) => c.id)).toEqual([0, 2])
  })

  test('undefined without an aggregate cpu line', () => {
    expect(parseProcStat('')).toBeUndefined()
    expect(parseProcStat('intr 1 2 3\n')).toBeUndefined()
    expect(parseProcStat('cpu  a b c d\n')).toBeUndefined()
  })
})

describe('cpu usage', () => {
  test('computes total and per-core percentages between Pi snapshots', () => {
    const u = cpuUsage(parseProcStat(PI_STAT_A)!, parseProcStat(PI_STAT_B)!)
    expect(u.total).toBeCloseTo(46.25, 10)
    expect(u.perCore).toHaveLength(4)
    const [c0, c1, c2, c3] = u.perCore!
    expect(c0).toBeCloseTo(75, 10)
    expect(c1).toBeCloseTo(0, 10)
    expect(c2).toBeCloseTo(100, 10)
    expect(c3).toBeCloseTo(10, 10)
  })

  test('no answer when no jiffies elapsed or counters went backwards', () => {
    const a = parseProcStat(PI_STAT_A)!
    expect(cpuPercentBetween(a.total, a.total)).toBeUndefined()
    expect(cpuUsage(a, a)).toEqual({})
    expect(cpuPercentBetween({ idle: 10, total: 100 }, { idle: 5, total: 50 })).toBeUndefined()
  })

  test('clamps to 0..100 when iowait runs backwards', () => {
    expect(cpuPercentBetween({ idle: 100, total: 100 }, { idle: 220, total: 200 })).toBe(0)
    expect(cpuPercentBetween({ idle: 100, total: 100 }, { idle: 90, total: 200 })).toBe(100)
  })

  test('omits per-core figures when the set of cores changed', () => {
    const prev = parseProcStat('cpu 0 0 0 0\ncpu0 0 0 0 0\ncpu1 0 0 0 0\n')!
    const cur = parseProcStat('cpu 50 0 0 50\ncpu0 50 0 0 50\n')!
    const u = cpuUsage(prev, cur)
    expect(u.total).toBe(50)
    expect('perCore' in u).toBe(false)
  })
})

describe('parseLoadAvg', () => {
  test('reads the three averages', () => {
    expect(parseLoadAvg(PI_LOADAVG)).toEqual({ load1: 0.52, load5: 0.38, load15: 0.31 })
  })
  test('undefined on garbage', () => {
    expect(parseLoadAvg('')).toBeUndefined()
    expect(parseLoadAvg('0.1 0.2')).toBeUndefined()
    expect(parseLoadAvg('x y z')).toBeUndefined()
  })
})

describe('parseMeminfo', () => {
  test('used = total - available, in bytes', () => {
    const m = parseMeminfo(PI_MEMINFO)!
    expect(m.totalBytes).toBe(3885396 * 1024)
    expect(m.availableBytes).toBe(2912340 * 1024)
    expect(m.usedBytes).toBe((3885396 - 2912340) * 1024)
    expect(m.percent).toBeCloseTo(((3885396 - 2912340) / 3885396) * 100, 10)
  })
  test('without MemAvailable, used is absent rather than guessed from MemFree', () => {
    const m = parseMeminfo('MemTotal: 1000 kB\nMemFree: 200 kB\n')!
    expect(m).toEqual({ totalBytes: 1024000 })
  })
  test('undefined without MemTotal', () => {
    expect(parseMeminfo('MemFree: 200 kB\n')).toBeUndefined()
    expect(parseMeminfo('')).toBeUndefined()
  })
})

describe('parseNetDev', () => {
  test('sums every interface except lo', () => {
    const n = parseNetDev(PI_NET_DEV_A)!
    expect(n.rxBytes).toBe(1500000)
    expect(n.txBytes).toBe(300000)
    expect(Object.keys(n.interfaces).sort()).toEqual(['eth0', 'wlan0'])
  })
  test('handles counters glued to the colon', () => {
    const n = parseNetDev('eth0:123 1 0 0 0 0 0 0 456 2 0 0 0 0 0 0\n')!
    expect(n).toEqual({ rxBytes: 123, txBytes: 456, interfaces: { eth0: { rxBytes: 123, txBytes: 456 } } })
  })
  test('a loopback-only table is a real zero, garbage is undefined', () => {
    const loOnly = PI_NET_DEV_A.split('\n')
      .filter((l) => !/eth0|wlan0/.test(l))
      .join('\n')
    expect(parseNetDev(loOnly)).toEqual({ rxBytes: 0, txBytes: 0, interfaces: {} })
    expect(parseNetDev('')).toBeUndefined()
    expect(parseNetDev('hello: world\n')).toBeUndefined()
  })
  test('rates per second, ignoring vanished interfaces and counter resets', () => {
    const r = netRates(parseNetDev(PI_NET_DEV_A)!, parseNetDev(PI_NET_DEV_B)!, 2)!
    expect(r).toEqual({ rxBps: 3000, txBps: 2000 })
    const reset = netRates(
      { rxBytes: 0, txBytes: 0, interfaces: { eth0: { rxBytes: 1000, txBytes: 1000 }, wlan0: { rxBytes: 5, txBytes: 5 } } },
      { rxBytes: 0, txBytes: 0, interfaces: { eth0: { rxBytes: 10, txBytes: 1100 }, usb0: { rxBytes: 9999, txBytes: 9999 } } },
      1,
    )!
    expect(reset).toEqual({ rxBps: 0, txBps: 100 })
    expect(netRates(parseNetDev(PI_NET_DEV_A)!, parseNetDev(PI_NET_DEV_B)!, 0)).toBeUndefined()
  })
})

describe('small files', () => {
  test('uptime', () => {
    expect(parseUptime(PI_UPTIME)).toBe(12345.67)
    expect(parseUptime('')).toBeUndefined()
  })
  test('thermal millidegrees', () => {
    expect(parseMillidegrees(PI_THERMAL_MILLIDEG)).toBeCloseTo(48.686, 10)
    expect(parseMillidegrees('-5000\n')).toBe(-5)
    expect(parseMillidegrees('')).toBeUndefined()
    expect(parseMillidegrees('48.6')).toBeUndefined()
  })
})

describe('throttled', () => {
  test('decodes throttled=0x50005 (under-voltage and throttling, now and latched)', () => {
    expect(parseThrottled(PI_THROTTLED)).toEqual({
      raw: 0x50005,
      under_voltage_now: true,
      freq_capped_now: false,
      throttled_now: true,
      soft_temp_limit_now: false,
      under_voltage_occurred: true,
      freq_capped_occurred: false,
      throttled_occurred: true,
      soft_temp_limit_occurred: false,
    })
  })
  test('each bit maps to its own flag', () => {
    const all = decodeThrottled(0xf000f)
    expect(Object.values(all).filter((v) => v === true)).toHaveLength(8)
    expect(decodeThrottled(1 << 1).freq_capped_now).toBe(true)
    expect(decodeThrottled(1 << 3).soft_temp_limit_now).toBe(true)
    expect(decodeThrottled(1 << 17).freq_capped_occurred).toBe(true)
    expect(decodeThrottled(1 << 19).soft_temp_limit_occurred).toBe(true)
    expect(decodeThrottled(1 << 19).soft_temp_limit_now).toBe(false)
  })
  test('healthy Pi and error output', () => {
    const ok = parseThrottled('throttled=0x0\n')!
    expect(ok.raw).toBe(0)
    expect(Object.entries(ok).filter(([k, v]) => k !== 'raw' && v)).toEqual([])
    expect(parseThrottled('VCHI initialization failed\n')).toBeUndefined()
    expect(parseThrottled('')).toBeUndefined()
  })
})
