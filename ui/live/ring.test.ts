import { expect, test } from 'bun:test'
import { Ring } from './ring.ts'

test('keeps the newest points, oldest first, and counts changes', () => {
  const r = new Ring(3)
  for (let i = 1; i <= 5; i++) r.push(i * 10, i)
  expect(r.size).toBe(3)
  expect([r.valueAt(0), r.valueAt(1), r.valueAt(2)]).toEqual([3, 4, 5])
  expect(r.timeAt(0)).toBe(30)
  expect(r.last).toBe(5)
  expect(r.version).toBe(5)
})
