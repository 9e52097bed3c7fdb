// Store benchmarks: ingest rate against raw bun:sqlite batched inserts of the same
// samples, and bytes written per hour at nominal load against a naive one-row-per-value
// store, both in the same run. The store is driven as the edge drives it: a tick a second.
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../core/log.ts'
import type { Sample } from '../core/streams.ts'
import { openEdgeDatabase } from '../edge/store/database.ts'
import { SampleStore } from '../edge/store/sample-store.ts'
import { nominalSeconds } from './nominal-load.ts'
import { writtenBytes } from './proc-io.ts'

const T0 = Date.UTC(2026, 0, 1)

function openNaive(path: string) {
  const db = new Database(path, { create: true })
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL')
  return db
}

function newStore(dir: string) {
  return new SampleStore(openEdgeDatabase(join(dir, 'edge.db')), {
    quotaBytes: 1e12,
    retentionRawMs: 1e12,
    retentionRollupMs: 1e12,
    log: silentLogger,
  })
}

/** Samples per second through the store (add + one flush per simulated second). */
export function benchIngest(seconds: number) {
  const ticks = [...nominalSeconds(T0, seconds)]
  const n = ticks.reduce((a, t) => a + t.length, 0)
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'))
  try {
    const store = newStore(dir)
    let t = performance.now()
    ticks.forEach((tick, i) => {
      for (const s of tick) store.add(s)
      store.tick(T0 + i * 1000 + 999)
    })
    const storeRate = n / ((performance.now() - t) / 1000)

    // Baseline: the same samples as rows of a plain table, one prepared statement, one
    // transaction per tick: what a careful hand-written bun:sqlite ingest does.
    const raw = openNaive(join(dir, 'raw.db'))
    raw.exec('CREATE TABLE samples (ts INTEGER, stream TEXT, source TEXT, data TEXT)')
    const ins = raw.prepare('INSERT INTO samples VALUES (?, ?, ?, ?)')
    const batch = raw.transaction((tick: Sample[]) => {
      for (const s of tick) ins.run(s.ts, s.stream, s.source ?? null, JSON.stringify(s.values))
    })
    t = performance.now()
    for (const tick of ticks) batch(tick)
    const rawRate = n / ((performance.now() - t) / 1000)
    raw.close()
    return { samples: n, store_per_s: Math.round(storeRate), raw_per_s: Math.round(rawRate), ratio: storeRate / rawRate }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Bytes handed to the kernel per simulated hour by a careless store: one row per value with an
 * index, a transaction per tick, its WAL checkpointed at the end (the store's own figure is
 * bench/store-wear.ts, measured the same way).
 */
export function benchNaiveBytesPerHour(seconds: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bytes-'))
  try {
    const naive = openNaive(join(dir, 'naive.db'))
    naive.exec('CREATE TABLE samples (ts INTEGER, stream TEXT, source TEXT, field TEXT, value REAL); CREATE INDEX samples_stream_ts ON samples (stream, ts)')
    const ins = naive.prepare('INSERT INTO samples VALUES (?, ?, ?, ?, ?)')
    const batch = naive.transaction((tick: Sample[]) => {
      for (const s of tick) for (const [f, v] of Object.entries(s.values)) ins.run(s.ts, s.stream, s.source ?? null, f, v)
    })
    const w0 = writtenBytes()
    for (const tick of nominalSeconds(T0, seconds)) batch(tick)
    naive.exec('PRAGMA wal_checkpoint(PASSIVE)')
    const naiveBytes = writtenBytes() - w0
    naive.close()
    return (naiveBytes * 3600) / seconds / 1e6
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
