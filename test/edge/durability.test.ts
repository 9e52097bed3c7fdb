// History across a clean restart, and durability after `kill -9`: everything up to the
// last committed tick survives, the database is intact, and the edge starts again on it.
import { describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../core/log.ts'
import { openEdgeDatabase } from '../../edge/store/database.ts'
import { SampleStore } from '../../edge/store/sample-store.ts'
import { journalTicks } from '../support/journal.ts'
import { ADMIN_PASSWORD, startTestEdge, waitFor } from '../support/edge-harness.ts'

const BUN = process.execPath

describe('durability', () => {
  test('history survives a clean restart, and the sequence continues', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tonypi-restart-'))
    try {
      const a = await startTestEdge({ TONYPI_TICK_MS: '200' }, { dataDir: dir })
      const token = await a.tokenFor('viewer')
      const from = Date.now()
      // The battery is read once a second: wait for a reading (and some positions) rather than a fixed time.
      const have = (stream: 'battery' | 'servos', source?: string) => a.edge.ctx.store.querySamples(stream, from, Date.now(), { source }).samples.length
      await waitFor('a battery reading and ten positions', () => have('battery') > 0 && have('servos', '1') >= 10, 10_000, 50)
      await a.stop()
      const to = Date.now()
      // The last number the first run gave (its ticks' chunks are folded per minute, under their first number).
      const seqBefore = Number((new Database(join(dir, 'edge.db')).query("SELECT value FROM meta WHERE key = 'seq'").get() as { value: string }).value)
      const b = await startTestEdge({ TONYPI_TICK_MS: '200' }, { dataDir: dir })
      // The JWT secret is kept in the data directory: a token from before still works.
      const hist = await (await b.api(`/api/v1/robot/sensors?stream=battery&from=${from}&to=${to}`, { token })).json()
      expect(hist.points.length).toBeGreaterThanOrEqual(1)
      const servos = await (await b.api(`/api/v1/robot/sensors?stream=servos&servo_id=1&from=${from}&to=${to}`, { token })).json()
      expect(servos.points.length).toBeGreaterThanOrEqual(10)
      // Readings taken after the restart, stored; stopping folds them into chunks (edge/store/tick-journal.ts).
      const after = Date.now()
      await waitFor(
        'readings stored after the restart',
        () => b.edge.ctx.store.querySamples('servos', after, Date.now(), { source: '1' }).samples.length >= 5,
        10_000,
        50,
      )
      await b.stop({ keepData: true })
      const db = new Database(join(dir, 'edge.db'))
      const seqs = db.query('SELECT seq FROM chunks WHERE seq > ? ORDER BY seq').all(seqBefore) as { seq: number }[]
      expect(seqs.length).toBeGreaterThan(0)
      expect(seqs[0].seq).toBe(
        seqBefore + 1 + (db.query('SELECT count(*) c FROM events WHERE seq BETWEEN ? AND ?').get(seqBefore, seqs[0].seq) as { c: number }).c,
      )
      db.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('kill -9 loses at most the last tick; the database is intact and reopens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tonypi-kill-'))
    try {
      const child = Bun.spawn([BUN, 'edge/main.ts'], {
        cwd: join(import.meta.dir, '..', '..'),
        env: {
          ...process.env,
          TONYPI_DATA_DIR: dir,
          TONYPI_HTTP_PORT: '0',
          TONYPI_MQTT_PORT: '0',
          TONYPI_HTTP_HOST: '127.0.0.1',
          TONYPI_MQTT_HOST: '127.0.0.1',
          TONYPI_ADMIN_PASSWORD: ADMIN_PASSWORD,
          TONYPI_ROBOT_ID: 'killbot',
          TONYPI_TICK_MS: '250',
        },
        stdout: 'pipe',
        stderr: 'pipe',
      })
      const dbPath = join(dir, 'edge.db')
      // Ticks are durable in the tick journal at once and reach the database once a minute
      // (edge/store/tick-journal.ts): wait until a few are in the journal.
      await waitFor('ticks journaled', () => journalTicks(dbPath) >= 6, 15_000, 50)
      // Not a wait for anything: it puts the kill part-way between ticks rather than just after one committed.
      await Bun.sleep(400)
      const killedAt = Date.now()
      child.kill('SIGKILL')
      await child.exited

      const raw = new Database(dbPath)
      expect((raw.query('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check).toBe('ok')
      raw.close()
      // What the killed edge left, read back as the edge reads it at start (the journal folded in).
      const db = openEdgeDatabase(dbPath)
      new SampleStore(db, { quotaBytes: 1e12, retentionRawMs: 1e12, retentionRollupMs: 1e12, log: silentLogger }).close()
      expect((db.$client.query('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check).toBe('ok')
      const last = db.$client.query("SELECT max(t1) t FROM chunks WHERE stream = 'imu'").get() as { t: number }
      // One tick is 250 ms; the imu samples of the last journaled tick end within a tick of the kill.
      expect(killedAt - last.t).toBeLessThan(250 * 2 + 100)
      const seqs = (db.$client.query('SELECT seq FROM chunks ORDER BY seq').all() as { seq: number }[]).map((r) => r.seq)
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
      expect(new Set(seqs).size).toBe(seqs.length)
      db.$client.close()

      const again = await startTestEdge({ TONYPI_ROBOT_ID: 'killbot' }, { dataDir: dir })
      const token = await again.login('admin', ADMIN_PASSWORD)
      const hist = await (await again.api(`/api/v1/robot/sensors?stream=imu&from=${killedAt - 60_000}&to=${killedAt}`, { token })).json()
      expect(hist.points.length).toBeGreaterThan(100)
      // The minute the crash interrupted was rebuilt from the chunks, so its rollup is there.
      const roll = await (await again.api(`/api/v1/robot/sensors?stream=imu&from=${killedAt - 60_000}&to=${killedAt}&resolution=1m`, { token })).json()
      expect(roll.points.reduce((a: number, p: { n: number }) => a + p.n, 0)).toBeGreaterThanOrEqual(hist.points.length)
      expect(again.logs.some((l) => l.includes('rebuilt minute index'))).toBe(true)
      await again.stop({ keepData: true })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
