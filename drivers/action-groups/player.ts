/**
 * Plays an action group on a robot: one move per frame (every servo of the frame in one bus
 * transaction), then the frame's Time before the next, as HiWonder's runAction does.
 *
 * One group at a time: a second play while one runs is refused, not queued. A queued motion
 * would start from whatever pose the first one left, at a moment the operator no longer chose.
 *
 * Two ways to end early:
 * - stop(): the normal "action.stop", before the next frame is sent. Waits for a move already
 *   handed to the driver to return, so when it resolves nothing of ours is still on the bus. A
 *   walk (walking.ts) instead finishes its stride in progress and then plays its end group, as
 *   HiWonder's stopActionGroup does, so the robot is not left on one foot.
 * - abort(reason): the emergency path, before the next frame, walk or not: never waits for an
 *   end group. Resolves at once even if the driver's move hangs (a stuck bus write must not delay
 *   an e-stop); the caller halts the servos with the driver's stop().
 * Neither halts the servos itself: a servo finishes the move it was sent; halting in place is the
 * driver's job, and the edge calls it for an e-stop.
 */

import type { ActionGroup, ServoTarget } from './d6a.ts'
import type { Motion } from './walking.ts'
import type { PlayerEvent, PlayProgress, PlayResult, PlayState } from '../../core/action-play.ts'

export type { PlayerEvent, PlayProgress, PlayResult, PlayState }

export type MoveFn = (targets: ServoTarget[], durationMs: number) => Promise<void> | void
/** Resolves after `ms`, or early once `signal` aborts (the player does not rely on the latter). */
export type SleepFn = (ms: number, signal: AbortSignal) => Promise<void>
/** Per-servo limits; may throw for a servo the robot does not have, which fails the play. */
export type ClampFn = (id: number, position: number) => number

export interface PlayOptions {
  /** 1..100, or 0 for until stopped. Default 1. */
  repeat?: number
  /** Aborting it is abort(signal.reason). */
  signal?: AbortSignal
  onProgress?: (progress: PlayProgress) => void
}

export interface ActionGroupPlayerOptions {
  move: MoveFn
  clamp: ClampFn
  sleep?: SleepFn
  /** A listener that throws must not stop a robot mid-motion; it is reported here instead. */
  onListenerError?: (err: unknown) => void
}

export const MAX_REPEAT = 100

/** Refused because another group is playing. */
export class ActionGroupBusyError extends Error {
  override name = 'ActionGroupBusyError'
}

/** The driver (or clamp) failed during a play; the message says which frame. */
export class ActionGroupPlayError extends Error {
  override name = 'ActionGroupPlayError'
  constructor(
    message: string,
    /** Frames handed to the driver before (and including) the one that failed. */
    readonly framesPlayed = 0,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** The default sleep: a real timer that an abort cuts short (so no timer outlives a play). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

/** Marks a failure before the frame reached the driver. */
class ClampError extends Error {
  override name = 'ClampError'
}

interface Run {
  name: string
  /** Fired by stop() and abort(): send no further frame, cut the wait. */
  wake: AbortController
  /** Fired by abort() only: also stop waiting for a move in flight. */
  hard: AbortController
  reason?: string
  progress: PlayProgress | null
  promise: Promise<PlayResult>
}

export class ActionGroupPlayer {
  private readonly move: MoveFn
  private readonly clamp: ClampFn
  private readonly sleep: SleepFn
  private readonly onListenerError: (err: unknown) => void
  private readonly listeners = new Set<(event: PlayerEvent) => void>()
  private run: Run | null = null

  constructor(options: ActionGroupPlayerOptions) {
    this.move = options.move
    this.clamp = options.clamp
    this.sleep = options.sleep ?? abortableSleep
    this.onListenerError = options.onListenerError ?? ((err) => console.error('action group listener failed:', err))
  }

  get playing(): boolean {
    return this.run !== null
  }

  /** Name and latest progress of the group playing, or null. */
  get current(): { name: string; progress: PlayProgress | null } | null {
    return this.run && { name: this.run.name, progress: this.run.progress }
  }

  /** Returns an unsubscribe function. */
  subscribe(listener: (event: PlayerEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Plays `group` (a walk with its start and end, see walking.ts). The first frame's move is
   * sent before this returns. Rejects with ActionGroupBusyError while another group plays, with
   * RangeError for a bad repeat, and with ActionGroupPlayError when the driver fails.
   */
  play(group: Motion, options: PlayOptions = {}): Promise<PlayResult> {
    const repeat = options.repeat ?? 1
    if (this.run) {
      return Promise.reject(
        new ActionGroupBusyError(`cannot play ${group.name}: action group ${this.run.name} is playing (stop it first; one motion at a time)`),
      )
    }
    if (!Number.isInteger(repeat) || repeat < 0 || repeat > MAX_REPEAT) {
      return Promise.reject(new RangeError(`repeat must be an integer in 1..${MAX_REPEAT}, or 0 for until stopped; got ${repeat}`))
    }
    if (group.frames.length === 0) {
      return Promise.reject(new ActionGroupPlayError(`action group ${group.name} has no frames`))
    }

    // Settled through a deferred so stop() works even when called from inside the first move.
    const settled = Promise.withResolvers<PlayResult>()
    const run: Run = {
      name: group.name,
      wake: new AbortController(),
      hard: new AbortController(),
      progress: null,
      promise: settled.promise,
    }
    this.run = run
    const external = options.signal
    const onExternalAbort = () => this.abortRun(run, String(external?.reason ?? 'aborted'))
    if (external?.aborted) onExternalAbort()
    else external?.addEventListener('abort', onExternalAbort, { once: true })

    this.emit({ type: 'started', name: group.name, frames: group.frames.length, repeat })
    this.playFrames(group, repeat, run, options.onProgress).then(
      (result) => {
        this.finish(run, external, onExternalAbort)
        this.emit({ type: 'finished', name: group.name, ...result })
        settled.resolve(result)
      },
      (err: unknown) => {
        this.finish(run, external, onExternalAbort)
        const framesPlayed = err instanceof ActionGroupPlayError ? err.framesPlayed : 0
        this.emit({ type: 'finished', name: group.name, state: 'failed', framesPlayed, reason: (err as Error)?.message })
        settled.reject(err)
      },
    )
    return run.promise
  }

  /**
   * Sends no further frame (a walk: none after its stride in progress and its end group);
   * resolves with the play's result (null when nothing plays).
   */
  stop(): Promise<PlayResult | null> {
    const run = this.run
    if (!run) return Promise.resolve(null)
    run.wake.abort()
    return run.promise.catch(() => null)
  }

  /** Emergency: sends no further frame and resolves without waiting for a move in flight. */
  abort(reason: string): Promise<PlayResult | null> {
    const run = this.run
    if (!run) return Promise.resolve(null)
    this.abortRun(run, reason)
    return run.promise.catch(() => null)
  }

  private abortRun(run: Run, reason: string): void {
    run.reason ??= reason
    run.hard.abort()
    run.wake.abort()
  }

  private finish(run: Run, external: AbortSignal | undefined, onExternalAbort: () => void): void {
    external?.removeEventListener('abort', onExternalAbort)
    // Clears the pending timer of the last wait, whatever ended the play.
    run.wake.abort()
    if (this.run === run) this.run = null
  }

  private async playFrames(motion: Motion, repeat: number, run: Run, onProgress: ((p: PlayProgress) => void) | undefined): Promise<PlayResult> {
    const count = { frames: 0 }
    const ended = (): PlayResult =>
      run.hard.signal.aborted ? { state: 'aborted', framesPlayed: count.frames, reason: run.reason } : { state: 'stopped', framesPlayed: count.frames }
    const part = (group: ActionGroup, repetition: number, stoppable: boolean) =>
      this.playGroup(group, { motion: motion.name, repetition, repeat, stoppable }, run, count, onProgress)

    const walk = motion.walk
    if (!walk) {
      for (let repetition = 1; repeat === 0 || repetition <= repeat; repetition++) {
        if (!(await part(motion, repetition, true))) return ended()
      }
      return { state: 'done', framesPlayed: count.frames }
    }
    // A walk (walking.ts): a stop lets the group in progress finish, then the end group plays;
    // only an abort cuts a group short.
    let repetition = 1
    for (const g of walk.start) if (!(await part(g, repetition, false))) return ended()
    while (!run.wake.signal.aborted && (repeat === 0 || repetition < repeat)) {
      if (!(await part(motion, ++repetition, false))) return ended()
    }
    if (!(await part(walk.end, repetition, false))) return ended()
    return run.wake.signal.aborted ? { state: 'stopped', framesPlayed: count.frames } : { state: 'done', framesPlayed: count.frames }
  }

  /**
   * Plays one group's frames. False when the run was cut short before its end: by an abort, or
   * by a stop when `stoppable` (a walk's parts are not: they always finish their stride).
   */
  private async playGroup(
    group: ActionGroup,
    at: { motion: string; repetition: number; repeat: number; stoppable: boolean },
    run: Run,
    count: { frames: number },
    onProgress: ((p: PlayProgress) => void) | undefined,
  ): Promise<boolean> {
    const frames = group.frames.length
    // What ends the waits: a stop as well as an abort for a stoppable group, only an abort otherwise.
    const cut = at.stoppable ? run.wake.signal : run.hard.signal
    for (let i = 0; i < frames; i++) {
      if (cut.aborted) return false
      const frame = group.frames[i]
      const where = `action group ${group.name}: frame ${i + 1} of ${frames} (repetition ${at.repetition})`

      let moving: Promise<void>
      try {
        const targets = frame.positions.map((t) => ({ id: t.id, position: this.clampPosition(t) }))
        // A frame of NULLs only is a pause: there is nothing to send.
        const sent = targets.length > 0 ? this.move(targets, frame.durationMs) : undefined
        count.frames++
        moving = Promise.resolve(sent)
      } catch (err) {
        // A move that throws synchronously was still handed to the driver; a clamp that
        // throws means nothing was.
        if (!(err instanceof ClampError)) count.frames++
        moving = Promise.reject(err)
      }
      // The frame's time runs from the moment its move is sent, as on HiWonder's player, so a
      // slow bus write does not stretch the motion.
      const waiting = this.sleep(frame.durationMs, cut)

      try {
        if (!(await settledUnlessAborted(moving, run.hard.signal))) return false
      } catch (err) {
        waiting.catch(() => {})
        throw new ActionGroupPlayError(`${where}: ${(err as Error)?.message ?? String(err)}`, count.frames, { cause: err })
      }

      const progress: PlayProgress = {
        name: at.motion,
        frame: i + 1,
        frames,
        repetition: at.repetition,
        repeat: at.repeat,
        ...(group.name !== at.motion ? { part: group.name } : {}),
      }
      run.progress = progress
      this.emit({ type: 'progress', ...progress })
      if (onProgress) this.callListener(() => onProgress(progress))

      // An injected sleep that ignores the signal must not delay a stop.
      await settledUnlessAborted(
        waiting.catch(() => {}),
        cut,
      )
    }
    return true
  }

  private clampPosition(t: ServoTarget): number {
    let p: number
    try {
      p = this.clamp(t.id, t.position)
    } catch (err) {
      throw new ClampError((err as Error)?.message ?? String(err), { cause: err })
    }
    if (!Number.isFinite(p)) throw new ClampError(`clamp gave ${p} for servo ${t.id}`)
    return p
  }

  private emit(event: PlayerEvent): void {
    for (const listener of this.listeners) this.callListener(() => listener(event))
  }

  private callListener(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.onListenerError(err)
    }
  }
}

/**
 * True once `p` has settled (rethrowing its error), false as soon as `signal` aborts first.
 * The abandoned promise gets a handler so its later failure is not an unhandled rejection.
 */
function settledUnlessAborted(p: Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) {
    p.catch(() => {})
    return Promise.resolve(false)
  }
  return new Promise<boolean>((resolve, reject) => {
    const onAbort = () => {
      p.catch(() => {})
      resolve(false)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      () => {
        signal.removeEventListener('abort', onAbort)
        resolve(true)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}
