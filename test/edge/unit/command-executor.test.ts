// The command executor alone, against the simulated robot on a clock the test steps, with its
// audit rows in a real SQLite file: validation, clamping, rate limits, the emergency stop and
// what it preempts, and action groups one at a time.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { CommandRequest } from '../../../edge/commands/command-executor.ts'
import { commands } from '../../../edge/store/schema.ts'
import { waitFor } from '../../support/edge-harness.ts'
import { kit, robot, type Kit } from './kit.ts'

const SERVOS = [
  { id: 1, name: 'a', min: 100, max: 900 },
  { id: 2, name: 'b', min: 0, max: 1000 },
]
let k: Kit
let r: ReturnType<typeof robot>
let t: number
beforeEach(() => {
  k = kit()
  t = 1_000_000
  r = robot(k, { servos: SERVOS, now: () => t, perSecond: 1, burst: 5 })
})
afterEach(async () => {
  await r.commands.idle()
  k.close()
})

const submit = (body: unknown, more: Partial<CommandRequest> = {}) => r.commands.submit({ body, username: 'op', origin: 'api', ...more })
const row = (id: string) => k.db.select().from(commands).where(eq(commands.id, id)).get()
const position = (id: number) => r.driver.readPositions([id]).get(id)!
const outcome = (id: string) =>
  k
    .events('command')
    .filter((e) => e.id === id)
    .map((e) => e.state)

describe('CommandExecutor', () => {
  test('bad input is rejected with a reason naming the problem, audited, and reaches no servo', async () => {
    const before = position(1)
    const a = submit({ type: 'servo.move', targets: [{ id: 1, position: 'far' }], duration_ms: 0 }, { id: 'bad-1' })
    expect(a.state).toBe('rejected')
    expect(a.reason).toMatch(/^invalid command: \/targets\/0\/position: /)
    expect(submit({ type: 'moonwalk' }).reason).toContain('unknown type "moonwalk" (known: ')
    expect(submit(null).reason).toBe('invalid command: a command is a JSON object with a string `type`')
    expect(submit({ type: 'servo.move', targets: [{ id: 9, position: 500 }], duration_ms: 0 }).reason).toBe('unknown servo id 9')
    expect(submit({ type: 'buzzer', freq_hz: 2000, on_ms: 100, off_ms: 100, repeat: 1 }).reason).toBe('the sim profile has no buzzer')
    await r.commands.idle()
    t += 1000
    expect(Math.abs(position(1) - before)).toBeLessThanOrEqual(3)
    expect(row('bad-1')).toMatchObject({ state: 'rejected', username: 'op', origin: 'api', type: 'servo.move' })
    expect(k.seen.filter((m) => m.kind === 'event' && m.event === 'command').every((m) => m.kind === 'event' && m.level === 'warn')).toBe(true)
  })

  test('a move is clamped to the servo limits, runs on the robot, and is audited from accepted to done', async () => {
    const out = submit(
      {
        type: 'servo.move',
        targets: [
          { id: 1, position: 980 },
          { id: 2, position: 980 },
        ],
        duration_ms: 1000,
      },
      { id: 'mv-1' },
    )
    expect(out).toMatchObject({ id: 'mv-1', state: 'accepted', reason: 'clamped to servo limits: 1->900' })
    await r.commands.idle()
    expect(outcome('mv-1')).toEqual(['accepted', 'done'])
    expect(row('mv-1')).toMatchObject({
      state: 'done',
      reason: 'clamped to servo limits: 1->900',
      body: {
        type: 'servo.move',
        targets: [
          { id: 1, position: 900 },
          { id: 2, position: 980 },
        ],
      },
    })
    t += 1500
    expect(Math.abs(position(1) - 900)).toBeLessThanOrEqual(5)
    expect(Math.abs(position(2) - 980)).toBeLessThanOrEqual(5)
    expect(submit({ type: 'stop' }, { id: 'mv-1' }).reason).toBe('duplicate command id mv-1')
  })

  test('a flood is rate limited per user; the emergency stop never is', () => {
    const states = Array.from({ length: 7 }, () => submit({ type: 'stop' }).state)
    expect(states).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted', 'rejected', 'rejected'])
    expect(submit({ type: 'stop' }).reason).toBe('rate limit: too many commands, slow down')
    expect(submit({ type: 'stop' }, { username: 'someone-else' }).state).toBe('accepted')
    expect(submit({ type: 'estop' }).state).toBe('accepted')
  })

  test('the emergency stop halts the robot where it is, preempts what was queued, and admits only resume', async () => {
    expect(submit({ type: 'servo.move', targets: [{ id: 2, position: 100 }], duration_ms: 2000 }).state).toBe('accepted')
    await r.commands.idle()
    t += 1000
    // Queued behind the stop: the later move must never run.
    const queued = submit({ type: 'servo.move', targets: [{ id: 2, position: 900 }], duration_ms: 0 }, { id: 'late' })
    const e = submit({ type: 'estop', reason: 'hand in the way' }, { id: 'stop-1' })
    expect(e.state).toBe('accepted')
    expect(r.state).toMatchObject({ estopped: true, estopReason: 'hand in the way' })
    await r.commands.idle()
    await waitFor('the stop done', () => outcome('stop-1').includes('done'))
    expect(outcome(queued.id)).toEqual(['accepted', 'failed'])
    expect(row('late')!.reason).toBe('preempted by emergency stop')
    const held = position(2)
    expect(held).toBeLessThan(600) // halfway from the stand pose toward 100
    t += 5000
    expect(Math.abs(position(2) - held)).toBeLessThanOrEqual(4)
    expect(submit({ type: 'servo.move', targets: [{ id: 2, position: 900 }], duration_ms: 0 }).reason).toBe('emergency-stopped: only resume is accepted')
    expect(k.events('estop')).toEqual([{ by: 'op', reason: 'hand in the way' }])
    expect(submit({ type: 'resume' }).state).toBe('accepted')
    await r.commands.idle()
    expect(r.state.estopped).toBe(false)
    expect(submit({ type: 'servo.move', targets: [{ id: 2, position: 900 }], duration_ms: 0 }).state).toBe('accepted')
  })

  test('an action group plays to its end, one motion at a time, and unknown groups are refused', async () => {
    expect(submit({ type: 'action.run', name: 'moonwalk' }).reason).toContain('moonwalk')
    const run = submit({ type: 'action.run', name: 'stand' }, { id: 'grp-1' })
    expect(run).toMatchObject({ state: 'accepted', reason: 'stand: 1 frames x 1' })
    expect(submit({ type: 'servo.move', targets: [{ id: 1, position: 400 }], duration_ms: 0 }).reason).toBe(
      'action group stand is playing; send action.stop or stop first',
    )
    await waitFor('the group done', () => outcome('grp-1').includes('done'), 5000)
    expect(row('grp-1')).toMatchObject({ state: 'done', reason: '1 frame played' })
    expect(k.events('action.started')).toEqual([{ type: 'started', name: 'stand', frames: 1, repeat: 1 }])
    expect(k.events('action.finished')).toEqual([{ type: 'finished', name: 'stand', state: 'done', framesPlayed: 1 }])
    expect(submit({ type: 'servo.move', targets: [{ id: 1, position: 400 }], duration_ms: 0 }).state).toBe('accepted')
  })
})
