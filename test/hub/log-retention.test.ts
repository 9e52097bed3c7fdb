// The hub's system log is pruned to a window, against the harness's real PostgreSQL.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { inArray, like } from 'drizzle-orm'
import { createLogger } from '../../core/log.ts'
import { systemLogs } from '../../hub/db/schema.ts'
import { pruneSystemLogs, scheduleSystemLogRetention } from '../../hub/logs/log-retention.ts'
import { startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { waitFor } from '../support/edge-harness.ts'

let h: HubHarness
beforeAll(async () => {
  h = await startTestHub()
}, 120_000)
afterAll(() => h?.stop(), 60_000)

const DAY = 86_400_000
const db = () => h.hub.ctx.db
const put = (message: string, ageMs: number, now = Date.now()) =>
  db()
    .insert(systemLogs)
    .values({ ts: new Date(now - ageMs), level: 'info', category: 'retention-test', robotId: null, message })
const left = async (prefix: string) =>
  (
    await db()
      .select({ message: systemLogs.message })
      .from(systemLogs)
      .where(like(systemLogs.message, `${prefix}%`))
  )
    .map((r) => r.message)
    .sort()

describe('hub system log retention', () => {
  test('rows older than the window go, newer ones stay, in batches', async () => {
    const now = Date.now()
    for (const [m, age] of [
      ['a-100d', 100 * DAY],
      ['a-31d', 31 * DAY],
      ['a-29d', 29 * DAY],
      ['a-1h', 3_600_000],
    ] as const)
      await put(m, age, now)
    // A batch of 2 makes the loop take several rounds over the three old rows (and the hub's own, if any).
    expect(await pruneSystemLogs(db(), now, 30 * DAY, 2)).toBeGreaterThanOrEqual(2)
    expect(await left('a-')).toEqual(['a-1h', 'a-29d'])
    expect(await pruneSystemLogs(db(), now, 30 * DAY)).toBe(0) // nothing left to do
    // The window is the argument: a shorter one takes the 29-day row too.
    expect(await pruneSystemLogs(db(), now, 7 * DAY)).toBe(1)
    expect(await left('a-')).toEqual(['a-1h'])
  })

  test('the schedule prunes at start and on its period, and stops cleanly', async () => {
    await put('b-first', 40 * DAY)
    const logs: string[] = []
    const r = scheduleSystemLogRetention({ db: db(), retentionMs: 30 * DAY, everyMs: 50, log: createLogger({ level: 'info', sink: (l) => logs.push(l) }) })
    await waitFor('first pass', async () => (await left('b-')).length === 0)
    await put('b-later', 40 * DAY)
    await waitFor('a later pass', async () => (await left('b-')).length === 0)
    await r.stop()
    await put('b-after-stop', 40 * DAY)
    // A schedule started after the stop, on the same period, with a window that spares the row
    // above: each mark is written after the one before is gone, so the last two take two beats
    // of this schedule after the row was written, and the stopped one would have beaten between them.
    const later = scheduleSystemLogRetention({ db: db(), retentionMs: 50 * DAY, everyMs: 50, log: createLogger({ level: 'error', sink: () => {} }) })
    for (const mark of ['c-mark-1', 'c-mark-2', 'c-mark-3']) {
      await put(mark, 60 * DAY)
      await waitFor(`a pass that takes ${mark}`, async () => (await left(mark)).length === 0)
    }
    await later.stop()
    expect(await left('b-')).toEqual(['b-after-stop'])
    expect(logs.some((l) => l.includes('old system log rows deleted'))).toBe(true)
    await db()
      .delete(systemLogs)
      .where(inArray(systemLogs.message, ['b-after-stop']))
  })
})
