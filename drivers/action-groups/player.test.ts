import { describe, expect, test } from 'bun:test'
import type { ActionGroup, ServoTarget } from './d6a.ts'
import { loadActionGroup } from './d6a.ts'
import {
  ActionGroupBusyError,
  ActionGroupPlayError,
  ActionGroupPlayer,
  type ClampFn,
  type MoveFn,
  type PlayerEvent,
  type SleepFn,
  abortableSleep,
} from './player.ts'
import { FakeClock, SHARED_ACTION_GROUPS, flush } from './test-support.ts'

interface MoveCall {
  at: number
  targets: ServoTarget[]
  durationMs: number
}

const noClamp: ClampFn = (_id, p) => p

function group(name: string, durations: number[]): ActionGroup {
  // Frame k puts servo 1 at 100 * (k + 1), so the order of moves is visible in the positions.
  return {
    name,
    frames: durations.map((durationMs, k) => ({
      durationMs,
      positions: [
        { id: 1, position: 100 * (k + 1) },
        { id: 2, position: 500 },
      ],
    })),
  }
}

function rig(options: { move?: MoveFn; clamp?: ClampFn; sleep?: SleepFn } = {}) {
  const clock = new FakeClock()
  const moves: MoveCall[] = []
  const events: PlayerEvent[] = []
  const player = new ActionGroupPlayer({
    move: options.move ?? ((targets, durationMs) => void moves.push({ at: clock.now, targets, durationMs })),
    clamp: options.clamp ?? noClamp,
    sleep: options.sleep ?? clock.sleep,
  })
  player.subscribe((e) => events.push(e))
  return { clock, moves, events, player }
}

/** Tracks whether a promise has settled, without awaiting it. */
function watch<T>(p: Promise<T>): { settled: () => boolean; value: () => T | undefined } {
  let done = false
  let value: T | undefined
  p.then(
    (v) => {
      done = true
      value = v
    },
    () => {
      done = true
    },
  )
  return { settled: () => done, value: () => value }
}

describe('playing', () => {
  test('one move per frame, in order, each followed by its own Time', async () => {
    const { clock, moves, player } = rig()
    const result = watch(player.play(group('g', [100, 250, 50])))
    await clock.advance(399)
    expect(result.settled()).toBe(false) // the last frame's Time is part of the motion
    await clock.advance(1)
    expect(result.value()).toEqual({ state: 'done', framesPlayed: 3 })
    expect(moves.map((m) => [m.at, m.durationMs, m.targets[0].position])).toEqual([
      [0, 100, 100],
      [100, 250, 200],
      [350, 50, 300],
    ])
    // All servos of a frame go in one move.
    expect(moves[1].targets).toEqual([
      { id: 1, position: 200 },
      { id: 2, position: 500 },
    ])
    expect(player.playing).toBe(false)
  })

  test('a real file plays frame by frame', async () => {
    const { clock, moves, player } = rig()
    const wave = loadActionGroup(SHARED_ACTION_GROUPS, 'wave')
    const p = player.play(wave)
    await clock.advance(60_000)
    expect(await p).toEqual({ state: 'done', framesPlayed: 11 })
    expect(moves.map((m) => m.targets)).toEqual(wave.frames.map((f) => f.positions))
    expect(moves.map((m) => m.at)).toEqual([0, 500, 1000, 1200, 1400, 1600, 1800, 2000, 2200, 2400, 2600])
  })

  test('positions go through the clamp', async () => {
    const clamp: ClampFn = (id, p) => (id === 1 ? Math.min(p, 250) : Math.max(p, 600))
    const { clock, moves, player } = rig({ clamp })
    const p = player.play(group('g', [10, 10, 10]))
    await clock.advance(30)
    await p
    expect(moves.map((m) => m.targets)).toEqual([
      [
        { id: 1, position: 100 },
        { id: 2, position: 600 },
      ],
      [
        { id: 1, position: 200 },
        { id: 2, position: 600 },
      ],
      [
        { id: 1, position: 250 },
        { id: 2, position: 600 },
      ],
    ])
  })

  test('a frame with no servos is a pause: nothing sent, Time still waited', async () => {
    const { clock, moves, player } = rig()
    const g: ActionGroup = { name: 'pause', frames: [{ durationMs: 100, positions: [] }, group('x', [10]).frames[0]] }
    const p = player.play(g)
    await clock.advance(110)
    expect(await p).toEqual({ state: 'done', framesPlayed: 2 })
    expect(moves.map((m) => m.at)).toEqual([100])
  })

  test('repeat plays the whole group that many times', async () => {
    const { clock, moves, events, player } = rig()
    const p = player.play(group('g', [10, 20]), { repeat: 3 })
    await clock.advance(90)
    expect(await p).toEqual({ state: 'done', framesPlayed: 6 })
    expect(moves.map((m) => m.at)).toEqual([0, 10, 30, 40, 60, 70])
    const progress = events.filter((e) => e.type === 'progress')
    expect(progress.map((e) => e.type === 'progress' && [e.repetition, e.frame])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
      [3, 1],
      [3, 2],
    ])
  })

  test('repeat 0 runs until stopped', async () => {
    const { clock, moves, player } = rig()
    const p = player.play(group('g', [10, 10]), { repeat: 0 })
    await clock.advance(1000)
    expect(moves.length).toBe(101)
    expect(player.current?.progress).toMatchObject({ repetition: 51, frame: 1, repeat: 0 })
    expect(await player.stop()).toEqual({ state: 'stopped', framesPlayed: 101 })
    expect(await p).toEqual({ state: 'stopped', framesPlayed: 101 })
  })

  test.each([101, -1, 1.5, Number.NaN])('repeat %p is refused', async (repeat) => {
    const { moves, player } = rig()
    await expect(player.play(group('g', [10]), { repeat })).rejects.toThrow(RangeError)
    expect(moves).toEqual([])
    expect(player.playing).toBe(false)
  })

  test('a group without frames is refused', async () => {
    const { player } = rig()
    await expect(player.play({ name: 'empty', frames: [] })).rejects.toThrow(/has no frames/)
  })
})

describe('progress events', () => {
  test('started, one progress per frame after its move, finished', async () => {
    const { clock, events, player } = rig()
    const seen: unknown[] = []
    const p = player.play(group('hello', [10, 10]), { repeat: 2, onProgress: (x) => seen.push(x) })
    await clock.advance(40)
    await p
    expect(events).toEqual([
      { type: 'started', name: 'hello', frames: 2, repeat: 2 },
      { type: 'progress', name: 'hello', frame: 1, frames: 2, repetition: 1, repeat: 2 },
      { type: 'progress', name: 'hello', frame: 2, frames: 2, repetition: 1, repeat: 2 },
      { type: 'progress', name: 'hello', frame: 1, frames: 2, repetition: 2, repeat: 2 },
      { type: 'progress', name: 'hello', frame: 2, frames: 2, repetition: 2, repeat: 2 },
      { type: 'finished', name: 'hello', state: 'done', framesPlayed: 4 },
    ])
    expect(seen).toEqual(events.filter((e) => e.type === 'progress').map(({ type: _t, ...rest }) => rest))
  })

  test('a listener that throws does not stop the motion', async () => {
    const errors: unknown[] = []
    const clock = new FakeClock()
    const moves: number[] = []
    const player = new ActionGroupPlayer({
      move: () => void moves.push(clock.now),
      clamp: noClamp,
      sleep: clock.sleep,
      onListenerError: (e) => errors.push(e),
    })
    player.subscribe(() => {
      throw new Error('ui broke')
    })
    const p = player.play(group('g', [10, 10]), {
      onProgress: () => {
        throw new Error('also broke')
      },
    })
    await clock.advance(20)
    expect(await p).toEqual({ state: 'done', framesPlayed: 2 })
    expect(moves).toEqual([0, 10])
    expect(errors.length).toBeGreaterThan(0)
  })

  test('unsubscribe stops delivery', async () => {
    const { clock, player } = rig()
    const got: PlayerEvent[] = []
    const off = player.subscribe((e) => got.push(e))
    off()
    const p = player.play(group('g', [10]))
    await clock.advance(10)
    await p
    expect(got).toEqual([])
  })
})

describe('stop', () => {
  test('between frames: the frame sent stays sent, the next is never sent', async () => {
    const { clock, moves, events, player } = rig()
    const p = player.play(group('g', [100, 100, 100]))
    await clock.advance(150) // frame 2 was sent at 100, its wait runs
    expect(moves.length).toBe(2)
    const stopped = watch(player.stop())
    await flush()
    // Resolves without waiting out the frame's Time (the clock has not moved).
    expect(stopped.value()).toEqual({ state: 'stopped', framesPlayed: 2 })
    expect(await p).toEqual({ state: 'stopped', framesPlayed: 2 })
    await clock.advance(10_000)
    expect(moves.length).toBe(2)
    expect(clock.pendingTimers).toBe(0)
    expect(events.at(-1)).toEqual({ type: 'finished', name: 'g', state: 'stopped', framesPlayed: 2 })
    expect(player.playing).toBe(false)
  })

  test('right after play(): only the first frame is ever sent', async () => {
    const { clock, moves, player } = rig()
    const p = player.play(group('g', [100, 100]))
    expect(moves.length).toBe(1) // sent synchronously
    await player.stop()
    await clock.advance(1000)
    expect(await p).toEqual({ state: 'stopped', framesPlayed: 1 })
    expect(moves.length).toBe(1)
  })

  test('waits for a move already on the bus, then sends nothing more', async () => {
    const clock = new FakeClock()
    let finishMove = () => {}
    let calls = 0
    const player = new ActionGroupPlayer({
      move: () => {
        calls++
        return new Promise<void>((r) => (finishMove = r))
      },
      clamp: noClamp,
      sleep: clock.sleep,
    })
    const p = player.play(group('g', [10, 10]))
    const stopped = watch(player.stop())
    await flush()
    expect(stopped.settled()).toBe(false) // the bus write is still in progress
    finishMove()
    expect(await p).toEqual({ state: 'stopped', framesPlayed: 1 })
    await clock.advance(100)
    expect(calls).toBe(1)
  })

  test('stop with nothing playing is a no-op', async () => {
    const { player } = rig()
    expect(await player.stop()).toBeNull()
    expect(await player.abort('x')).toBeNull()
  })

  test('a group can play again after a stop', async () => {
    const { clock, moves, player } = rig()
    player.play(group('a', [100, 100]))
    await player.stop()
    const p = player.play(group('b', [10]))
    await clock.advance(10)
    expect(await p).toEqual({ state: 'done', framesPlayed: 1 })
    expect(moves.length).toBe(2)
  })
})

describe('abort (emergency stop)', () => {
  test('within one frame, even if the sleep ignores its signal', async () => {
    const never: SleepFn = () => new Promise(() => {})
    const { moves, events, player } = rig({ sleep: never })
    const p = player.play(group('g', [30_000, 30_000]))
    await flush() // frame 1 is sent and its (never-ending) wait has begun
    expect(events.at(-1)).toMatchObject({ type: 'progress', frame: 1 })
    const result = await player.abort('estop by operator')
    expect(result).toEqual({ state: 'aborted', framesPlayed: 1, reason: 'estop by operator' })
    expect(await p).toEqual(result!)
    expect(moves.length).toBe(1)
    expect(events.at(-1)).toMatchObject({ type: 'finished', state: 'aborted', reason: 'estop by operator' })
  })

  test('does not wait for a move that hangs, and never sends another', async () => {
    const clock = new FakeClock()
    let calls = 0
    let failLate: (e: Error) => void = () => {}
    const player = new ActionGroupPlayer({
      move: () => {
        calls++
        return calls === 1 ? undefined : new Promise<void>((_, reject) => (failLate = reject))
      },
      clamp: noClamp,
      sleep: clock.sleep,
    })
    const p = player.play(group('g', [10, 10, 10]))
    await clock.advance(10) // frame 2's move is now stuck
    expect(calls).toBe(2)
    expect(await player.abort('estop')).toEqual({ state: 'aborted', framesPlayed: 2, reason: 'estop' })
    expect(player.playing).toBe(false)
    failLate(new Error('bus timeout')) // must not surface as an unhandled rejection
    await clock.advance(1000)
    expect(calls).toBe(2)
    expect(await p).toMatchObject({ state: 'aborted' })
  })

  test('abort after stop still reports the e-stop', async () => {
    const { clock, player } = rig()
    const p = player.play(group('g', [100, 100]))
    player.stop()
    player.abort('estop')
    await clock.advance(1)
    expect(await p).toEqual({ state: 'aborted', framesPlayed: 1, reason: 'estop' })
  })

  test("through the caller's AbortSignal", async () => {
    const { clock, moves, player } = rig()
    const ctl = new AbortController()
    const p = player.play(group('g', [100, 100, 100]), { signal: ctl.signal })
    await clock.advance(150)
    ctl.abort('robot tipped over')
    expect(await p).toEqual({ state: 'aborted', framesPlayed: 2, reason: 'robot tipped over' })
    await clock.advance(1000)
    expect(moves.length).toBe(2)
  })

  test('an already-aborted signal sends nothing', async () => {
    const { moves, player } = rig()
    const ctl = new AbortController()
    ctl.abort('estopped')
    expect(await player.play(group('g', [10]), { signal: ctl.signal })).toEqual({
      state: 'aborted',
      framesPlayed: 0,
      reason: 'estopped',
    })
    expect(moves).toEqual([])
  })
})

describe('one motion at a time', () => {
  test('a second play while one runs is refused and does not disturb the first', async () => {
    const { clock, moves, player } = rig()
    const first = player.play(group('walk', [100, 100]))
    await expect(player.play(group('bow', [10]))).rejects.toThrow(ActionGroupBusyError)
    await expect(player.play(group('bow', [10]))).rejects.toThrow(/cannot play bow: action group walk is playing/)
    await clock.advance(200)
    expect(await first).toEqual({ state: 'done', framesPlayed: 2 })
    expect(moves.length).toBe(2)
    expect(player.current).toBeNull()
    const second = player.play(group('bow', [10]))
    await clock.advance(10)
    expect(await second).toEqual({ state: 'done', framesPlayed: 1 })
  })
})

describe('failures', () => {
  test('a failing move rejects play, names the frame, and frees the player', async () => {
    const clock = new FakeClock()
    const events: PlayerEvent[] = []
    let calls = 0
    const player = new ActionGroupPlayer({
      move: async () => {
        if (++calls === 2) throw new Error('servo 5 did not answer')
      },
      clamp: noClamp,
      sleep: clock.sleep,
    })
    player.subscribe((e) => events.push(e))
    const p = player.play(group('g', [10, 10, 10]))
    const failure = p.catch((e: unknown) => e)
    await clock.advance(100)
    const err = (await failure) as ActionGroupPlayError
    expect(err).toBeInstanceOf(ActionGroupPlayError)
    expect(err.message).toBe('action group g: frame 2 of 3 (repetition 1): servo 5 did not answer')
    expect(err.framesPlayed).toBe(2)
    expect(calls).toBe(2)
    expect(player.playing).toBe(false)
    expect(events.at(-1)).toMatchObject({ type: 'finished', state: 'failed', framesPlayed: 2 })
  })

  test('a move that throws synchronously counts as sent and fails the play', async () => {
    const { player } = rig({
      move: () => {
        throw new Error('port closed')
      },
    })
    const err = await player.play(group('g', [10, 10])).catch((e: unknown) => e)
    expect((err as Error).message).toBe('action group g: frame 1 of 2 (repetition 1): port closed')
    expect((err as ActionGroupPlayError).framesPlayed).toBe(1)
    expect(player.playing).toBe(false)
  })

  test('a clamp that refuses a servo fails the play before that frame is sent', async () => {
    const clamp: ClampFn = (id, p) => {
      if (id === 2) throw new Error('servo 2 is not configured')
      return p
    }
    const { moves, player } = rig({ clamp })
    const err = await player.play(group('g', [10])).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ActionGroupPlayError)
    expect((err as Error).message).toMatch(/frame 1 of 1 .*servo 2 is not configured/)
    expect((err as ActionGroupPlayError).framesPlayed).toBe(0)
    expect(moves).toEqual([])
  })
})

describe('the default sleep', () => {
  test('waits for real, and an abort cuts it short', async () => {
    const t0 = performance.now()
    await abortableSleep(20, new AbortController().signal)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(15)

    const ctl = new AbortController()
    const t1 = performance.now()
    const s = abortableSleep(10_000, ctl.signal)
    setTimeout(() => ctl.abort(), 5)
    await s
    expect(performance.now() - t1).toBeLessThan(1000)
  })

  test('a player on real time stops promptly', async () => {
    const moves: number[] = []
    const player = new ActionGroupPlayer({ move: () => void moves.push(1), clamp: noClamp })
    const second = new Promise<void>((r) =>
      player.subscribe((e) => {
        if (e.type === 'progress' && e.frame === 2) r()
      }),
    )
    const p = player.play(group('g', [5, 10_000, 5]))
    await second // the long frame has begun
    const t = performance.now()
    expect(await player.stop()).toEqual({ state: 'stopped', framesPlayed: 2 })
    expect(performance.now() - t).toBeLessThan(100)
    expect(await p).toMatchObject({ state: 'stopped' })
    expect(moves.length).toBe(2)
  })
})
