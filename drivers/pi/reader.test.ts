import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { PiPerformanceReader, VCGENCMD_INTERVAL_MS } from './reader.ts'
import { PI_LOADAVG, PI_MEMINFO, PI_NET_DEV_A, PI_NET_DEV_B, PI_STAT_A, PI_STAT_B, PI_THERMAL_MILLIDEG, PI_UPTIME } from './fixtures.ts'

let root: string
let procRoot: string
let sysRoot: string
let dataDir: string

function put(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
}

function putProc(name: string, text: string): void {
  put(join(procRoot, name), text)
}

function putZone(n: number, type: string, millideg: string): void {
  put(join(sysRoot, 'class', 'thermal', `thermal_zone${n}`, 'type'), `${type}\n`)
  put(join(sysRoot, 'class', 'thermal', `thermal_zone${n}`, 'temp'), millideg)
}

/** A fake vcgencmd that records each invocation, so caching is observable. */
function fakeVcgencmd(body: string): { path: string; calls: () => number } {
  const path = join(root, 'bin', 'vcgencmd')
  const log = join(root, 'vcgencmd.calls')
  writeFileSync(log, '')
  put(path, `#!/bin/sh\necho "$@" >> '${log}'\n${body}\n`)
  chmodSync(path, 0o755)
  return { path, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length }
}

function writePiProc(): void {
  putProc('stat', PI_STAT_A)
  putProc('loadavg', PI_LOADAVG)
  putProc('meminfo', PI_MEMINFO)
  putProc('net/dev', PI_NET_DEV_A)
  putProc('uptime', PI_UPTIME)
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'perf-reader-'))
  procRoot = join(root, 'proc')
  sysRoot = join(root, 'sys')
  dataDir = join(root, 'data')
  mkdirSync(procRoot, { recursive: true })
  mkdirSync(sysRoot, { recursive: true })
  mkdirSync(dataDir, { recursive: true })
})

afterEach(() => {
  rmSync(root, { recursive: true, force: true })
})

describe('PiPerformanceReader on a fake Pi', () => {
  test('first read has no CPU % or rates; second read computes them from deltas', () => {
    writePiProc()
    putZone(0, 'cpu-thermal', PI_THERMAL_MILLIDEG)
    const reader = new PiPerformanceReader({ dataDir, procRoot, sysRoot, vcgencmd: null })

    const first = reader.read(1_000_000)
    expect(first.ts).toBe(1_000_000)
    expect('cpu_percent' in first).toBe(false)
    expect('cpu_per_core' in first).toBe(false)
    expect('net_rx_bps' in first).toBe(false)
    expect('net_tx_bps' in first).toBe(false)
    expect(first.load_1).toBe(0.52)
    expect(first.load_5).toBe(0.38)
    expect(first.load_15).toBe(0.31)
    expect(first.mem_total_bytes).toBe(3885396 * 1024)
    expect(first.mem_used_bytes).toBe((3885396 - 2912340) * 1024)
    expect(first.mem_percent).toBeCloseTo(25.0435, 3)
    expect(first.cpu_temp_c).toBeCloseTo(48.686, 10)
    expect(first.net_rx_bytes).toBe(1_500_000)
    expect(first.net_tx_bytes).toBe(300_000)
    expect(first.uptime_s).toBe(12345.67)

    putProc('stat', PI_STAT_B)
    putProc('net/dev', PI_NET_DEV_B)
    const second = reader.read(1_002_000)
    expect(second.cpu_percent).toBeCloseTo(46.25, 10)
    expect(second.cpu_per_core).toHaveLength(4)
    expect(second.cpu_per_core![0]).toBeCloseTo(75, 10)
    expect(second.cpu_per_core![1]).toBeCloseTo(0, 10)
    expect(second.cpu_per_core![2]).toBeCloseTo(100, 10)
    expect(second.cpu_per_core![3]).toBeCloseTo(10, 10)
    expect(second.net_rx_bytes).toBe(1_506_000)
    expect(second.net_tx_bytes).toBe(304_000)
    expect(second.net_rx_bps).toBe(3000)
    expect(second.net_tx_bps).toBe(2000)
    expect('throttled' in second).toBe(false)
  })

  test('disk figures come from the data directory filesystem', () => {
    const s = new PiPerformanceReader({ dataDir, procRoot, sysRoot, vcgencmd: null }).read(0)
    expect(s.disk_total_bytes!).toBeGreaterThan(0)
    expect(s.disk_used_bytes!).toBeGreaterThanOrEqual(0)
    expect(s.disk_free_bytes!).toBeGreaterThanOrEqual(0)
    expect(s.disk_used_bytes! + s.disk_free_bytes!).toBeLessThanOrEqual(s.disk_total_bytes!)
    expect(s.disk_percent!).toBeGreaterThanOrEqual(0)
    expect(s.disk_percent!).toBeLessThanOrEqual(100)
  })

  test('a failed /proc/stat read keeps the earlier baseline', () => {
    putProc('stat', PI_STAT_A)
    const reader = new PiPerformanceReader({ dataDir, procRoot, sysRoot, vcgencmd: null })
    reader.read(0)
    putProc('stat', 'garbage\n')
    expect('cpu_percent' in reader.read(1000)).toBe(false)
    putProc('stat', PI_STAT_B)
    expect(reader.read(2000).cpu_percent).toBeCloseTo(46.25, 10)
  })
})

describe('absent fields', () => {
  test('nothing available: only ts, no zero-filled keys', () => {
    const reader = new PiPerformanceReader({
      dataDir: join(root, 'does-not-exist'),
      procRoot,
      sysRoot,
      vcgencmd: null,
    })
    expect(Object.keys(reader.read(5))).toEqual(['ts'])
    expect(Object.keys(reader.read(10))).toEqual(['ts'])
  })

  test('no thermal zone and vcgencmd disabled: no cpu_temp_c and no throttled key', () => {
    writePiProc()
    const s = new PiPerformanceReader({ dataDir, procRoot, sysRoot, vcgencmd: null }).read(0)
    expect('cpu_temp_c' in s).toBe(false)
    expect('throttled' in s).toBe(false)
    expect(s.load_1).toBe(0.52)
  })

  test('meminfo without MemAvailable reports total only', () => {
    putProc('meminfo', 'MemTotal: 1000 kB\nMemFree: 10 kB\n')
    const s = new PiPerformanceReader({ dataDir, procRoot, sysRoot, vcgencmd: null }).read(0)
    expect(s.mem_total_bytes).toBe(1024000)
    expect('mem_used_bytes' in s).toBe(false)
    expect('mem_percent' in s).toBe(false)
  })

  test('rates absent when two reads share a timestamp', () => {
    putProc('net/dev', PI_NET_DEV_A)
    const reader = new PiPerformanceReader({ dataDir, procRoot, sysRoot, vcgencmd: null })
    reader.read(100)
    const s = reader.read(100)
    expect(s.net_rx_bytes).toBe(1_500_000)
    expect('net_rx_bps' in s).toBe(false)
  })
})

describe('thermal zone choice', () => {
  const temp = (configure: () => void) => {
    configure()
    return new PiPerformanceReader({ dataDir, procRoot, sysRoot, vcgencmd: null }).read(0).cpu_temp_c
  }

  test('prefers the cpu-thermal zone over others', () => {
    expect(
      temp(() => {
        putZone(0, 'acpitz', '30000')
        putZone(1, 'cpu-thermal', '52000')
      }),
    ).toBe(52)
  })

  test('uses a lone zone whatever its type', () => {
    expect(temp(() => putZone(0, 'soc-something', '41500'))).toBe(41.5)
  })

  test('several unidentified zones: absent rather than a guess', () => {
    expect(
      temp(() => {
        putZone(0, 'acpitz', '30000')
        putZone(1, 'battery', '28000')
      }),
    ).toBeUndefined()
  })

  test('unreadable temp file: absent', () => {
    expect(temp(() => putZone(0, 'cpu-thermal', 'not a number'))).toBeUndefined()
  })
})

describe('vcgencmd', () => {
  test('decodes throttled output and runs at most once per interval', () => {
    const fake = fakeVcgencmd('echo "throttled=0x50005"')
    const reader = new PiPerformanceReader({ dataDir, procRoot, sysRoot, vcgencmd: fake.path })
    const s = reader.read(10_000)
    expect(s.throttled).toEqual({
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
    expect(readFileSync(join(root, 'vcgencmd.calls'), 'utf8').trim()).toBe('get_throttled')
    reader.read(11_000)
    expect(reader.read(10_000 + VCGENCMD_INTERVAL_MS - 1).throttled?.raw).toBe(0x50005)
    expect(fake.calls()).toBe(1)
    reader.read(10_000 + VCGENCMD_INTERVAL_MS)
    expect(fake.calls()).toBe(2)
    // A wall-clock step backwards must not freeze the cache.
    reader.read(0)
    expect(fake.calls()).toBe(3)
  })

  test('failing vcgencmd: no throttled key, and the failure is cached too', () => {
    const fake = fakeVcgencmd('echo "VCHI initialization failed" >&2\nexit 255')
    const reader = new PiPerformanceReader({ dataDir, procRoot, sysRoot, vcgencmd: fake.path })
    expect('throttled' in reader.read(0)).toBe(false)
    expect('throttled' in reader.read(1000)).toBe(false)
    expect(fake.calls()).toBe(1)
  })

  test('missing binary: no throttled key, no throw', () => {
    const reader = new PiPerformanceReader({ dataDir, procRoot, sysRoot, vcgencmd: join(root, 'nope') })
    expect('throttled' in reader.read(0)).toBe(false)
  })

  test('hung vcgencmd is killed after the timeout', () => {
    const fake = fakeVcgencmd('exec sleep 10')
    const reader = new PiPerformanceReader({
      dataDir,
      procRoot,
      sysRoot,
      vcgencmd: fake.path,
      vcgencmdTimeoutMs: 200,
    })
    const t0 = performance.now()
    expect('throttled' in reader.read(0)).toBe(false)
    expect(performance.now() - t0).toBeLessThan(3000)
  })

  test('default looks vcgencmd up on PATH at construction', () => {
    const fake = fakeVcgencmd('echo "throttled=0x0"')
    const savedPath = process.env.PATH
    let reader: PiPerformanceReader
    try {
      process.env.PATH = dirname(fake.path)
      reader = new PiPerformanceReader({ dataDir, procRoot, sysRoot })
    } finally {
      process.env.PATH = savedPath
    }
    expect(reader.read(0).throttled?.raw).toBe(0)
    expect(fake.calls()).toBe(1)
  })
})

describe.skipIf(process.platform !== 'linux')('real /proc smoke test', () => {
  test('fields every Linux machine has are present and sane', () => {
    const reader = new PiPerformanceReader({ dataDir: tmpdir(), vcgencmd: null })
    const first = reader.read(Date.now())
    expect('cpu_percent' in first).toBe(false)
    // Long enough for several scheduler ticks (USER_HZ is 100) so CPU % has a delta.
    Bun.sleepSync(150)
    const s = reader.read(Date.now())

    expect(s.cpu_percent!).toBeGreaterThanOrEqual(0)
    expect(s.cpu_percent!).toBeLessThanOrEqual(100)
    expect(s.cpu_per_core!.length).toBeGreaterThanOrEqual(1)
    for (const c of s.cpu_per_core!) {
      expect(c).toBeGreaterThanOrEqual(0)
      expect(c).toBeLessThanOrEqual(100)
    }
    expect(s.load_1!).toBeGreaterThanOrEqual(0)
    expect(s.load_5!).toBeGreaterThanOrEqual(0)
    expect(s.load_15!).toBeGreaterThanOrEqual(0)
    expect(s.mem_total_bytes!).toBeGreaterThan(0)
    expect(s.mem_used_bytes!).toBeGreaterThan(0)
    expect(s.mem_used_bytes!).toBeLessThanOrEqual(s.mem_total_bytes!)
    expect(s.disk_total_bytes!).toBeGreaterThan(0)
    expect(s.net_rx_bytes!).toBeGreaterThanOrEqual(0)
    expect(s.net_tx_bytes!).toBeGreaterThanOrEqual(0)
    expect(s.net_rx_bps!).toBeGreaterThanOrEqual(0)
    expect(s.net_tx_bps!).toBeGreaterThanOrEqual(0)
    expect(s.uptime_s!).toBeGreaterThan(0)
    expect('throttled' in s).toBe(false)
    if (s.cpu_temp_c !== undefined) {
      expect(s.cpu_temp_c).toBeGreaterThan(-40)
      expect(s.cpu_temp_c).toBeLessThan(150)
    }
  })
})
