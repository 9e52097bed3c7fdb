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
    const done = await waitFor(
      'action job done',
      async () => {
        const j = await (await h.api(`/api/v1/jobs/${job.id}`, { token: viewer })).json()
        return j.finished_at ? j : null
      },
      15_000,
    )
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

describe('jobs on our own topic tree (tonypi/{id}/job)', () => {
  type Job = {
    id: number
    task_name: string
    status: string
    percent: number | null
    items_done: number | null
    items_total: number | null
    updated_at: number
    finished_at: number | null
    source: string
  }
  const stats = async () => (await h.api('/api/v1/stats', { token: viewer })).json()
  const named = async (name: string): Promise<Job[]> => (await jobs('?limit=1000')).filter((j: Job) => j.task_name === name)
  /** QoS 0 has no acknowledgement: the edge's counters say when a message has been handled. */
  const handled = async (
    what: string,
    check: (s: { mqtt: { accepted: { jobs: number }; dropped: Record<string, number>; refused_publishes: number } }) => boolean,
  ) => waitFor(what, async () => check(await stats()))
  const local = () => mqtt.connectAsync(`mqtt://127.0.0.1:${h.edge.mqttPort}`, { reconnectPeriod: 0 })

  test('started -> 0 % -> completed -> completed again: one job, the zero kept, the repeat a no-op', async () => {
    const c = await local() // a task program on the robot itself: anonymous, from loopback
    const send = (p: Record<string, unknown>) => c.publishAsync('tonypi/testbot/job', JSON.stringify({ task_name: 'shelf-scan', ...p }))
    const base = (await stats()).mqtt.accepted.jobs

    await send({ status: 'started', items_total: 8, ts: Date.now() })
    // No items_done beside it: the 0 must come from `percent` itself, not be derived from items.
    await send({ status: 'in_progress', percent: 0 })
    const zero = await waitFor('progress at 0 %', async () => (await named('shelf-scan')).find((j) => j.status === 'in_progress'))
    expect(zero.percent).toBe(0) // a value, not a missing one
    expect(zero).toMatchObject({ items_done: null, items_total: 8, source: 'mqtt', finished_at: null })

    await send({ status: 'completed', items_done: 8, percent: 100 })
    const done = await waitFor('completed', async () => (await named('shelf-scan')).find((j) => j.status === 'completed'))
    expect(done.finished_at).toBeNumber()
    await send({ status: 'completed', items_done: 8, percent: 100 })
    await handled('the repeat handled', (s) => s.mqtt.accepted.jobs >= base + 4)
    c.end(true)

    const all = await named('shelf-scan')
    expect(all).toHaveLength(1)
    expect(all[0]).toMatchObject({ id: done.id, status: 'completed', percent: 100, items_done: 8, items_total: 8 })
    expect(all[0].updated_at).toBe(done.updated_at) // the repeat changed nothing at all
  })

  test('a report naming a job created through the API updates that job', async () => {
    const job = await (await h.api('/api/v1/jobs', { method: 'POST', token: operator, json: { task_name: 'api-then-mqtt', items_total: 3 } })).json()
    const c = await local()
    await c.publishAsync('tonypi/testbot/job', JSON.stringify({ job_id: job.id, status: 'in_progress', percent: 0 }))
    const got = await waitFor('job updated', async () => {
      const j = await (await h.api(`/api/v1/jobs/${job.id}`, { token: viewer })).json()
      return j.status === 'in_progress' ? j : null
    })
    c.end(true)
    expect(got).toMatchObject({ percent: 0, source: 'api', items_total: 3 })
    expect(await named('api-then-mqtt')).toHaveLength(1)
  })

  test('bad payloads are dropped with their reason and change nothing', async () => {
    const before = await jobs('?limit=1000')
    const s0 = await stats()
    const total = (s: { mqtt: { dropped: Record<string, number> } }) => Object.values(s.mqtt.dropped).reduce((a, b) => a + b, 0)
    const c = await local()
    const bad = [
      '{not json',
      JSON.stringify(['started']),
      JSON.stringify({ task_name: 'bad-job', status: 'dancing' }),
      JSON.stringify({ task_name: 'bad-job', status: 'in_progress', percent: 150 }),
      JSON.stringify({ task_name: 'bad-job', status: 'in_progress', percentage: 10 }),
      JSON.stringify({ task_name: 'bad-job', status: 'in_progress', items_done: -1 }),
      JSON.stringify({ status: 'started' }),
      JSON.stringify({ task_name: 'bad-job', status: 'started', robot_id: 'otherbot' }),
      JSON.stringify({ job_id: 999_999, status: 'completed' }),
    ]
    for (const p of bad) await c.publishAsync('tonypi/testbot/job', p)
    const after = await waitFor('drops counted', async () => {
      const s = await stats()
      return total(s) - total(s0) >= bad.length ? s : null
    })
    c.end(true)
    const reasons = Object.keys(after.mqtt.dropped).join(' | ')
    for (const r of [
      'payload is not valid JSON',
      'payload is not a JSON object',
      'status "dancing" is not one of',
      'percent: Expected number to be less or equal to 100',
      'percentage: Unexpected property',
      'items_done: Expected integer to be greater or equal to 0',
      'job_id or task_name is required',
      'does not match topic testbot',
      'no job 999999',
    ]) {
      expect(reasons).toContain(r)
    }
    expect(after.mqtt.accepted.jobs).toBe(s0.mqtt.accepted.jobs)
    expect(await jobs('?limit=1000')).toEqual(before)
    expect(h.logs.some((l) => l.includes('mqtt message dropped') && l.includes('tonypi/testbot/job'))).toBe(true)
  })

  test("another robot's id is refused, and so is anyone but the robot itself", async () => {
    const s0 = await stats()
    const c = await local()
    c.on('error', () => {}) // the broker closes a connection whose publish it refuses
    await c.publishAsync('tonypi/otherbot/job', JSON.stringify({ task_name: 'foreign-job', status: 'started' }))
    await handled('refused', (s) => s.mqtt.refused_publishes >= s0.mqtt.refused_publishes + 1)
    c.end(true)
    // Operators report through PATCH /api/v1/jobs/{id}, which records their name.
    const op = await mqtt.connectAsync(`mqtt://127.0.0.1:${h.edge.mqttPort}`, { reconnectPeriod: 0, username: 'operator-user', password: 'operator-password' })
    op.on('error', () => {})
    await op.publishAsync('tonypi/testbot/job', JSON.stringify({ task_name: 'foreign-job', status: 'started' }))
    await handled('refused', (s) => s.mqtt.refused_publishes >= s0.mqtt.refused_publishes + 2)
    op.end(true)
    expect(await named('foreign-job')).toHaveLength(0)
    expect(h.logs.some((l) => l.includes('mqtt publish refused') && l.includes('is for robot otherbot'))).toBe(true)
    expect(h.logs.some((l) => l.includes('job reports are accepted from the robot itself only'))).toBe(true)
  })
})
