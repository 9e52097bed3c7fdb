// A robot restored from a backup older than what its hub holds of it: the hub's marks for its
// database are past every number the backup gave out, and the numbers the lost card gave out
// after the backup are taken. The restored edge numbers its new records after the hub's marks,
// so they reach the hub instead of being taken for records it already has.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { SQL } from 'bun'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { registerRobot, waitCaughtUp } from '../support/sync-harness.ts'

const CLI = join(import.meta.dir, '..', '..', 'edge', 'backup', 'cli.ts')
const ROBOT = 'restoredbot'
const scratch = mkdtempSync(join(tmpdir(), 'tonypi-restore-sync-'))
let hub: HubHarness
let env: Record<string, string>

beforeAll(async () => {
  hub = await startTestHub()
  env = { TONYPI_ROBOT_ID: ROBOT, TONYPI_HUB_URL: hub.base, TONYPI_HUB_TOKEN: await registerRobot(hub, ROBOT) }
}, 60_000)

afterAll(async () => {
  await hub?.stop()
  rmSync(scratch, { recursive: true, force: true })
})

async function hubMarks(): Promise<{ events: number; telemetry: number }> {
  const sql = new SQL(hub.services.postgres_url, { max: 1 })
  try {
    const [row] = (await sql`SELECT events_high_water_seq AS events, high_water_seq AS telemetry FROM sync_state WHERE robot_id = ${ROBOT}`) as {
      events: number
      telemetry: number
    }[]
    return { events: Number(row?.events ?? 0), telemetry: Number(row?.telemetry ?? 0) }
  } finally {
    await sql.close()
  }
}

async function hubHasEvent(kind: string): Promise<boolean> {
  const sql = new SQL(hub.services.postgres_url, { max: 1 })
  try {
    const [row] = (await sql`SELECT count(*)::int AS n FROM system_logs WHERE robot_id = ${ROBOT} AND category = ${kind}`) as { n: number }[]
    return row!.n > 0
  } finally {
    await sql.close()
  }
}

test('records made after a restore reach the hub, though the hub holds later records of the lost card', async () => {
  const dataDir = join(scratch, 'original')
  const edge: EdgeHarness = await startTestEdge(env, { dataDir })
  const backup = join(scratch, 'backup')
  try {
    await waitCaughtUp(edge)
    const p = Bun.spawn([process.execPath, CLI, 'backup', dataDir, backup], { stdout: 'pipe', stderr: 'pipe' })
    expect(await p.exited).toBe(0)
    // The card lives on after its backup: more records, synced, then it is lost.
    for (let i = 0; i < 500; i++) edge.edge.ctx.store.addEvent('ops.after-backup', 'info', { i }, Date.now())
    await waitCaughtUp(edge)
  } finally {
    await edge.stop()
  }
  const marks = await hubMarks()
  expect(marks.events).toBeGreaterThan(0)

  const restoredDir = join(scratch, 'restored')
  const r = Bun.spawn([process.execPath, CLI, 'restore', backup, restoredDir], { stdout: 'pipe', stderr: 'pipe' })
  expect(await r.exited).toBe(0)
  const restored = await startTestEdge(env, { dataDir: restoredDir })
  try {
    const store = restored.edge.ctx.store
    // Once the hub has answered, the restored edge's cursors stand at the hub's marks; a record
    // made now without a number past them would count as acknowledged and never be sent.
    await waitFor("the hub's marks at the restored edge", () => restored.edge.ctx.sync.status().cursor.events >= marks.events, 30_000, 20)
    expect(store.peekSeq()).toBeGreaterThan(Math.max(marks.events, marks.telemetry))
    store.addEvent('ops.after-restore', 'info', {}, Date.now())
    await waitCaughtUp(restored)
    await waitFor('the new event at the hub', () => hubHasEvent('ops.after-restore'), 10_000, 100)
  } finally {
    await restored.stop()
  }
}, 120_000)
