import { expect, test } from 'bun:test'
import { bitsPerSecond, bytes, duration, jointName, num, signed } from './format.ts'

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
