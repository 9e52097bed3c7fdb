import { expect, test } from 'bun:test'
import { niceTicks, tickDigits, timeTicks } from './ticks.ts'

test('value ticks on 1-2-5 steps, with just enough decimals', () => {
  expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100])
  expect(niceTicks(499, 501, 4)).toEqual([499, 499.5, 500, 500.5, 501])
  expect(tickDigits(0.5)).toBe(1)
  expect(tickDigits(20)).toBe(0)
})

test('time ticks fall on whole minutes', () => {
  const from = Date.UTC(2026, 0, 1, 12, 3, 17)
  const { ticks, step } = timeTicks(from, from + 15 * 60_000, 6)
  expect(step).toBe(5 * 60_000)
  for (const t of ticks) expect(t % 60_000).toBe(0)
})
