// Jobs: one row per run whatever reports it, repeats change nothing, a zero percent is kept.
// The earlier system's repeated "completed" messages made duplicate rows (LEGACY.md flaw 11).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import mqtt from 'mqtt'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'

let h: EdgeHarness
let operator: string
let viewer: string
beforeAll(async () => {
  h = await startTestEdge()
  operator = await h.tokenFor('operator')
  viewer = await h.tokenFor('viewer')
})
afterAll(() => h.stop())

const jobs = async (query = '') => (await h.api(`/api/v1/jobs${query}`, { token: viewer })).json()
const patch = (id: number, json: unknown) => h.api(`/api/v1/jobs/${id}`, { method: 'PATCH', token: operator, json })

describe('jobs through the API', () => {
  test('created, progressed, completed once; a late report is refused with its reason', async () => {
    const r = await h.api('/api/v1/jobs', { method: 'POST', token: operator, json: { task_name: 'api-scan', items_total: 4 } })
    expect(r.status).toBe(201)
    const job = await r.json()
    expect(job).toMatchObject({ task_name: 'api-scan', status: 'queued', items_total: 4, percent: null, source: 'api' })

    expect(await (await patch(job.id, { status: 'in_progress', percent: 0 })).json()).toMatchObject({ status: 'in_progress', percent: 0 })
    expect(await (await patch(job.id, { items_done: 2 })).json()).toMatchObject({ items_done: 2, percent: 50 })
    const done = await (await patch(job.id, { status: 'completed', items_done: 4, percent: 100 })).json()
    expect(done.finished_at).toBeNumber()
    // A repeat is harmless and changes nothing, not even the update time.
    const again = await patch(job.id, { status: 'completed' })
    expect(again.status).toBe(200)
    expect((await again.json()).updated_at).toBe(done.updated_at)
    const late = await patch(job.id, { status: 'in_progress', percent: 10 })
    expect(late.status).toBe(409)
    expect((await late.json()).message).toContain('already completed')
    expect((await jobs('?status=completed')).filter((j: { task_name: string }) => j.task_name === 'api-scan')).toHaveLength(1)

    expect((await h.api('/api/v1/jobs', { method: 'POST', token: viewer, json: { task_name: 'x' } })).status).toBe(403)
  })

  test('a job running an action group completes when the group has played', async () => {
    const r = await h.api('/api/v1/jobs', { method: 'POST', token: operator, json: { task_name: 'stand up', action: { name: 'stand' } } })
    const job = await r.json()
    expect(job).toMatchObject({ status: 'started', action: { name: 'stand' } })
    const done = await waitFor('action job done', async () => {
      const j = await (await h.api(`/api/v1/jobs/${job.id}`, { token: viewer })).json()
      return j.finished_at ? j : null
    }, 15_000)
    expect(done).toMatchObject({ status: 'completed', percent: 100 })
  })

  test('an unknown action group fails the job with the reason', async () => {
    const job = await (await h.api('/api/v1/jobs', { method: 'POST', token: operator, json: { task_name: 'nope', action: { name: 'no_such_group' } } })).json()
    expect(job.status).toBe('failed')
    expect(job.reason).toContain('no_such_group')
  })
})

describe('jobs from the earlier system (legacy MQTT)', () => {
  test('started, working, completed, completed -> one completed job, percent kept; a first percent 0 is stored', async () => {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${h.edge.mqttPort}`, { reconnectPeriod: 0 })
    const send = (p: Record<string, unknown>) => c.publishAsync('tonypi/job/testbot', JSON.stringify({ robot_id: 'testbot', task_name: 'inventory', ...p }))
    await send({ status: 'started', items_total: 10 })
    await send({ status: 'working', items_done: 7, percent: 70 })
    await send({ status: 'completed', items_done: 10, percent: 100 })
    await send({ status: 'completed' })
    await send({ status: 'in_progress', percent: 5 }) // a straggler after the end
    await c.publishAsync('tonypi/job/testbot', JSON.stringify({ robot_id: 'testbot', task_name: 'zero', status: 'in_progress', percent: 0 }))
    const zero = await waitFor('zero job', async () => (await jobs()).find((j: { task_name: string }) => j.task_name === 'zero'))
    c.end(true)
    expect(zero.percent).toBe(0)

    const inv = (await jobs()).filter((j: { task_name: string }) => j.task_name === 'inventory')
    expect(inv).toHaveLength(1)
    expect(inv[0]).toMatchObject({ status: 'completed', percent: 100, items_done: 10, items_total: 10, source: 'legacy' })

    const stats = await (await h.api('/api/v1/jobs/stats', { token: viewer })).json()
    expect(stats.by_status.completed).toBeGreaterThanOrEqual(2)
    expect(stats.success_rate).toBeGreaterThan(0)
    expect(stats.mean_duration_ms).toBeNumber()
  })
})
