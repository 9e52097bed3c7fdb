// Leases and claims on a real PostgreSQL: one holder at a time, and the work moves to another
// replica the moment the holder's session ends (a replica killed mid-work: test/hub/replicas.test.ts).
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { SQL } from 'bun'
import { join } from 'node:path'
import { silentLogger } from '../../core/log.ts'
import { startPostgres, type PostgresService } from '../../tools/services/postgres.ts'
import { scratchDir } from '../../tools/services/test-helpers.ts'
import { waitFor } from '../../test/support/edge-harness.ts'
import { Leases } from './leases.ts'

const scratch = scratchDir('leases')
let pg: PostgresService
beforeAll(async () => {
  pg = await startPostgres({ dir: join(scratch.dir, 'postgres') })
}, 60_000)
afterAll(async () => {
  await pg?.stop()
  scratch.remove()
})

function replica(name: string, running: Set<string>, pollMs = 100) {
  const l = new Leases(pg.url, { replica: name, log: silentLogger, pollMs })
  l.hold('work', () => {
    running.add(name)
    return { stop: () => void running.delete(name) }
  })
  return l
}

test('one holder at a time; when its session ends, another takes the work over', async () => {
  const running = new Set<string>()
  // A does not compete again for a minute once it has lost its session: it stands for a replica that died.
  const a = replica('a', running, 60_000)
  const b = replica('b', running)
  await a.start()
  await b.start()
  try {
    await b.settle()
    expect([...running]).toEqual(['a'])
    expect([a.holds('work'), b.holds('work')]).toEqual([true, false])
    // The server ends A's session (as when its process dies): A stops at once, B takes over.
    const sql = new SQL(pg.url, { max: 1 })
    await sql`select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and granted and pid <> pg_backend_pid()`
    await sql.close()
    await waitFor('B doing the work, and only B', () => running.has('b') && !running.has('a'), 5000)
    expect([a.holds('work'), b.holds('work')]).toEqual([false, true])
    // A back: it finds the lease taken.
    await a.settle()
    expect([a.holds('work'), b.holds('work')]).toEqual([false, true])
  } finally {
    await a.stop()
    await b.stop()
  }
  expect(running.size).toBe(0)
})

test('a claim is held by one session until it is released or the session ends', async () => {
  const a = new Leases(pg.url, { replica: 'a', log: silentLogger })
  const b = new Leases(pg.url, { replica: 'b', log: silentLogger })
  await a.start()
  await b.start()
  try {
    expect(await a.claim('delivery-1')).toBe(true)
    expect(await a.claim('delivery-1')).toBe(true)
    expect(await b.claim('delivery-1')).toBe(false)
    await a.release('delivery-1')
    expect(await b.claim('delivery-1')).toBe(true)
    await b.stop()
    // The server frees B's locks when its backend exits, a moment after B closes the connection.
    await waitFor("A claims it once B's session has ended", () => a.claim('delivery-1'), 5000)
  } finally {
    await a.stop()
    await b.stop()
  }
})
