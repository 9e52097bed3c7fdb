// Upgrading in place: for each release's fixtures (test/fixtures/upgrade, made by that release's
// migrations with make.ts), an edge started on the old SQLite file and a hub started on the old
// PostgreSQL dump apply every newer migration at start and serve the old data.
import { describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { SQL } from 'bun'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { MIGRATIONS_DIR } from '../../edge/store/database.ts'
import { HUB_MIGRATIONS_DIR } from '../../hub/db/database.ts'
import { requirePostgres } from '../../tools/services/debian-packages.ts'
import type { DevServices } from '../../tools/services/dev-services.ts'
import { startTestEdge } from '../support/edge-harness.ts'
import { startTestHub } from '../support/hub-harness.ts'
import { KEEP_OLD_DATA } from '../fixtures/upgrade/keep-old-data.ts'

const FIXTURES = join(import.meta.dir, '..', 'fixtures', 'upgrade')

interface Expected {
  made_at: string
  edge: { file: string; robot_id: string; samples: Record<string, number>; users: string[] }
  hub: { file: string; robots: string[]; users: string[] }
}

const releases = readdirSync(FIXTURES)
  .filter((f) => /^expected-.*\.json$/.test(f))
  .sort()
const migrationCount = (dir: string) => (JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length

test('there is at least one release to upgrade from', () => {
  expect(releases.length).toBeGreaterThan(0)
})

async function loadDump(s: DevServices, file: string) {
  const u = new URL(s.postgres_url)
  const psql = join(dirname(requirePostgres().postgres), 'psql')
  const p = Bun.spawn(
    [
      psql,
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '--single-transaction',
      '-h',
      u.hostname,
      '-p',
      u.port,
      '-U',
      u.username,
      '-d',
      u.pathname.slice(1),
      '-f',
      file,
    ],
    {
      env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) },
      stdout: 'pipe',
      stderr: 'pipe',
    },
  )
  const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited])
  if (code !== 0) throw new Error(`loading ${file}: ${err}`)
}

for (const name of releases) {
  const x = JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Expected
  const madeAt = Date.parse(x.made_at)

  describe(`from ${name.replace(/^expected-|\.json$/g, '')}`, () => {
    test(`an edge started on ${x.edge.file} migrates it in place and serves its samples and users`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tonypi-upgrade-edge-'))
      copyFileSync(join(FIXTURES, x.edge.file), join(dataDir, 'edge.db'))
      const before = new Database(join(FIXTURES, x.edge.file), { readonly: true })
      const rollupsBefore = before.query('SELECT stream, minute, source, field, n, min, max, sum FROM rollups ORDER BY 1, 2, 3, 4').all()
      const lastMinute = (before.query('SELECT max(minute) m FROM rollups').get() as { m: number }).m
      before.close()
      const edge = await startTestEdge({ TONYPI_ROBOT_ID: x.edge.robot_id, ...KEEP_OLD_DATA }, { dataDir })
      try {
        const applied = new Database(join(dataDir, 'edge.db'), { readonly: true })
        try {
          expect((applied.query('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n).toBe(migrationCount(MIGRATIONS_DIR))
          // Tables rebuilt by a migration (rollups, WITHOUT ROWID since 0004) keep every row.
          // (The running edge adds minutes of its own after the fixture's.)
          expect(
            applied.query('SELECT stream, minute, source, field, n, min, max, sum FROM rollups WHERE minute <= ? ORDER BY 1, 2, 3, 4').all(lastMinute),
          ).toEqual(rollupsBefore)
          expect(rollupsBefore.length).toBeGreaterThan(0)
        } finally {
          applied.close()
        }
        const token = await edge.login('viewer-user', 'viewer-password')
        // The fixture's few seconds end at made_at; a raw window may span at most 15 minutes.
        for (const [stream, n] of Object.entries(x.edge.samples)) {
          const r = await edge.api(`/api/v1/robot/sensors?stream=${stream}&from=${madeAt - 10 * 60_000}&to=${madeAt}&resolution=raw&limit=100000`, { token })
          expect(r.status).toBe(200)
          expect({ stream, n: ((await r.json()) as { points: unknown[] }).points.length }).toEqual({ stream, n })
        }
        const admin = await edge.tokenFor('admin')
        const users = (await (await edge.api('/api/v1/users', { token: admin })).json()) as { username: string }[]
        expect(users.map((u) => u.username).sort()).toEqual(expect.arrayContaining(x.edge.users))
      } finally {
        await edge.stop()
        rmSync(dataDir, { recursive: true, force: true })
      }
    }, 60_000)

    test(`a hub started on ${x.hub.file} migrates it in place and serves its robots and users`, async () => {
      const hub = await startTestHub({ ...KEEP_OLD_DATA }, { beforeHub: (s) => loadDump(s, join(FIXTURES, x.hub.file)) })
      try {
        const sql = new SQL(hub.services.postgres_url, { max: 1 })
        try {
          const [{ n }] = (await sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`) as { n: number }[]
          expect(n).toBe(migrationCount(HUB_MIGRATIONS_DIR))
        } finally {
          await sql.close()
        }
        const token = await hub.login('viewer-user', 'viewer-password')
        const robots = (await (await hub.api('/api/v1/robots', { token })).json()) as { robot_id: string }[]
        expect(robots.map((r) => r.robot_id)).toEqual(x.hub.robots)
        const admin = await hub.tokenFor('admin')
        const users = (await (await hub.api('/api/v1/users', { token: admin })).json()) as { username: string }[]
        expect(users.map((u) => u.username).sort()).toEqual(expect.arrayContaining(x.hub.users))
      } finally {
        await hub.stop()
      }
    }, 120_000)
  })
}
