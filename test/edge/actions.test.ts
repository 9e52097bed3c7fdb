// HiWonder action groups played on the simulated robot: progress, stop between frames,
// emergency stop within one frame, one motion at a time, and the earlier system's `move`.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import mqtt from 'mqtt'
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadActionGroup } from '../../drivers/action-groups/d6a.ts'
import { writeD6a } from '../../drivers/action-groups/test-support.ts'
import { positionSweeps, SHARED_ACTION_DIR, startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'

let h: EdgeHarness
let op: string
beforeAll(async () => {
  h = await startTestEdge()
  op = await h.tokenFor('operator')
})
afterAll(() => h.stop())

const command = async (json: unknown) => {
  const r = await h.api('/api/v1/command', { method: 'POST', token: op, json })
  return { status: r.status, body: await r.json() }
}
const record = async (id: string) => (await h.api(`/api/v1/command/${id}`, { token: op })).json()
const positions = async () => {
  const st = await (await h.api('/api/v1/robot/status', { token: op })).json()
  return st.servos.map((s: { position: number }) => s.position) as number[]
}

describe('action groups', () => {
  test('lists the installed groups', async () => {
    const a = await (await h.api('/api/v1/actions', { token: op })).json()
    expect(a.names).toEqual(expect.arrayContaining(['bow', 'go_forward', 'squat', 'stand', 'stand_up_front', 'turn_left', 'wave']))
    expect(a.playing).toBeNull()
  })

  test('stand plays its one frame and the servos reach the pose', async () => {
    const r = await command({ id: 'stand-1', type: 'action.run', name: 'stand' })
    expect(r.status).toBe(202)
    await waitFor('done', async () => (await record('stand-1')).state === 'done', 5000)
    const want = [500, 390, 500, 600, 500, 575, 800, 725, 500, 610, 500, 400, 500, 425, 200, 275]
    await waitFor('stand pose', async () => (await positions()).every((p, i) => Math.abs(p - want[i]) <= 3), 3000)
  })

  test('one motion at a time; action.stop ends a group between frames', async () => {
    await command({ id: 'wave-1', type: 'action.run', name: 'wave', repeat: 0 })
    const busy = await command({ type: 'servo.move', targets: [{ id: 1, position: 400 }], duration_ms: 100 })
    expect(busy.status).toBe(409)
    expect(busy.body.reason).toContain('action group wave is playing')
    const playing = await (await h.api('/api/v1/actions', { token: op })).json()
    expect(playing.playing.name).toBe('wave')
    await waitFor('waving', async () => (await (await h.api('/api/v1/actions', { token: op })).json()).playing?.progress?.frame >= 2)
    expect((await command({ type: 'action.stop' })).status).toBe(202)
    const rec = await waitFor('wave ended', async () => {
      const x = await record('wave-1')
      return x.state === 'done' ? x : null
    })
    expect(rec.reason).toMatch(/stopped after \d+ of endless frames/)
  })

  test('emergency stop during a group stops it within one frame and holds the robot', async () => {
    await command({ type: 'action.run', id: 'fwd-1', name: 'go_forward', repeat: 5 })
    await waitFor('walking', async () => (await (await h.api('/api/v1/actions', { token: op })).json()).playing?.progress?.frame >= 2)
    const stoppedAt = Date.now()
    const e = await command({ type: 'estop', reason: 'test' })
    try {
      expect(e.status).toBe(202)
      const rec = await waitFor(
        'aborted',
        async () => {
          const x = await record('fwd-1')
          return x.state === 'failed' ? x : null
        },
        2000,
      )
      expect(rec.reason).toContain('emergency stop')
      // No frame after the stop: the group's record was closed within one frame of it.
      expect(rec.updated_at - stoppedAt).toBeLessThan(1000)
      // Let the last reading from before the stop pass, then the robot must hold still.
      const at = await positionSweeps(h.edge.bus, 4)
      const later = await positionSweeps(h.edge.bus, 16) // 800 ms of sweeps, longer than any go_forward frame
      for (const [id, p] of at) expect(Math.abs(later.get(id)! - p)).toBeLessThanOrEqual(4)
      expect((await command({ type: 'action.run', name: 'bow' })).body.reason).toContain('emergency-stopped')
    } finally {
      expect((await command({ type: 'resume' })).status).toBe(202)
      await waitFor('resumed', async () => (await (await h.api('/api/v1/robot/status', { token: op })).json()).estopped === false)
    }
  })

  test('unknown and path-escaping names are refused clearly', async () => {
    const a = await command({ type: 'action.run', name: 'moonwalk' })
    expect(a.status).toBe(409)
    expect(a.body.reason).toContain('moonwalk')
    const b = await command({ type: 'action.run', name: '../etc/passwd' })
    expect(b.status).toBe(400)
  })

  test("the earlier system's move and head commands play groups; uninstalled ones say so", async () => {
    const c = await new Promise<mqtt.MqttClient>((resolve, reject) => {
      const x = mqtt.connect(`mqtt://127.0.0.1:${h.edge.mqttPort}`, { username: 'operator-user', password: 'operator-password', reconnectPeriod: 0 })
      x.once('connect', () => resolve(x))
      x.once('error', reject)
    })
    const replies: { command_id: string; success: boolean; message: string; data?: unknown }[] = []
    c.on('message', (_t, p) => replies.push(JSON.parse(p.toString())))
    await c.subscribeAsync('tonypi/commands/response')
    c.publish('tonypi/commands/testbot', JSON.stringify({ type: 'move', id: 'lg-bow', direction: 'bow' }))
    const ok = await waitFor('bow reply', () => replies.find((r) => r.command_id === 'lg-bow'))
    expect(ok.success).toBe(true)
    await waitFor('bow done', async () => (await record('lg-bow')).state === 'done', 15_000)
    c.publish('tonypi/commands/testbot', JSON.stringify({ type: 'head_nod', id: 'lg-nod' }))
    const nod = await waitFor('nod reply', () => replies.find((r) => r.command_id === 'lg-nod'))
    expect(nod.success).toBe(false)
    expect(nod.message).toContain('not installed')
    c.publish('tonypi/commands/testbot', JSON.stringify({ type: 'battery_request', id: 'lg-bat' }))
    const bat = await waitFor('battery reply', () => replies.find((r) => r.command_id === 'lg-bat'))
    // Its client's reply shape (robot_client/tonypi_client.py handle_battery_request).
    expect(bat).toMatchObject({
      success: true,
      message: 'Battery status retrieved',
      data: { battery_level: expect.any(Number), voltage: expect.any(Number), charging: false },
    })
    c.publish('tonypi/commands/testbot', JSON.stringify({ type: 'shutdown', id: 'lg-off' }))
    expect((await waitFor('shutdown reply', () => replies.find((r) => r.command_id === 'lg-off'))).message).toContain('not accepted')
    c.end(true)
  })
})

// Walking as HiWonder plays it (drivers/action-groups/walking.ts), on the whole edge. The shared
// folder has no go_forward_start / go_forward_end: they are written from the real go_forward and
// stand frames, into a copy of the folder.
describe('walking', () => {
  let w: EdgeHarness
  let wop: string
  let dir: string
  const STAND = [500, 390, 500, 600, 500, 575, 800, 725, 500, 610, 500, 400, 500, 425, 200, 275]
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tonypi-walk-'))
    for (const f of readdirSync(SHARED_ACTION_DIR)) copyFileSync(join(SHARED_ACTION_DIR, f), join(dir, f))
    const stride = loadActionGroup(dir, 'go_forward').frames
    const row = (ms: number, pos: number[]) => [ms, ...pos]
    const first = stride[0].positions.map((p) => p.position)
    const last = stride.at(-1)!.positions.map((p) => p.position)
    writeD6a(join(dir, 'go_forward_start.d6a'), [row(300, STAND), row(200, first)])
    writeD6a(join(dir, 'go_forward_end.d6a'), [row(200, last), row(300, STAND), row(300, STAND)])
    w = await startTestEdge({ TONYPI_ACTION_DIR: dir })
    wop = await w.tokenFor('operator')
  })
  afterAll(async () => {
    await w.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const wcommand = async (json: unknown) => (await w.api('/api/v1/command', { method: 'POST', token: wop, json })).json()
  const wrecord = async (id: string) => (await w.api(`/api/v1/command/${id}`, { token: wop })).json()
  const wpositions = async () => ((await (await w.api('/api/v1/robot/status', { token: wop })).json()).servos as { position: number }[]).map((s) => s.position)

  test('action.stop ends a walk with its end group: the robot is back in its standing pose', async () => {
    await wcommand({ id: 'walk-1', type: 'action.run', name: 'go_forward', repeat: 0 })
    await waitFor('striding', async () => (await (await w.api('/api/v1/actions', { token: wop })).json()).playing?.progress?.repetition >= 2, 5000)
    expect((await wcommand({ type: 'action.stop' })).state).toBe('accepted')
    const rec = await waitFor(
      'walk ended',
      async () => {
        const x = await wrecord('walk-1')
        return x.state === 'done' ? x : null
      },
      5000,
    )
    expect(rec.reason).toMatch(/stopped after \d+ of endless frames/)
    await waitFor('standing', async () => (await wpositions()).every((p, i) => Math.abs(p - STAND[i]) <= 3), 3000)
  })

  test('the emergency stop does not wait for the end group: the robot holds where it was', async () => {
    await wcommand({ id: 'walk-2', type: 'action.run', name: 'go_forward', repeat: 0 })
    await waitFor('striding', async () => (await (await w.api('/api/v1/actions', { token: wop })).json()).playing?.progress?.repetition >= 2, 5000)
    try {
      await wcommand({ type: 'estop', reason: 'test' })
      const rec = await waitFor(
        'aborted',
        async () => {
          const x = await wrecord('walk-2')
          return x.state === 'failed' ? x : null
        },
        2000,
      )
      expect(rec.reason).toContain('emergency stop')
      const at = await positionSweeps(w.edge.bus, 4)
      const later = await positionSweeps(w.edge.bus, 18) // 900 ms of sweeps, longer than the end group's first two frames
      for (const [id, p] of at) expect(Math.abs(later.get(id)! - p)).toBeLessThanOrEqual(4)
    } finally {
      await wcommand({ type: 'resume' })
    }
  })
})
