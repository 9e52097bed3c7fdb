// Commands against the simulated robot: moves reach their targets, targets are clamped,
// emergency stop halts a motion at once and refuses everything but resume, and every
// command is in the audit log with its user.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { positionSweeps, startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'

let h: EdgeHarness
let op: string
beforeAll(async () => {
  h = await startTestEdge()
  op = await h.tokenFor('operator')
})
afterAll(() => h.stop())

const servo = async (id: number) => {
  const st = await (await h.api('/api/v1/robot/status', { token: op })).json()
  return st.servos.find((s: { id: number }) => s.id === id) as { position: number }
}
const command = async (json: unknown) => {
  const r = await h.api('/api/v1/command', { method: 'POST', token: op, json })
  return { status: r.status, body: await r.json() }
}

describe('commands', () => {
  test('a servo move reaches its target in the commanded time', async () => {
    const r = await command({ type: 'servo.move', targets: [{ id: 7, position: 650 }], duration_ms: 400 })
    expect(r.status).toBe(202)
    expect(r.body.state).toBe('accepted')
    // Every reading on the way: a move that jumped to its target would show none partway.
    const seen: number[] = []
    await waitFor(
      'servo 7 at 650',
      async () => {
        const p = (await servo(7)).position
        seen.push(p)
        return Math.abs(p - 650) <= 3
      },
      1500,
      10,
    )
    expect(seen.some((p) => p > 660 && p < 790)).toBe(true) // from 800 toward 650, partway
  })

  test('targets outside the servo limits are clamped, and the reply says so', async () => {
    const r = await command({ type: 'servo.move', targets: [{ id: 3, position: 1090 }], duration_ms: 0 })
    expect(r.body.reason).toContain('clamped to servo limits: 3->1000')
    await waitFor('servo 3 near 1000', async () => (await servo(3)).position >= 997, 2000)
  })

  test('emergency stop halts a motion in progress and refuses all but resume', async () => {
    await command({ type: 'servo.move', targets: [{ id: 9, position: 100 }], duration_ms: 3000 })
    await waitFor('servo 9 on its way', async () => (await servo(9)).position < 490)
    const e = await command({ type: 'estop', reason: 'test' })
    expect(e.status).toBe(202)
    const at = (await positionSweeps(h.edge.bus, 4)).get(9)! // the last reading from before the stop passes
    const later = (await positionSweeps(h.edge.bus, 10)).get(9)! // half a second of sweeps: a motion would show
    expect(Math.abs(later - at)).toBeLessThanOrEqual(4) // held: reading noise only
    expect(later).toBeGreaterThan(400) // nowhere near the target
    const refused = await command({ type: 'servo.move', targets: [{ id: 9, position: 100 }], duration_ms: 100 })
    expect(refused.status).toBe(409)
    expect(refused.body.reason).toContain('emergency-stopped')
    const st = await (await h.api('/api/v1/robot/status', { token: op })).json()
    expect(st.estopped).toBe(true)
    expect((await command({ type: 'resume' })).status).toBe(202)
    await waitFor('resumed', async () => (await (await h.api('/api/v1/robot/status', { token: op })).json()).estopped === false)
    expect((await command({ type: 'stop' })).status).toBe(202)
  })

  test('the audit log records user, origin, body and outcome; duplicate ids are refused', async () => {
    const r = await command({ id: 'audit-1', type: 'servo.torque', ids: [2], on: false })
    expect(r.body.id).toBe('audit-1')
    const rec = await waitFor('done', async () => {
      const a = await (await h.api('/api/v1/command/audit-1', { token: op })).json()
      return a.state === 'done' ? a : null
    })
    expect(rec).toMatchObject({ user: 'operator-user', origin: 'api', type: 'servo.torque', body: { type: 'servo.torque', ids: [2], on: false } })
    const dup = await command({ id: 'audit-1', type: 'stop' })
    expect(dup.body.reason).toContain('duplicate command id')
    await waitFor(
      'torque off reported',
      async () => {
        const st = await (await h.api('/api/v1/robot/status', { token: op })).json()
        return st.servos.find((s: { id: number }) => s.id === 2).torque === false
      },
      20_000,
    )
  })

  test('a flood of commands is rate limited', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () => command({ type: 'stop' })))
    const limited = results.filter((r) => r.status === 429)
    expect(limited.length).toBeGreaterThan(0)
    expect(limited[0].body.reason).toContain('rate limit')
    // Emergency stop is never rate limited.
    expect((await command({ type: 'estop' })).status).toBe(202)
    // The limiter refills with time; a refused resume takes no token, so asking again is fair.
    await waitFor('resume accepted once the limiter refills', async () => (await command({ type: 'resume' })).status === 202, 5000, 200)
  })
})
