import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'

import type { ApiClient } from '../support/api-client.ts'

async function call(c: ApiClient, method: string, path: string, json?: unknown) {
  const r = await c.api(path, { method, token: await c.tokenFor('admin'), ...(json !== undefined ? { json } : {}) })
  return { status: r.status, body: await r.json().catch(() => null) }
}

let hub: HubHarness
let edge: EdgeHarness
beforeAll(async () => {
  hub = await startTestHub()
  const reg = await call(hub, 'POST', '/api/v1/robots', { robot_id: 'syncbot' })
  expect(reg.status).toBe(201)
  const token = reg.body.credential.token
  edge = await startTestEdge({ TONYPI_ROBOT_ID: 'syncbot', TONYPI_HUB_URL: hub.base, TONYPI_HUB_TOKEN: token })
}, 60_000)
afterAll(async () => {
  await edge?.stop()
  await hub?.stop()
})

test('a robot with a hub link appears online, live and synced', async () => {
  const st = await waitFor('sync connected', async () => {
    const r = await call(edge, 'GET', '/api/v1/sync/status')
    return r.body.connected && r.body.cursor.telemetry > 0 ? r.body : null
  }, 20_000)
  console.log(JSON.stringify(st))
  const robot = await waitFor('online on the hub', async () => {
    const r = await call(hub, 'GET', '/api/v1/robots/syncbot')
    return r.body.status === 'online' ? r.body : null
  }, 10_000)
  expect(robot.status).toBe('online')
  const live = await waitFor('live status', async () => {
    const r = await call(hub, 'GET', '/api/v1/robots/syncbot/status')
    return r.status === 200 ? r.body : null
  }, 10_000)
  expect(live.servos.length).toBe(16)
  const ss = await call(hub, 'GET', '/api/v1/sync/status?robot_id=syncbot')
  console.log(JSON.stringify(ss.body))
  const cmd = await call(hub, 'POST', '/api/v1/command', { robot_id: 'syncbot', type: 'servo.move', targets: [{ id: 1, position: 600 }], duration_ms: 200 })
  console.log(cmd.status, JSON.stringify(cmd.body))
  expect(cmd.status).toBe(200)
}, 60_000)
