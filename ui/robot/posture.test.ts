import { describe, expect, test } from 'bun:test'
import { GRAVITY } from '../../core/units.ts'
import { classifyPosture, tiltFromVertical } from './posture.ts'

const g = GRAVITY
const deg = Math.PI / 180
/** The simulator's IMU model: pitch tips forward (+z), roll sideways (+x). */
const accel = (pitch: number, roll: number): [number, number, number] => [
  g * Math.sin(roll * deg),
  g * Math.cos(roll * deg) * Math.cos(pitch * deg),
  g * Math.cos(roll * deg) * Math.sin(pitch * deg),
]

describe('posture', () => {
  test('standing, leaning, fallen in each direction', () => {
    expect(classifyPosture(accel(0, 0))).toBe('upright')
    expect(classifyPosture(accel(10, 5))).toBe('upright')
    expect(classifyPosture(accel(35, 0))).toBe('tilted')
    expect(classifyPosture(accel(90, 0))).toBe('fallen-front')
    expect(classifyPosture(accel(-90, 0))).toBe('fallen-back')
    expect(classifyPosture(accel(0, 80))).toBe('fallen-side')
  })

  test("fallen before HiWonder's own detector fires (80 degrees forward, 70 back)", () => {
    expect(classifyPosture(accel(70, 0))).toBe('fallen-front')
    expect(classifyPosture(accel(-66, 0))).toBe('fallen-back')
    expect(tiltFromVertical(accel(45, 0))).toBeCloseTo(45, 5)
  })

  test('no reading, or free fall, is unknown rather than upright', () => {
    expect(classifyPosture(null)).toBe('unknown')
    expect(classifyPosture([0.1, 0.2, 0.1])).toBe('unknown')
  })
})
