// The poller alone: its rate, no overlap, no catching up after a slow read, errors counted
// and logged sparingly, and silence after stop. "Did not run" is judged against a second
// poller at the same period: its runs are the proof that a slot came and went.
import { afterEach, describe, expect, test } from 'bun:test'
import { createLogger } from '../../../core/log.ts'
import { Poller } from '../../../edge/poller.ts'
import { waitFor } from '../../support/edge-harness.ts'

const logs: string[] = []
const log = createLogger({ level: 'debug', sink: (l) => logs.push(l) })
const started: Poller[] = []
function poller(name: string, periodMs: number, task: () => unknown): Poller {
  const p = new Poller(name, periodMs, task, log)
  started.push(p)
  p.start()
  return p
}
/** Counts slots of `periodMs` as they pass. */
function metronome(periodMs: number) {
  let beats = 0
  const waiting: { at: number; resolve: () => void }[] = []
  poller('metronome', periodMs, () => {
    beats++
    for (const w of waiting.filter((x) => x.at <= beats)) {
      waiting.splice(waiting.indexOf(w), 1)
      w.resolve()
    }
  })
  return { after: (n: number) => new Promise<void>((resolve) => waiting.push({ at: beats + n, resolve })) }
}
afterEach(() => {
  for (const p of started.splice(0)) p.stop()
  logs.length = 0
})

describe('Poller', () => {
  test('runs its task again and again, once per period', async () => {
    let runs = 0
    poller('count', 5, () => {
      runs++
    })
    await waitFor('five runs', () => runs >= 5)
  })

  test('a read that outlasts its period is not overlapped, and missed slots are skipped, not bunched up', async () => {
    let active = 0,
      most = 0,
      runs = 0
    let release!: () => void
    poller('slow', 20, async () => {
      runs++
      active++
      most = Math.max(most, active)
      if (runs === 1)
        await new Promise<void>((r) => {
          release = r
        })
      active--
    })
    const clock = metronome(20)
    await waitFor('the first run', () => runs === 1 && release)
    await clock.after(10) // ten slots while the first read hangs
    expect(runs).toBe(1)
    release()
    await clock.after(1)
    // One run at once and the schedule goes on; catching up would run the ten missed slots back to back.
    expect(runs).toBeGreaterThan(1)
    expect(runs).toBeLessThanOrEqual(3)
    expect(most).toBe(1)
  })

  test('a failing task is counted, logged for its first failures only, and keeps its schedule', async () => {
    let runs = 0
    const p = poller('failing', 2, () => {
      runs++
      throw new Error('bus timeout')
    })
    await waitFor('eight failures', () => p.errors >= 8)
    expect(runs).toBe(p.errors)
    const warned = logs.filter((l) => l.includes('poll failed'))
    expect(warned).toHaveLength(5)
    expect(JSON.parse(warned[0])).toMatchObject({ level: 'warn', poll: 'failing', errors: 1, error: expect.stringContaining('bus timeout') })
  })

  test('stop ends it: no run after, however many slots pass; start again resumes', async () => {
    let runs = 0
    const p = poller('stopped', 5, () => {
      runs++
    })
    const clock = metronome(5)
    await waitFor('two runs', () => runs >= 2)
    p.stop()
    const at = runs
    await clock.after(6)
    expect(runs).toBe(at)
    p.start()
    await waitFor('running again', () => runs > at)
  })
})
