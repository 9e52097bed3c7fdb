// The clock watch on a real SQLite file with clocks the test moves: spans start at steps, and a
// reading taken before a step but recorded after it is told in the clock of its span.
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../core/log.ts'
import { openEdgeDatabase } from '../store/database.ts'
import { ClockWatch } from './clock-watch.ts'
import type { RobotClock } from './robot-clock.ts'

const dir = mkdtempSync(join(tmpdir(), 'tonypi-clock-watch-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const FIVE_HOURS = 5 * 3_600_000

function setup(name: string) {
  const db = openEdgeDatabase(join(dir, `${name}.db`))
  let mono = 10_000
  let offset = 1_700_000_000_000 - FIVE_HOURS
  const clock: RobotClock = { bootId: 'boot-1', mono: () => mono, wall: () => mono + offset }
  let seq = 0
  const watch = new ClockWatch({ db, clock, nextSeq: () => seq + 1, log: silentLogger })
  return {
    watch,
    clock,
    advance(ms: number) {
      mono += ms
    },
    step(ms: number) {
      offset += ms
    },
    record() {
      seq++
    },
  }
}

test('a reading stamped before a step and recorded after it is moved into the new clock', () => {
  const t = setup('step')
  expect(t.watch.check()).toBe(true)
  t.record()
  const inFlight = t.clock.wall()
  t.advance(100)
  expect(t.watch.check()).toBe(false)
  expect(t.watch.restamp(inFlight)).toBe(inFlight)
  t.step(FIVE_HOURS)
  expect(t.watch.check()).toBe(true)
  expect(t.watch.spans(0, 5).map((s) => s.offset_ms)).toEqual([1_700_000_000_000 - FIVE_HOURS, 1_700_000_000_000])
  // Taken 100 ms before the step was found: the new clock would have said five hours later.
  expect(t.watch.restamp(inFlight)).toBe(inFlight + FIVE_HOURS)
  // A reading of the new clock is left as it is.
  const fresh = t.clock.wall()
  expect(t.watch.restamp(fresh)).toBe(fresh)
})

test('long after the step, or without one, nothing is moved', () => {
  const t = setup('late')
  t.watch.check()
  const old = t.clock.wall()
  expect(t.watch.restamp(old - 50)).toBe(old - 50)
  t.step(-60_000)
  t.watch.check()
  expect(t.watch.restamp(old)).toBe(old - 60_000)
  t.advance(6_000)
  expect(t.watch.restamp(old)).toBe(old)
})

test('a new boot is a new span, not a step', () => {
  const t = setup('boot')
  t.watch.check()
  const old = t.clock.wall()
  ;(t.clock as { bootId: string }).bootId = 'boot-2'
  t.step(FIVE_HOURS)
  expect(t.watch.check()).toBe(true)
  expect(t.watch.restamp(old)).toBe(old)
})
