import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../core/log.ts'
import type { Sample } from '../../core/streams.ts'
import { openEdgeDatabase } from './database.ts'
import { SampleStore } from './sample-store.ts'

const dirs: string[] = []
function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), 'tonypi-store-'))
  dirs.push(dir)
  return join(dir, 'edge.db')
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const opts = { quotaBytes: 1e9, retentionRawMs: 7 * 86400_000, retentionRollupMs: 365 * 86400_000, log: silentLogger }
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)

function feed(store: SampleStore, fromMs: number, seconds: number) {
  for (let s = 0; s < seconds; s++) {
    const base = fromMs + s * 1000
    for (let k = 0; k < 20; k++)
      for (let id = 1; id <= 2; id++) {
        store.add({ stream: 'servos', ts: base + k * 50, source: String(id), values: { position: 400 + id * 100 + (s % 10) } })
      }
    store.add({ stream: 'battery', ts: base, values: { voltage_v: 8 - s * 0.001, percent: 90 } })
    store.flush(base + 999)
  }
}

describe('SampleStore', () => {
  test('stores ticks as chunks with increasing sequence numbers, queries raw samples back', () => {
    const path = tempDb()
    const db = openEdgeDatabase(path)
    const store = new SampleStore(db, opts)
    feed(store, T0, 5)
    const rows = db.$client.query('SELECT seq, stream, n FROM chunks ORDER BY seq').all() as { seq: number; stream: string; n: number }[]
    expect(rows.length).toBe(10)
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    const { samples } = store.querySamples('servos', T0 + 1000, T0 + 1999, { source: '2' })
    expect(samples.length).toBe(20)
    expect(samples[0]).toEqual({ stream: 'servos', ts: T0 + 1000, source: '2', values: { position: 601 } })
  })

  test('includes samples not yet written in queries', () => {
    const store = new SampleStore(openEdgeDatabase(tempDb()), opts)
    store.add({ stream: 'imu', ts: T0, values: { ax: 1 } })
    expect(store.querySamples('imu', T0 - 1, T0 + 1).samples.length).toBe(1)
  })

  test('events and chunks share one sequence; it survives a restart', () => {
    const path = tempDb()
    let store = new SampleStore(openEdgeDatabase(path), opts)
    store.add({ stream: 'battery', ts: T0, values: { voltage_v: 8 } })
    store.addEvent('status', 'info', { status: 'online' }, T0)
    store.flush(T0 + 1000)
    expect(store.stats().seq).toBe(2)
    store = new SampleStore(openEdgeDatabase(path), opts)
    store.addEvent('status', 'info', { status: 'offline' }, T0 + 2000)
    store.flush(T0 + 3000)
    expect(store.queryEvents().map((e) => e.seq)).toEqual([3, 2])
  })

  test('rolls up per minute and rebuilds the open minute after a crash', () => {
    const path = tempDb()
    let store = new SampleStore(openEdgeDatabase(path), opts)
    feed(store, T0, 90) // 1.5 minutes: the first minute closes, the second stays open
    const closed = store.queryRollups('battery', T0, T0 + 59_999, 60_000)
    expect(closed.length).toBe(2) // voltage_v and percent
    const v = closed.find((r) => r.field === 'voltage_v')!
    expect(v.n).toBe(60)
    expect(v.max).toBeCloseTo(8, 6)
    expect(v.min).toBeCloseTo(7.941, 6)
    // "Crash": drop the store without closing; a new one must rebuild the open minute.
    store = new SampleStore(openEdgeDatabase(path), opts)
    const open = store.queryRollups('battery', T0 + 60_000, T0 + 119_999, 60_000).find((r) => r.field === 'voltage_v')!
    expect(open.n).toBe(30)
    const both = store.queryRollups('servos', T0, T0 + 119_999, 120_000, '1')
    expect(both.length).toBe(1)
    expect(both[0].n).toBe(90 * 20)
  })

  test('a failed tick loses nothing: the data is written by the next one', () => {
    const path = tempDb()
    const db = openEdgeDatabase(path)
    const store = new SampleStore(db, opts)
    db.$client.exec("CREATE TRIGGER full BEFORE INSERT ON chunks BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    store.add({ stream: 'battery', ts: T0, values: { voltage_v: 8 } })
    expect(() => store.flush(T0 + 1000)).toThrow(/full/)
    expect(store.writable().ok).toBe(false)
    db.$client.exec('DROP TRIGGER full')
    store.add({ stream: 'battery', ts: T0 + 1000, values: { voltage_v: 7.9 } })
    store.flush(T0 + 2000)
    expect(store.writable().ok).toBe(true)
    expect(store.querySamples('battery', T0, T0 + 2000).samples.map((s) => s.values.voltage_v)).toEqual([8, 7.9])
    expect(db.$client.query('SELECT seq FROM chunks').all()).toEqual([{ seq: 1 }])
  })

  test('retention deletes old raw chunks; the quota drops the oldest first and counts them', () => {
    const path = tempDb()
    const db = openEdgeDatabase(path)
    const store = new SampleStore(db, { ...opts, retentionRawMs: 60_000 })
    feed(store, T0, 200)
    const before = (db.$client.query('SELECT count(*) c FROM chunks').get() as { c: number }).c
    const r = store.maintain(T0 + 200_000)
    expect(r.retained).toBeGreaterThan(0)
    const after = (db.$client.query('SELECT min(t0) t FROM chunks').get() as { t: number }).t
    expect(after).toBeGreaterThanOrEqual(T0 + 60_000)
    expect(before - r.retained).toBeGreaterThan(0)

    const big = new SampleStore(openEdgeDatabase(tempDb()), { ...opts, quotaBytes: 128 * 1024 })
    const samples: Sample[] = []
    for (let s = 0; s < 400; s++) {
      for (let k = 0; k < 100; k++)
        samples.push({ stream: 'imu', ts: T0 + s * 1000 + k * 10, values: { ax: Math.sin(s * 100 + k) * 5, ay: Math.cos(k * 7 + s) * 9 } })
      for (const x of samples.splice(0)) big.add(x)
      big.flush(T0 + s * 1000 + 999)
    }
    const q = big.maintain(T0 + 400_000)
    expect(q.droppedForQuota).toBeGreaterThan(0)
    const st = big.stats()
    expect(st.db_bytes).toBeLessThanOrEqual(128 * 1024)
    expect(st.dropped_chunks).toBe(q.droppedForQuota)
    expect(st.dropped_samples).toBe(q.droppedForQuota * 100)
    // The newest data is still there.
    expect(big.querySamples('imu', T0 + 399_000, T0 + 399_999).samples.length).toBe(100)
  })

  test('when raw chunks are gone and the quota is still exceeded, the oldest minutes of rollups go next, whole', () => {
    const db = openEdgeDatabase(tempDb())
    const store = new SampleStore(db, { ...opts, quotaBytes: 1e12 })
    const c = db.$client
    const insert = c.query('INSERT INTO rollups (stream, minute, source, field, n, min, max, sum) VALUES (?, ?, ?, ?, 1, 1, 1, 1)')
    c.transaction(() => {
      for (let m = 0; m < 200; m++) for (let f = 0; f < 60; f++) insert.run('servos', T0 + m * 60_000, String(f % 16), `f${f}`)
    })()
    const minutes = () => c.query('SELECT min(minute) lo, count(DISTINCT minute) n FROM rollups').get() as { lo: number; n: number }
    expect(minutes().n).toBe(200)
    // A quota a little under what is there: some minutes go, the oldest, and never half of one.
    const used = store.usedBytes()
    const small = new SampleStore(db, { ...opts, quotaBytes: used * 0.9 })
    small.maintain(T0 + 200 * 60_000)
    const left = minutes()
    expect(left.n).toBeLessThan(200)
    expect(left.n).toBeGreaterThan(0)
    expect(left.lo).toBe(T0 + (200 - left.n) * 60_000)
    expect((c.query('SELECT count(*) c FROM rollups').get() as { c: number }).c).toBe(left.n * 60)
    expect(small.usedBytes()).toBeLessThanOrEqual(used * 0.9)
  })
})
