// Backing up a running edge with the operator's command (`npm run backup:edge`, its own process,
// as SQLite's locks require) while the edge writes, restoring onto a fresh data directory, and an
// edge started there serving what the first had at the backup's moment: every sample up to it,
// none twice, its users. Bad input is refused with one line and changes nothing.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { STREAM_NAMES, type Sample } from '../../core/streams.ts'
import type { EdgeBackupManifest } from '../../edge/backup/edge-backup.ts'
import type { SampleStore } from '../../edge/store/sample-store.ts'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'

const CLI = join(import.meta.dir, '..', '..', 'edge', 'backup', 'cli.ts')
const scratch = mkdtempSync(join(tmpdir(), 'tonypi-edge-backup-'))
let edge: EdgeHarness

async function cli(...args: string[]) {
  const p = Bun.spawn([process.execPath, CLI, ...args], { stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { out, err, code }
}

const samples = (store: SampleStore, to: number) => Object.fromEntries(STREAM_NAMES.map((s) => [s, store.querySamples(s, 0, to).samples]))

/** The restored edge holds the original's samples up to a moment at most `slackMs` before `at`, each once. */
function expectPrefix(original: Record<string, Sample[]>, restored: Record<string, Sample[]>, at: number, slackMs: number) {
  let total = 0
  for (const s of STREAM_NAMES) {
    const mine = restored[s]!
    const cut = mine.length ? mine[mine.length - 1]!.ts : -Infinity
    expect(mine).toEqual(original[s]!.filter((x) => x.ts <= cut))
    if (original[s]!.some((x) => x.ts < at - slackMs)) expect(cut).toBeGreaterThanOrEqual(at - slackMs)
    total += mine.length
  }
  expect(total).toBeGreaterThan(0)
}

beforeAll(async () => {
  edge = await startTestEdge({ TONYPI_TICK_MS: '200' })
  await edge.tokenFor('viewer')
  await waitFor('a few seconds of samples', () => edge.edge.ctx.store.querySamples('servos', 0, Date.now()).samples.length > 50, 15_000)
}, 30_000)

afterAll(async () => {
  await edge?.stop()
  rmSync(scratch, { recursive: true, force: true })
})

async function backupAndRestore(name: string, whileRunning: () => Promise<void> = async () => {}) {
  const store = edge.edge.ctx.store
  const at = Date.now()
  const backup = join(scratch, `${name}-backup`)
  const running = cli('backup', edge.dataDir, backup)
  await whileRunning()
  const r = await running
  expect(r.err).not.toContain('failed')
  expect(r.code).toBe(0)
  expect(r.out).toContain(`into ${backup}`)
  const original = samples(store, at + 10_000)
  const manifest = JSON.parse(readFileSync(join(backup, 'manifest.json'), 'utf8')) as EdgeBackupManifest

  const dataDir = join(scratch, `${name}-restored`)
  const rr = await cli('restore', backup, dataDir)
  expect(rr.code).toBe(0)
  // The restored edge measures too; only samples from before it started came from the backup.
  const restoredAt = Date.now()
  const restored = await startTestEdge({ TONYPI_TICK_MS: '200' }, { dataDir })
  try {
    expectPrefix(original, samples(restored.edge.ctx.store, restoredAt - 1), at, 1000)
    expect(await restored.login('viewer-user', 'viewer-password')).toBeTruthy()
  } finally {
    await restored.stop()
  }
  return manifest
}

describe('backup of a running edge', () => {
  test('while the edge folds into SQLite every few milliseconds: a consistent copy, restored whole', async () => {
    const store = edge.edge.ctx.store
    const foldsBefore = store.stats().folds
    let stop = false
    const manifest = await backupAndRestore('busy', async () => {
      // The edge's own write path, far more often than its minute: each flush commits a transaction.
      while (!stop) {
        store.add({ stream: 'battery', ts: Date.now(), values: { voltage_v: 7.4, percent: 80 } })
        store.flush(Date.now())
        await Bun.sleep(5) // the write path's pace while the backup runs, not a wait for anything
        if (store.stats().folds - foldsBefore > 20) stop = true
      }
    })
    expect(store.stats().folds - foldsBefore).toBeGreaterThan(20)
    expect(manifest.database.rows.chunks).toBeGreaterThan(0)
    expect(manifest.files.map((f) => f.name)).toContain('edge.db')
    expect(manifest.files.map((f) => f.name)).not.toContain('edge.db-wal')
  }, 60_000)

  test('with the last ticks only in the tick journal: the restored edge replays them once', async () => {
    const store = edge.edge.ctx.store
    store.flush(Date.now())
    await waitFor('ticks in the journal', () => store.stats().journal_samples > 0, 10_000)
    const manifest = await backupAndRestore('journal')
    expect(manifest.journal_ticks).toBeGreaterThan(0)
    expect(manifest.files.map((f) => f.name)).toContain('edge.db-ticks')
  }, 60_000)
})

describe('bad input changes nothing', () => {
  test('a folder that is not an edge data directory', async () => {
    const r = await cli('backup', scratch, join(scratch, 'nothing'))
    expect(r.code).toBe(1)
    expect(r.err.trim()).toBe(`${scratch} holds no edge.db: not an edge data directory (TONYPI_DATA_DIR)`)
    expect(existsSync(join(scratch, 'nothing'))).toBe(false)
  })

  test('a backup into a folder that is not empty', async () => {
    const full = join(scratch, 'full')
    mkdirSync(full)
    writeFileSync(join(full, 'keep'), 'x')
    const r = await cli('backup', edge.dataDir, full)
    expect(r.code).toBe(1)
    expect(r.err).toContain('is not empty')
    expect(readdirSync(full)).toEqual(['keep'])
  })

  test('a restore onto a data directory that holds a database, or from a damaged backup', async () => {
    const backup = join(scratch, 'for-refusals')
    expect((await cli('backup', edge.dataDir, backup)).code).toBe(0)
    const onto = await cli('restore', backup, edge.dataDir)
    expect(onto.code).toBe(1)
    expect(onto.err).toContain('already holds an edge database')

    const db = join(backup, 'edge.db')
    const bytes = readFileSync(db)
    bytes[bytes.length - 1] ^= 0xff
    writeFileSync(db, bytes)
    const target = join(scratch, 'never-made')
    const damaged = await cli('restore', backup, target)
    expect(damaged.code).toBe(1)
    expect(damaged.err.trim()).toBe(`edge.db in ${backup} is damaged (its SHA-256 is not the manifest's)`)
    expect(existsSync(target)).toBe(false)
    expect(readdirSync(scratch).filter((n) => n.includes('.partial-'))).toEqual([])
  })

  test('no arguments: usage and exit 2', async () => {
    const r = await cli()
    expect(r.code).toBe(2)
    expect(r.err).toContain('usage: bun edge/backup/cli.ts backup <dataDir> <backupDir>')
  })
})
