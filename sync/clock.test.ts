// The boot anchor from a batch: a late arrival cannot misdate a boot whose robot measured its own.
import { expect, test } from 'bun:test'
import { CLOCK_TOLERANCE_MS, correctionFor, measureAnchor } from './clock.ts'

const TRUE_ANCHOR = 1_700_000_000_000
const mono = 50_000

test("without the robot's own measure, a batch that waited 5 s anchors its boot 5 s late", () => {
  expect(measureAnchor(TRUE_ANCHOR + mono + 5_000, mono, 40)).toBe(TRUE_ANCHOR + 5_000 - 20)
})

test("the robot's own measure is taken when arrival allows it, so the wait moves nothing", () => {
  const anchor = measureAnchor(TRUE_ANCHOR + mono + 5_000, mono, 40, TRUE_ANCHOR + 3)
  expect(anchor).toBe(TRUE_ANCHOR + 3)
  // A robot whose clock was right (offset = the true anchor) is then not corrected at all.
  expect(correctionFor({ boot_id: 'b', first_seq: 1, offset_ms: TRUE_ANCHOR }, new Map([['b', anchor]]))).toBe(0)
})

test('a measure arrival rules out (later than the batch came, or a minute before) is not taken', () => {
  const byArrival = measureAnchor(TRUE_ANCHOR + mono, mono)
  expect(measureAnchor(TRUE_ANCHOR + mono, mono, 0, TRUE_ANCHOR + CLOCK_TOLERANCE_MS + 1)).toBe(byArrival)
  expect(measureAnchor(TRUE_ANCHOR + mono, mono, 0, TRUE_ANCHOR - 3_600_000)).toBe(byArrival)
})
