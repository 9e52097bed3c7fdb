// HiWonder action groups on the robot: which are installed (`/actions`), which one is
// playing and how far it has got (the live feed's action.* events), and how the last one
// ended. Loaded when a page first needs it, then kept current by events; reloaded after a
// reconnection, since events sent while the link was down are gone.
import { ApiError } from '../lib/api.ts'
import { Observable } from '../lib/observable.ts'
import { api } from '../lib/session.ts'
import type { ActionsResponse, FeedEventName } from '../lib/types.ts'
import { isMissingRoute } from '../lib/use-api.ts'

export interface ActionPlaying {
  name: string
  /** 1-based frame last sent; 0 before the first has gone out. */
  frame: number
  /** null when the robot reported the group before its first frame (no count yet). */
  frames: number | null
  repetition: number
  /** As requested: 0 means until stopped; null when not known yet. */
  repeat: number | null
}

export type ActionEndState = 'done' | 'stopped' | 'aborted' | 'failed'

export interface ActionFinished {
  name: string
  state: ActionEndState
  framesPlayed: number
  reason?: string
}

export type ActionList =
  | { state: 'idle' | 'loading' }
  | { state: 'ok'; dir: string; names: string[]; error?: string }
  | { state: 'missing' }
  | { state: 'error'; message: string }

export interface ActionGroupsView {
  list: ActionList
  playing: ActionPlaying | null
  last: ActionFinished | null
}

const END_STATES = new Set<string>(['done', 'stopped', 'aborted', 'failed'])

const int = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : fallback)

export class ActionGroups {
  readonly view = new Observable<ActionGroupsView>({ list: { state: 'idle' }, playing: null, last: null })
  /** Counts action events, so a list fetched before one cannot undo what it said. */
  private events = 0
  private loading: Promise<void> | null = null

  /** True once a page has asked for the list: only then is it worth reloading on reconnect. */
  get wanted(): boolean {
    return this.view.value.list.state !== 'idle'
  }

  private update(patch: Partial<ActionGroupsView>) {
    this.view.set({ ...this.view.value, ...patch })
  }

  /** Fetches the list and what is playing; calls while one is in flight share it. */
  load(): Promise<void> {
    this.loading ??= this.fetch().finally(() => {
      this.loading = null
    })
    return this.loading
  }

  private async fetch() {
    const cur = this.view.value.list
    if (cur.state !== 'ok') this.update({ list: { state: 'loading' } })
    const at = this.events
    try {
      this.seed(await api<ActionsResponse>('/actions'), at)
    } catch (err) {
      if (isMissingRoute(err)) this.update({ list: { state: 'missing' } })
      // A failed refresh keeps the list it had: the groups on the robot rarely change.
      else if (this.view.value.list.state !== 'ok') {
        this.update({ list: { state: 'error', message: err instanceof ApiError ? err.message : String(err) } })
      }
    }
  }

  /** `eventsAtRequest`: the event count when the request went out. */
  seed(r: ActionsResponse, eventsAtRequest = this.events) {
    const names = [...(r.names ?? [])].sort((a, b) => a.localeCompare(b))
    const list: ActionList = { state: 'ok', dir: r.dir, names, ...(r.error ? { error: r.error } : {}) }
    if (eventsAtRequest !== this.events) return this.update({ list })
    const p = r.playing
    const playing: ActionPlaying | null = !p
      ? null
      : p.progress
        ? { name: p.name, frame: p.progress.frame, frames: p.progress.frames, repetition: p.progress.repetition, repeat: p.progress.repeat }
        : { name: p.name, frame: 0, frames: null, repetition: 1, repeat: null }
    this.update({ list, playing })
  }

  /** After a resume, a play the e-stop aborted is old news: the banner said so, the robot moves on. */
  resumed() {
    if (this.view.value.last?.state === 'aborted') this.update({ last: null })
  }

  /** An `action.*` event from the live feed; false for other events. */
  applyEvent(event: FeedEventName, data: Record<string, unknown>): boolean {
    if (event !== 'action.started' && event !== 'action.progress' && event !== 'action.finished') return false
    const name = typeof data.name === 'string' ? data.name : null
    if (!name) return true
    this.events++
    const prev = this.view.value.playing
    if (event === 'action.started') {
      this.update({ playing: { name, frame: 0, frames: int(data.frames, 0) || null, repetition: 1, repeat: int(data.repeat, 1) } })
    } else if (event === 'action.progress') {
      this.update({
        playing: {
          name,
          frame: int(data.frame, 0),
          frames: int(data.frames, 0) || (prev?.frames ?? null),
          repetition: int(data.repetition, 1),
          repeat: int(data.repeat, prev?.repeat ?? 1),
        },
      })
    } else if (event === 'action.finished') {
      const state = typeof data.state === 'string' && END_STATES.has(data.state) ? (data.state as ActionEndState) : 'done'
      const last: ActionFinished = { name, state, framesPlayed: int(data.framesPlayed, 0), ...(typeof data.reason === 'string' ? { reason: data.reason } : {}) }
      this.update({ playing: prev && prev.name !== name ? prev : null, last })
    }
    return true
  }
}

/** "frame 4 / 11, repetition 2 of 3" for a person. */
export function describeProgress(p: ActionPlaying): string {
  const frame = p.frame === 0 ? 'starting' : `frame ${p.frame}${p.frames ? ` / ${p.frames}` : ''}`
  const rep = p.repeat === 0 ? `repetition ${p.repetition} (until stopped)` : p.repeat && p.repeat > 1 ? `repetition ${p.repetition} of ${p.repeat}` : ''
  return rep ? `${frame}, ${rep}` : frame
}

/** 0..100 through the whole play; through the current repetition when it repeats until stopped. */
export function progressPercent(p: ActionPlaying): number | null {
  if (!p.frames) return null
  const reps = p.repeat && p.repeat > 0 ? p.repeat : 1
  const done = (p.repeat === 0 ? 0 : (p.repetition - 1) * p.frames) + p.frame
  return Math.max(0, Math.min(100, (done / (p.frames * reps)) * 100))
}

export function describeFinished(f: ActionFinished): string {
  const frames = `${f.framesPlayed} frame${f.framesPlayed === 1 ? '' : 's'}`
  switch (f.state) {
    case 'done':
      return `${f.name} finished (${frames})`
    case 'stopped':
      return `${f.name} stopped after ${frames}`
    case 'aborted':
      return `${f.name} aborted after ${frames}${f.reason ? `: ${f.reason}` : ''}`
    case 'failed':
      return `${f.name} failed after ${frames}${f.reason ? `: ${f.reason}` : ''}`
  }
}
