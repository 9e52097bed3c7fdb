// History across a clean restart, and durability after `kill -9`: everything up to the
// last committed tick survives, the database is intact, and the edge starts again on it.
import { describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ADMIN_PASSWORD, startTestEdge, waitFor } from '../support/edge-harness.ts'

const BUN = process.execPath

describe('durability', () => {
  test('history survives a clean restart, and the sequence continues', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tonypi-restart-'))
    try {
      const a = await startTestEdge({ TONYPI_TICK_MS: '200' }, { dataDir: dir })
      const token = await a.tokenFor('viewer')
      const from = Date.now()
      const points = async (q: string) => (await (await a.api(`/api/v1/robot/sensors?${q}&from=${from}&to=${Date.now()}`, { token })).json()).points.length
      await waitFor('a battery reading and ten servo readings stored', async () => await points('stream=battery') >= 1 && await points('stream=servos&servo_id=1') >= 10)
      await a.stop()
      const to = Date.now()
      const seqBefore = (new Database(join(dir, 'edge.db')).query('SELECT max(seq) m FROM chunks').get() as { m: number }).m
      const b = await startTestEdge({ TONYPI_TICK_MS: '200' }, { dataDir: dir })
      // The JWT secret is kept in the data directory: a token from before still works.
      const hist = await (await b.api(`/api/v1/robot/sensors?stream=battery&from=${from}&to=${to}`, { token })).json()
      expect(hist.points.length).toBeGreaterThanOrEqual(1)
      const servos = await (await b.api(`/api/v1/robot/sensors?stream=servos&servo_id=1&from=${from}&to=${to}`, { token })).json()
      expect(servos.points.length).toBeGreaterThanOrEqual(10)
      await waitFor('a chunk committed after the restart', () =>
        (b.edge.ctx.db.$client.query('SELECT max(seq) m FROM chunks').get() as { m: number }).m > seqBefore)
      await b.stop({ keepData: true })
      const db = new Database(join(dir, 'edge.db'))
      const seqs = db.query('SELECT seq FROM chunks WHERE seq > ? ORDER BY seq').all(seqBefore) as { seq: number }[]
      expect(seqs.length).toBeGreaterThan(0)
      expect(seqs[0].seq).toBe(seqBefore + 1 + (db.query('SELECT count(*) c FROM events WHERE seq BETWEEN ? AND ?').get(seqBefore, seqs[0].seq) as { c: number }).c)
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
          ...process.env, TONYPI_DATA_DIR: dir, TONYPI_HTTP_PORT: '0', TONYPI_MQTT_PORT: '0', TONYPI_HTTP_HOST: '127.0.0.1',
          TONYPI_MQTT_HOST: '127.0.0.1', TONYPI_ADMIN_PASSWORD: ADMIN_PASSWORD, TONYPI_ROBOT_ID: 'killbot', TONYPI_TICK_MS: '250',
        },
        stdout: 'pipe', stderr: 'pipe',
      })
      const dbPath = join(dir, 'edge.db')
      // Wait until a few ticks have committed.
      await waitFor('ticks committed', () => {
        try {
          const db = new Database(dbPath, { readonly: true })
          const n = (db.query("SELECT count(*) c FROM chunks WHERE stream = 'imu'").get() as { c: number }).c
          db.close()
          return n >= 6
        } catch { return false }
      }, 15_000, 50)
      // Not a wait for anything: it puts the kill part-way between ticks rather than just after one committed.
      await Bun.sleep(400)
      const killedAt = Date.now()
      child.kill('SIGKILL')
      await child.exited

      const db = new Database(dbPath)
      expect((db.query('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check).toBe('ok')
      const last = db.query("SELECT max(t1) t FROM chunks WHERE stream = 'imu'").get() as { t: number }
      // One tick is 250 ms; the imu chunk of the last committed tick ends within a tick of the kill.
      expect(killedAt - last.t).toBeLessThan(250 * 2 + 100)
      const seqs = (db.query('SELECT seq FROM chunks ORDER BY seq').all() as { seq: number }[]).map((r) => r.seq)
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
      expect(new Set(seqs).size).toBe(seqs.length)
      db.close()

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
