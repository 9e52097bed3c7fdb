// Walking as HiWonder plays it, with the real go_forward.d6a and stand.d6a from the shared folder.
// That folder has no go_forward_start / go_forward_end, so the tests write them from the real
// frames: the start goes from the standing pose into go_forward's first frame, the end from its
// last frame back to standing (the shapes of HiWonder's own start and end groups).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { type ActionFrame, loadActionGroup } from './d6a.ts'
import { ActionGroupPlayer, type PlayerEvent } from './player.ts'
import { FakeClock, SHARED_ACTION_GROUPS, flush, tempDir, writeD6a } from './test-support.ts'
import { loadMotion, plannedFrames, WALKING_GROUPS, type Motion } from './walking.ts'

let dir: string
let cleanup: () => void

/** A row of HiWonder's table: Time, then servos 1..16. */
const row = (ms: number, f: ActionFrame) => [ms, ...Array.from({ length: 16 }, (_, i) => f.positions.find((p) => p.id === i + 1)?.position ?? null)]

beforeAll(() => {
  ;({ dir, cleanup } = tempDir())
  for (const n of ['go_forward', 'stand', 'wave']) copyFileSync(join(SHARED_ACTION_GROUPS, `${n}.d6a`), join(dir, `${n}.d6a`))
  const stand = loadActionGroup(dir, 'stand').frames[0]
  const stride = loadActionGroup(dir, 'go_forward').frames
  writeD6a(join(dir, 'go_forward_start.d6a'), [row(300, stand), row(200, stride[0])])
  writeD6a(join(dir, 'go_forward_end.d6a'), [row(200, stride.at(-1)!), row(300, stand), row(300, stand)])
  // Backwards: the real stride played in reverse stands in for `back`.
  writeD6a(join(dir, 'back_start.d6a'), [row(300, stand), row(200, stride.at(-1)!)])
  writeD6a(
    join(dir, 'back.d6a'),
    [...stride].reverse().map((f) => row(f.durationMs, f)),
  )
  writeD6a(join(dir, 'back_end.d6a'), [row(300, stride[0]), row(400, stand)])
})
afterAll(() => cleanup())

function rig() {
  const clock = new FakeClock()
  const sent: { at: number; positions: number[]; ms: number }[] = []
  const events: PlayerEvent[] = []
  const player = new ActionGroupPlayer({
    move: (targets, ms) => void sent.push({ at: clock.now, positions: targets.map((t) => t.position), ms }),
    clamp: (_id, p) => p,
    sleep: clock.sleep,
  })
  player.subscribe((e) => events.push(e))
  return { clock, sent, events, player }
}

/** The frames a sequence of group files sends, as the player sends them. */
function framesOf(...names: string[]) {
  return names.flatMap((n) => loadActionGroup(dir, n).frames.map((f) => ({ positions: f.positions.map((p) => p.position), ms: f.durationMs })))
}
const timeOf = (...names: string[]) => framesOf(...names).reduce((t, f) => t + f.ms, 0)
const shape = (sent: { positions: number[]; ms: number }[]) => sent.map((s) => ({ positions: s.positions, ms: s.ms }))

describe('loadMotion', () => {
  test("the shared folder's go_forward has no start or end installed: it plays as a plain group", () => {
    const m = loadMotion(SHARED_ACTION_GROUPS, 'go_forward')
    expect(m.walk).toBeUndefined()
    expect(m).toEqual(loadActionGroup(SHARED_ACTION_GROUPS, 'go_forward'))
  })

  test('with both installed, go_forward carries go_forward_start and go_forward_end; back its first stride too', () => {
    const m = loadMotion(dir, 'go_forward')
    expect(m.walk!.start.map((g) => g.name)).toEqual(['go_forward_start'])
    expect(m.walk!.end.name).toBe('go_forward_end')
    const b = loadMotion(dir, 'back')
    expect(b.walk!.start.map((g) => g.name)).toEqual(['back_start', 'back'])
    expect(b.walk!.end.name).toBe('back_end')
  })

  test('groups that do not walk are plain; a walking name must itself be installed', () => {
    expect(loadMotion(dir, 'wave').walk).toBeUndefined()
    expect(WALKING_GROUPS.go_forward_fast.start).toEqual(['go_forward_start_fast'])
    expect(() => loadMotion(dir, 'go_forward_fast')).toThrow(/go_forward_fast is not installed/)
  })

  test('a walk with its start but not its end plays as a plain group', () => {
    const { dir: only, cleanup: done } = tempDir()
    try {
      copyFileSync(join(dir, 'go_forward.d6a'), join(only, 'go_forward.d6a'))
      copyFileSync(join(dir, 'go_forward_start.d6a'), join(only, 'go_forward_start.d6a'))
      expect(loadMotion(only, 'go_forward').walk).toBeUndefined()
    } finally {
      done()
    }
  })
})

describe('a walk on the player', () => {
  test("go_forward with one repeat plays go_forward_start then go_forward_end, no stride of its own (as HiWonder's times=1)", async () => {
    const { clock, sent, player } = rig()
    const m = loadMotion(dir, 'go_forward')
    const p = player.play(m, { repeat: 1 })
    await clock.advance(timeOf('go_forward_start', 'go_forward_end'))
    expect(await p).toEqual({ state: 'done', framesPlayed: plannedFrames(m, 1)! })
    expect(shape(sent)).toEqual(framesOf('go_forward_start', 'go_forward_end'))
  })

  test('three repeats: the start, two strides, the end', async () => {
    const { clock, sent, player, events } = rig()
    const m = loadMotion(dir, 'go_forward')
    const p = player.play(m, { repeat: 3 })
    await clock.advance(timeOf('go_forward_start', 'go_forward', 'go_forward', 'go_forward_end'))
    expect(plannedFrames(m, 3)).toBe(2 + 10 + 10 + 3)
    expect(await p).toEqual({ state: 'done', framesPlayed: 25 })
    expect(shape(sent)).toEqual(framesOf('go_forward_start', 'go_forward', 'go_forward', 'go_forward_end'))
    // Progress names the walk and the file playing.
    const parts = events.filter((e) => e.type === 'progress').map((e) => (e.type === 'progress' ? (e.part ?? e.name) : ''))
    expect([...new Set(parts)]).toEqual(['go_forward_start', 'go_forward', 'go_forward_end'])
  })

  test('stopped mid-stride: the stride finishes, then the end group plays, then stop() resolves', async () => {
    const { clock, sent, player } = rig()
    const p = player.play(loadMotion(dir, 'go_forward'), { repeat: 0 })
    await clock.advance(timeOf('go_forward_start') + 300) // a few frames into the first stride
    const stopping = player.stop()
    let resolved = false
    void stopping.then(() => (resolved = true))
    await clock.advance(timeOf('go_forward') - 300 + timeOf('go_forward_end') - 1)
    expect(resolved).toBe(false) // the end group's last frame is still running
    await clock.advance(1)
    expect(await stopping).toMatchObject({ state: 'stopped' })
    expect(await p).toMatchObject({ state: 'stopped', framesPlayed: sent.length })
    expect(shape(sent)).toEqual(framesOf('go_forward_start', 'go_forward', 'go_forward_end'))
    expect(player.playing).toBe(false)
  })

  test('stopped during the start group: it finishes, then straight to the end group', async () => {
    const { clock, sent, player } = rig()
    const p = player.play(loadMotion(dir, 'go_forward'), { repeat: 0 })
    await flush()
    void player.stop()
    await clock.advance(timeOf('go_forward_start', 'go_forward_end'))
    expect(await p).toMatchObject({ state: 'stopped' })
    expect(shape(sent)).toEqual(framesOf('go_forward_start', 'go_forward_end'))
  })

  test('an emergency stop mid-stride stops at once: no frame more, no end group', async () => {
    const { clock, sent, player } = rig()
    const p = player.play(loadMotion(dir, 'go_forward'), { repeat: 0 })
    await clock.advance(timeOf('go_forward_start') + 300)
    const n = sent.length
    expect(await player.abort('emergency stop')).toMatchObject({ state: 'aborted', framesPlayed: n, reason: 'emergency stop' })
    await clock.advance(10_000)
    expect(sent.length).toBe(n)
    expect(await p).toMatchObject({ state: 'aborted' })
  })

  test('an emergency stop after a stop does not wait for the end group either', async () => {
    const { clock, sent, player } = rig()
    const p = player.play(loadMotion(dir, 'go_forward'), { repeat: 0 })
    await clock.advance(timeOf('go_forward_start') + 300)
    void player.stop()
    await clock.advance(timeOf('go_forward') - 300 + 100) // now inside the end group
    const n = sent.length
    expect(n).toBe(framesOf('go_forward_start', 'go_forward').length + 1)
    expect(await player.abort('emergency stop')).toMatchObject({ state: 'aborted' })
    await clock.advance(10_000)
    expect(sent.length).toBe(n)
    expect(await p).toMatchObject({ state: 'aborted' })
  })

  test('walking backwards with one repeat: back_start, one stride of back, back_end', async () => {
    const { clock, sent, player } = rig()
    const m: Motion = loadMotion(dir, 'back')
    const p = player.play(m, { repeat: 1 })
    await clock.advance(timeOf('back_start', 'back', 'back_end'))
    expect(await p).toEqual({ state: 'done', framesPlayed: plannedFrames(m, 1)! })
    expect(shape(sent)).toEqual(framesOf('back_start', 'back', 'back_end'))
  })
})
