import { expect, test } from 'bun:test'
import { ago, bitsPerSecond, bytes, duration, jointName, num, signed } from './format.ts'

test('numbers read as a person expects', () => {
  expect(num(null)).toBe('\u2014')
  expect(num(-0.02, 1, '\u00b0')).toBe('0.0\u202f\u00b0')
  expect(signed(-0.02, 1)).toBe('0.0')
  expect(signed(-26.4, 1)).toBe('\u221226.4')
  expect(bytes(1536)).toBe('1.5\u202fKB')
  expect(bitsPerSecond(125_000)).toBe('1.0\u202fMbit/s')
  expect(duration(3 * 86400 + 7200)).toBe('3d 2h')
  expect(jointName('left_knee_pitch')).toBe('Left knee pitch')
})

test('last seen reads as time ago', () => {
  const now = 1_700_000_000_000
  expect(ago(null, now)).toBe('never')
  expect(ago(now - 2_000, now)).toBe('just now')
  expect(ago(now + 3_000, now)).toBe('just now') // a robot clock slightly ahead
  expect(ago(now - 42_000, now)).toBe('42\u202fs ago')
  expect(ago(now - 5 * 60_000, now)).toBe('5\u202fmin ago')
  expect(ago(now - 3 * 3600_000, now)).toBe('3\u202fh ago')
})
