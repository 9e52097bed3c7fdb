// The tick journal under the crashes it exists for: a torn append, a crash between a fold's
// commit and the journal's restart, a journal left beside another database, a database that
// refuses the fold. Each time nothing written in a whole tick is lost and nothing is stored twice.
import { afterEach, describe, expect, test } from 'bun:test'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger, silentLogger } from '../../core/log.ts'
import { openEdgeDatabase, type EdgeDb } from './database.ts'
import { SampleStore } from './sample-store.ts'
import { journalPathFor } from './tick-journal.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), 'tonypi-journal-'))
  dirs.push(dir)
  return join(dir, 'edge.db')
}

const opts = { quotaBytes: 1e12, retentionRawMs: 1e12, retentionRollupMs: 1e12, log: silentLogger }
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)

/** `seconds` ticks of 10 battery samples a second, from `from`. */
function ticks(store: SampleStore, from: number, seconds: number) {
  for (let s = 0; s < seconds; s++) {
    for (let k = 0; k < 10; k++) store.add({ stream: 'battery', ts: from + s * 1000 + k * 100, values: { voltage_v: 8 - s * 0.001, percent: 90 } })
    store.tick(from + s * 1000 + 999)
  }
}

const storedTimes = (db: EdgeDb) => {
  const rows = db.$client.query("SELECT t0, t1, n FROM chunks WHERE stream = 'battery' ORDER BY seq").all() as { t0: number; t1: number; n: number }[]
  return { chunks: rows.length, samples: rows.reduce((a, r) => a + r.n, 0) }
}

function reopen(path: string, log = silentLogger) {
  const db = openEdgeDatabase(path)
  return { db, store: new SampleStore(db, { ...opts, log }) }
}

describe('tick journal', () => {
  test('ticks reach the journal at once and the database once a minute, one chunk per stream and minute', () => {
    const path = tempDb()
    const { db, store } = reopen(path)
    ticks(store, T0, 30)
    expect(storedTimes(db).chunks).toBe(0)
    expect(store.stats().journal_samples).toBe(300)
    // Queries see what is only in the journal.
    expect(store.querySamples('battery', T0, T0 + 30_000).samples.length).toBe(300)
    ticks(store, T0 + 30_000, 45) // the first minute ends, and the tick two seconds later folds it
    // The first minute as one chunk; the second minute's ticks wait in the journal.
    expect(storedTimes(db)).toEqual({ chunks: 1, samples: 600 })
    expect(store.stats().journal_samples).toBe(150)
    expect(store.querySamples('battery', T0, T0 + 75_000).samples.length).toBe(750)
    expect(store.queryRollups('battery', T0, T0 + 59_999, 60_000).find((r) => r.field === 'percent')!.n).toBe(600)
  })

  test('a torn last append is dropped; every whole tick before it is recovered, once', () => {
    const path = tempDb()
    const first = reopen(path)
    ticks(first.store, T0, 20)
    const journal = journalPathFor(path)
    // A crash in the middle of the twenty-first tick's append: its record is cut short.
    const whole = statSync(journal).size
    first.store.add({ stream: 'battery', ts: T0 + 20_000, values: { voltage_v: 7, percent: 80 } })
    first.store.tick(T0 + 20_999)
    truncateSync(journal, whole + 9)
    const logs: string[] = []
    const again = reopen(path, createLogger({ sink: (l) => logs.push(l) }))
    expect(storedTimes(again.db)).toEqual({ chunks: 1, samples: 200 })
    expect(logs.some((l) => l.includes('torn last record'))).toBe(true)
    expect(logs.some((l) => l.includes('rebuilt minute index'))).toBe(true)
    // The journal was folded: a third start finds nothing more to add.
    const third = reopen(path)
    expect(storedTimes(third.db)).toEqual({ chunks: 1, samples: 200 })
    expect(third.store.querySamples('battery', T0, T0 + 60_000).samples.length).toBe(200)
  })

  test('a crash after a fold committed but before the journal restarted stores nothing twice', () => {
    const path = tempDb()
    const { db, store } = reopen(path)
    ticks(store, T0, 10)
    const journal = journalPathFor(path)
    const before = readFileSync(journal)
    store.flush(T0 + 10_500)
    expect(storedTimes(db).samples).toBe(100)
    // As if the process died right after the fold's commit: the old generation is still there.
    writeFileSync(journal, before)
    db.$client.close()
    const again = reopen(path)
    expect(storedTimes(again.db)).toEqual({ chunks: 1, samples: 100 })
  })

  test('a journal beside another database is not replayed into it', () => {
    const a = tempDb()
    const one = reopen(a)
    ticks(one.store, T0, 5)
    const b = tempDb()
    reopen(b).db.$client.close()
    copyFileSync(journalPathFor(a), journalPathFor(b))
    const logs: string[] = []
    const other = reopen(b, createLogger({ sink: (l) => logs.push(l) }))
    expect(storedTimes(other.db).chunks).toBe(0)
    expect(logs.some((l) => l.includes('the journal of another database'))).toBe(true)
  })

  test('a database refusing the fold keeps the ticks in the journal; they are folded once it takes writes', () => {
    const path = tempDb()
    const { db, store } = reopen(path)
    db.$client.exec("CREATE TRIGGER full BEFORE INSERT ON chunks BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    ticks(store, T0, 50)
    // The tick that would fold the first minute says so (and the test's feed stops there).
    expect(() => ticks(store, T0 + 50_000, 15)).toThrow(/full/)
    expect(store.stats().journal_samples).toBe(630)
    expect(store.writable().ok).toBe(false)
    // The ticks keep going to the journal meanwhile; a restart would find them there too.
    const journal = journalPathFor(path)
    const size = statSync(journal).size
    db.$client.exec('DROP TRIGGER full')
    ticks(store, T0 + 65_000, 15) // past the retry wait, the fold goes through
    expect(statSync(journal).size).toBeLessThan(size)
    expect(storedTimes(db).samples).toBeGreaterThanOrEqual(600)
    store.flush(T0 + 200_000)
    expect(storedTimes(db).samples).toBe(780)
    expect(store.writable().ok).toBe(true)
  })

  test('an append the disk refuses loses nothing: the tick stays buffered, and the journal starts over', () => {
    const path = tempDb()
    const { db, store } = reopen(path)
    ticks(store, T0, 3)
    const journal = journalPathFor(path)
    // The journal cannot be opened (a directory in its place stands in for a failing card).
    store.close()
    rmSync(journal)
    mkdirSync(journal)
    store.add({ stream: 'battery', ts: T0 + 3_000, values: { voltage_v: 7.5, percent: 85 } })
    expect(() => store.tick(T0 + 3_999)).toThrow()
    expect(store.writable().ok).toBe(false)
    rmSync(journal, { recursive: true })
    store.add({ stream: 'battery', ts: T0 + 4_000, values: { voltage_v: 7.4, percent: 84 } })
    store.tick(T0 + 4_999)
    // The new file holds every tick the store has not folded, the refused one included.
    db.$client.close()
    const again = reopen(path)
    expect(storedTimes(again.db).samples).toBe(32)
  })
})
