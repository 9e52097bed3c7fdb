import { describe, expect, test } from 'bun:test'
import { GRAVITY } from '../units.ts'
import { AlertEngine } from './engine.ts'
import { defaultRules } from './defaults.ts'
import { FallDetector, type Posture } from './fall-detector.ts'

const UPRIGHT: [number, number, number] = [0, GRAVITY, 0.3]
const ON_FRONT: [number, number, number] = [0.2, 0.5, GRAVITY] // atan2 ~ 3 degrees
const ON_BACK: [number, number, number] = [0.2, 0.5, -GRAVITY] // atan2 ~ 177 degrees

function run(d: FallDetector, accel: [number, number, number], n: number): Posture {
  let p: Posture = d.current
  for (let i = 0; i < n; i++) p = d.update(accel).posture
  return p
}

describe("HiWonder's fall rule", () => {
  test('five consecutive readings on the front or back, not four', () => {
    const front = new FallDetector()
    expect(run(front, ON_FRONT, 4)).toBe('upright')
    expect(run(front, ON_FRONT, 1)).toBe('front')
    const back = new FallDetector()
    expect(run(back, ON_BACK, 4)).toBe('upright')
    expect(run(back, ON_BACK, 1)).toBe('back')
  })

  test('an upright reading in between restarts the count (a jolt is not a fall)', () => {
    const d = new FallDetector()
    for (let i = 0; i < 20; i++) {
      run(d, ON_FRONT, 4)
      run(d, UPRIGHT, 1)
    }
    expect(d.current).toBe('upright')
  })

  test('getting up also takes five upright readings', () => {
    const d = new FallDetector()
    run(d, ON_BACK, 5)
    expect(run(d, UPRIGHT, 4)).toBe('back')
    expect(run(d, UPRIGHT, 1)).toBe('upright')
  })

  test('the angle is the one HiWonder computes: about 90 upright', () => {
    const d = new FallDetector()
    expect(d.update(UPRIGHT).angle).toBeCloseTo(88.25, 1)
  })
})

/**
 * A topple as the simulator models it (drivers/sim/model.ts): the body pitches from upright to
 * +-90 degrees like an inverted pendulum (angle ~ t^2) in 0.6 s, then lies still; the sensor
 * sees gravity's reaction with a little noise. Core may not import the simulator, so the
 * curve is restated here; test/edge/sim-faults.test.ts checks the real one end to end.
 */
function toppleAccel(dir: 'front' | 'back', ms: number, noise: () => number): [number, number, number] {
  const x = Math.min(1, Math.max(0, ms / 600))
  const pitch = (dir === 'front' ? 90 : -90) * x * x * (Math.PI / 180)
  return [noise(), GRAVITY * Math.cos(pitch) + noise(), GRAVITY * Math.sin(pitch) + noise()]
}

describe('a topple at 100 Hz', () => {
  let seed = 11
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.06
  const fallRule = defaultRules('2S').find((r) => r.metric === 'fall')!

  for (const dir of ['front', 'back'] as const) {
    test(`to the ${dir}: detected before the robot has lain still for 0.1 s, one critical alert within a second`, () => {
      const d = new FallDetector()
      const engine = new AlertEngine([fallRule])
      let detectedAt: number | null = null
      const changes = []
      for (let t = 0; t <= 2000; t += 10) {
        const s = d.update(toppleAccel(dir, t, noise))
        if (s.posture !== 'upright' && detectedAt === null) detectedAt = t
        changes.push(
          ...engine.evaluate(
            { metric: 'fall', source: '', value: s.posture === 'upright' ? 0 : 1, ts: t, shown: { value: s.angle, threshold: 0, note: s.posture } },
            t,
          ),
        )
      }
      expect(d.current).toBe(dir)
      expect(detectedAt!).toBeLessThan(700)
      expect(changes.map((c) => `${c.kind}:${c.severity}`)).toEqual(['open:critical'])
      expect(changes[0].ts).toBeLessThanOrEqual(1000)
      expect(changes[0].note).toBe(dir)
    })
  }

  test('getting back up resolves it', () => {
    const d = new FallDetector()
    const engine = new AlertEngine([fallRule])
    const kinds: string[] = []
    for (let t = 0; t <= 4000; t += 10) {
      // Down in 0.6 s, on the back until 2 s, then upright again.
      const accel = t < 2000 ? toppleAccel('back', t, noise) : ([noise(), GRAVITY, noise()] as [number, number, number])
      const s = d.update(accel)
      kinds.push(...engine.evaluate({ metric: 'fall', source: '', value: s.posture === 'upright' ? 0 : 1, ts: t }, t).map((c) => c.kind))
    }
    expect(kinds).toEqual(['open', 'resolve'])
  })
})
