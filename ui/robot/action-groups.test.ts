import { describe, expect, test } from 'bun:test'
import { ActionGroups, describeFinished, describeProgress, progressPercent } from './action-groups.ts'

const listing = (
  playing: { name: string; progress: null | { name: string; frame: number; frames: number; repetition: number; repeat: number } } | null = null,
) => ({ dir: '/home/pi/TonyPi/ActionGroups', names: ['wave', 'stand', 'bow'], playing })

describe('ActionGroups', () => {
  test('seeds the list (sorted) and what is playing, with or without progress yet', () => {
    const a = new ActionGroups()
    a.seed(listing({ name: 'wave', progress: { name: 'wave', frame: 3, frames: 11, repetition: 2, repeat: 0 } }))
    const v = a.view.value
    expect(v.list).toEqual({ state: 'ok', dir: '/home/pi/TonyPi/ActionGroups', names: ['bow', 'stand', 'wave'] })
    expect(v.playing).toEqual({ name: 'wave', frame: 3, frames: 11, repetition: 2, repeat: 0 })
    a.seed(listing({ name: 'bow', progress: null }))
    expect(a.view.value.playing).toEqual({ name: 'bow', frame: 0, frames: null, repetition: 1, repeat: null })
  })

  test('started, progress and finished events drive the play; the end is remembered', () => {
    const a = new ActionGroups()
    a.seed(listing())
    expect(a.applyEvent('action.started', { type: 'started', name: 'wave', frames: 11, repeat: 3 })).toBe(true)
    expect(a.view.value.playing).toEqual({ name: 'wave', frame: 0, frames: 11, repetition: 1, repeat: 3 })
    a.applyEvent('action.progress', { type: 'progress', name: 'wave', frame: 4, frames: 11, repetition: 2, repeat: 3 })
    expect(a.view.value.playing).toEqual({ name: 'wave', frame: 4, frames: 11, repetition: 2, repeat: 3 })
    a.applyEvent('action.finished', { type: 'finished', name: 'wave', state: 'stopped', framesPlayed: 15 })
    expect(a.view.value.playing).toBeNull()
    expect(a.view.value.last).toEqual({ name: 'wave', state: 'stopped', framesPlayed: 15 })
    expect(a.applyEvent('servo.silent', { servo_id: 3 })).toBe(false)
  })

  test('a play the e-stop aborted is cleared by the resume; one that ended otherwise stays', () => {
    const a = new ActionGroups()
    a.applyEvent('action.finished', { name: 'go_forward', state: 'aborted', framesPlayed: 3, reason: 'emergency stop' })
    a.resumed()
    expect(a.view.value.last).toBeNull()
    a.applyEvent('action.finished', { name: 'stand', state: 'done', framesPlayed: 1 })
    a.resumed()
    expect(a.view.value.last?.name).toBe('stand')
  })

  test('a listing fetched before an event cannot undo it', () => {
    const a = new ActionGroups()
    const before = (a as unknown as { events: number }).events
    a.applyEvent('action.started', { name: 'stand', frames: 1, repeat: 1 })
    a.seed(listing(null), before)
    expect(a.view.value.playing?.name).toBe('stand')
    expect(a.view.value.list.state).toBe('ok')
  })

  test('what a person reads', () => {
    const p = { name: 'wave', frame: 4, frames: 11, repetition: 2, repeat: 3 }
    expect(describeProgress(p)).toBe('frame 4 / 11, repetition 2 of 3')
    expect(describeProgress({ ...p, repeat: 0 })).toBe('frame 4 / 11, repetition 2 (until stopped)')
    expect(describeProgress({ ...p, repetition: 1, repeat: 1 })).toBe('frame 4 / 11')
    expect(describeProgress({ ...p, frame: 0 })).toBe('starting, repetition 2 of 3')
    expect(progressPercent(p)).toBeCloseTo((15 / 33) * 100, 5)
    expect(progressPercent({ ...p, repeat: 0 })).toBeCloseTo((4 / 11) * 100, 5)
    expect(progressPercent({ ...p, frames: null })).toBeNull()
    expect(describeFinished({ name: 'stand', state: 'done', framesPlayed: 1 })).toBe('stand finished (1 frame)')
    expect(describeFinished({ name: 'wave', state: 'aborted', framesPlayed: 5, reason: 'emergency stop' })).toBe('wave aborted after 5 frames: emergency stop')
  })
})
