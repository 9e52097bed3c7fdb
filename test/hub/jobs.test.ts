// Jobs at the hub from our own topic tree (`tonypi/{id}/job`), published on Mosquitto with a
// robot's credential: the same lifecycle as the earlier layout's messages, so a repeated
// "completed" or a straggler after the end changes nothing and a zero percent is kept.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import mqtt from 'mqtt'
import { startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { waitFor } from '../support/edge-harness.ts'

let h: HubHarness
let viewer: string
const creds = new Map<string, { username: string; token: string }>()

beforeAll(async () => {
  h = await startTestHub()
  const admin = await h.tokenFor('admin')
  viewer = await h.tokenFor('viewer')
  for (const id of ['jobbot', 'otherbot']) {
    const res = await h.api('/api/v1/robots', { token: admin, method: 'POST', json: { robot_id: id, name: `Robot ${id}` } })
    expect(res.status).toBe(201)
    creds.set(id, (await res.json()).credential)
  }
}, 120_000)
afterAll(() => h?.stop(), 60_000)

type HubJob = {
  id: number
  robot_id: string
  task_name: string | null
  status: string
  percent: number | null
  items_done: number | null
  items_total: number | null
  updated_at: number
  finished_at: number | null
}
const jobsOf = async (robotId: string): Promise<HubJob[]> => (await h.api(`/api/v1/jobs?robot_id=${robotId}`, { token: viewer })).json()
const robotClient = (id: string) =>
  mqtt.connectAsync(h.services.mqtt_url, { reconnectPeriod: 0, connectTimeout: 5000, username: creds.get(id)!.username, password: creds.get(id)!.token })
const droppedTotal = () => [...h.hub.ctx.bridge.dropped.values()].reduce((a, b) => a + b, 0)

describe('jobs on tonypi/{id}/job at the hub', () => {
  test('started -> 0 % -> completed -> completed again, a straggler and a bad payload: one job, the zero kept', async () => {
    const c = await robotClient('jobbot')
    const send = (p: unknown) => c.publishAsync('tonypi/jobbot/job', typeof p === 'string' ? p : JSON.stringify(p))
    const t0 = Date.now() - 3000
    await send({ task_name: 'pick', status: 'started', items_total: 5, ts: t0 })
    await send({ task_name: 'pick', status: 'in_progress', items_done: 0, percent: 0, ts: t0 + 1000 })
    const zero = await waitFor('progress at 0 %', async () => (await jobsOf('jobbot')).find((j) => j.status === 'in_progress'), 10_000)
    expect(zero.percent).toBe(0) // a value, not a missing one
    expect(zero).toMatchObject({ task_name: 'pick', items_done: 0, items_total: 5, finished_at: null })
    expect(zero.updated_at).toBe(t0 + 1000) // the robot's time, not the arrival

    await send({ task_name: 'pick', status: 'completed', items_done: 5, percent: 100, ts: t0 + 2000 })
    const done = await waitFor('completed', async () => (await jobsOf('jobbot')).find((j) => j.status === 'completed'), 10_000)
    expect(done.finished_at).not.toBeNull()

    const dropped = droppedTotal()
    await send({ task_name: 'pick', status: 'completed', items_done: 5, percent: 100 })
    await send({ task_name: 'pick', status: 'in_progress', percent: 40 }) // a straggler after the end
    // Handled in order per topic: once this bad one is counted, the two before it were applied.
    await send({ task_name: 'pick', status: 'in_progress', percent: 140 })
    await waitFor('bad payload dropped', () => droppedTotal() > dropped, 10_000)
    c.end(true)

    const all = await jobsOf('jobbot')
    expect(all).toHaveLength(1)
    expect(all[0]).toEqual(done) // neither the repeat, the straggler nor the bad payload changed anything
    expect([...h.hub.ctx.bridge.dropped.keys()].join(' | ')).toContain('percent: Expected number to be less or equal to 100')
  })

  test('two tasks at once are two jobs; a late "started" does not rewind one in progress', async () => {
    const c = await robotClient('jobbot')
    const send = (p: unknown) => c.publishAsync('tonypi/jobbot/job', typeof p === 'string' ? p : JSON.stringify(p))
    await send({ task_name: 'walk', status: 'started' })
    await send({ task_name: 'look', status: 'started' })
    await send({ task_name: 'walk', status: 'in_progress', percent: 50 })
    await send({ task_name: 'walk', status: 'started' }) // a duplicate start arriving late
    const dropped = droppedTotal()
    await send('{not json')
    await waitFor('all handled', () => droppedTotal() > dropped, 10_000)
    c.end(true)
    const mine = (await jobsOf('jobbot')).filter((j) => j.task_name === 'walk' || j.task_name === 'look')
    expect(mine.map((j) => [j.task_name, j.status, j.percent]).sort()).toEqual([
      ['look', 'started', null],
      ['walk', 'in_progress', 50],
    ])
  })

  test("a robot cannot report jobs under another robot's id", async () => {
    const c = await robotClient('jobbot')
    const dropped = droppedTotal()
    await c.publishAsync('tonypi/otherbot/job', JSON.stringify({ task_name: 'forged', status: 'started' }))
    // A sentinel from the same connection: Mosquitto forwards in order, so once it is
    // counted the forged message would have arrived too, had the broker let it through.
    await c.publishAsync('tonypi/jobbot/job', '{not json')
    await waitFor('sentinel dropped', () => droppedTotal() > dropped, 10_000)
    c.end(true)

    // The same message from otherbot itself is accepted: the refusal above was the ACL's. One
    // robot's job messages are stored in the order they reached the hub, and the forged one
    // reached it before the sentinel: had it been let through, it would be stored before this one.
    const o = await robotClient('otherbot')
    await o.publishAsync('tonypi/otherbot/job', JSON.stringify({ task_name: 'own', status: 'started', percent: 0 }))
    const own = await waitFor('own job', async () => (await jobsOf('otherbot')).find((j) => j.task_name === 'own'), 10_000)
    o.end(true)
    expect(own).toMatchObject({ task_name: 'own', status: 'started', percent: 0 })
    expect((await jobsOf('otherbot')).map((j) => j.task_name)).toEqual(['own'])
  })
})
