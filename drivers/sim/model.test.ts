import { describe, expect, test } from 'bun:test'
import { TONYPI_SERVOS, TONYPI_STAND_POSE } from '../../core/tonypi-servos.ts'
import { attitudeFromAccel } from '../../core/units.ts'
import { MAX_SPEED_UNITS_PER_MS, SimulatedTonyPi } from './model.ts'
import { Prng } from './prng.ts'

const T0 = 1_700_000_000_000
const MINUTE = 60_000

function fallAngle(robot: SimulatedTonyPi): number {
  const [, ay, az] = robot.readImu().accel
  return (Math.atan2(ay, az) * 180) / Math.PI
}

/** Swing every servo between stand pose +-swing, one leg of the swing per periodMs, until endMs. */
function exercise(robot: SimulatedTonyPi, fromMs: number, endMs: number, swing = 150, periodMs = 1000): void {
  let sign = 1
  for (let t = fromMs; t < endMs; t += periodMs) {
    robot.move(
      robot.servoIds.map((id) => ({ id, position: TONYPI_STAND_POSE[id - 1] + sign * swing })),
      periodMs,
      t,
    )
    sign = -sign
  }
  robot.step(endMs)
}

describe('tonypi servo table', () => {
  test('ids 1..16, unique names, stand pose of 16', () => {
    expect(TONYPI_SERVOS.map((s) => s.id)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1))
    expect(new Set(TONYPI_SERVOS.map((s) => s.name)).size).toBe(16)
    expect(TONYPI_STAND_POSE).toHaveLength(16)
  })
})

describe('prng', () => {
  test('same seed, same sequence; different seeds differ', () => {
    const a = new Prng(7)
    const b = new Prng(7)
    const c = new Prng(8)
    const sa = Array.from({ length: 5 }, () => a.next())
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(sa)
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(sa)
    for (const x of sa) expect(x >= 0 && x < 1).toBe(true)
  })

  test('gaussian has mean ~0 and standard deviation ~1', () => {
    const p = new Prng(3)
    const xs = Array.from({ length: 20000 }, () => p.gaussian())
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length)
    expect(Math.abs(mean)).toBeLessThan(0.03)
    expect(Math.abs(sd - 1)).toBeLessThan(0.03)
  })
})

describe('servo motion', () => {
  test('starts at the stand pose with torque on', () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    for (const id of r.servoIds) {
      expect(r.positionOf(id)).toBe(TONYPI_STAND_POSE[id - 1])
      expect(Math.abs(r.readPosition(id) - TONYPI_STAND_POSE[id - 1])).toBeLessThanOrEqual(2)
      expect(r.isTorqueOn(id)).toBe(true)
    }
  })

  test('reaches the target in the commanded time, partway at half time', () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    r.move([{ id: 5, position: 300 }], 1000, T0 + 100)
    r.step(T0 + 600)
    expect(r.positionOf(5)).toBeCloseTo(400, 6)
    expect(r.isMoving(5)).toBe(true)
    expect(Math.abs(r.readPosition(5) - 400)).toBeLessThanOrEqual(2)
    r.step(T0 + 1099)
    expect(r.positionOf(5)).toBeGreaterThan(300)
    r.step(T0 + 1100)
    expect(r.positionOf(5)).toBe(300)
    expect(r.isMoving(5)).toBe(false)
    expect(Math.abs(r.readPosition(5) - 300)).toBeLessThanOrEqual(2)
  })

  test('duration 0 moves at the top speed, not instantly', () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    r.move([{ id: 1, position: 1000 }], 0, T0) // 500 units
    const arrival = 500 / MAX_SPEED_UNITS_PER_MS
    expect(arrival).toBeCloseTo(400, 6) // 0.2 s per 60 degrees
    r.step(T0 + 200)
    expect(r.positionOf(1)).toBeCloseTo(750, 6)
    r.step(T0 + arrival)
    expect(r.positionOf(1)).toBe(1000)
  })

  test('targets are clamped to 0..1000', () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    r.move(
      [
        { id: 1, position: 1500 },
        { id: 2, position: -200 },
      ],
      2000,
      T0,
    )
    r.step(T0 + 5000)
    expect(r.positionOf(1)).toBe(1000)
    expect(r.positionOf(2)).toBe(0)
    // A servo at 0 can report a little below it, as the real ones do.
    const reads = Array.from({ length: 200 }, () => r.readPosition(2))
    expect(Math.min(...reads)).toBeGreaterThanOrEqual(-2)
    expect(Math.max(...reads)).toBeLessThanOrEqual(2)
  })

  test('stop halts mid-move', () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    r.move([{ id: 3, position: 900 }], 1000, T0)
    r.stop([3], T0 + 250)
    expect(r.positionOf(3)).toBeCloseTo(600, 6)
    expect(r.isMoving(3)).toBe(false)
    r.step(T0 + 2000)
    expect(r.positionOf(3)).toBeCloseTo(600, 6)
  })

  test('a new move starts from where the servo is', () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    r.move([{ id: 3, position: 900 }], 1000, T0) // 500 -> 900
    r.move([{ id: 3, position: 500 }], 500, T0 + 500) // from 700
    r.step(T0 + 750)
    expect(r.positionOf(3)).toBeCloseTo(600, 6)
  })

  test('torque off goes limp in place; a move loads it again', () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    r.move([{ id: 7, position: 400 }], 1000, T0)
    r.setTorque([7], false, T0 + 500)
    r.step(T0 + 1500)
    expect(r.isTorqueOn(7)).toBe(false)
    expect(r.positionOf(7)).toBeCloseTo(600, 6)
    r.move([{ id: 7, position: 500 }], 100, T0 + 1500)
    expect(r.isTorqueOn(7)).toBe(true)
  })

  test('commands for absent ids are ignored; reads of them throw', () => {
    const r = new SimulatedTonyPi({ startMs: T0, servoIds: [1, 2] })
    r.move([{ id: 9, position: 100 }], 100, T0)
    expect(() => r.readPosition(9)).toThrow(RangeError)
    expect(r.servoIds).toEqual([1, 2])
  })

  test('silence is recorded, the model keeps working', () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    r.setSilent(4, true)
    expect(r.isSilent(4)).toBe(true)
    expect(r.isSilent(5)).toBe(false)
    expect(typeof r.readPosition(4)).toBe('number')
  })
})

describe('temperature', () => {
  test('a hot servo cools toward ambient within minutes', () => {
    const r = new SimulatedTonyPi({ startMs: T0, ambientC: 25 })
    r.setTemperature(2, 70)
    expect(r.readTemperature(2)).toBe(70)
    r.step(T0 + 3 * MINUTE)
    const after3 = r.readTemperature(2)
    expect(after3).toBeLessThan(50)
    expect(after3).toBeGreaterThan(35)
    r.step(T0 + 30 * MINUTE)
    // Settles a few degrees over ambient while holding its pose.
    expect(r.readTemperature(2)).toBeGreaterThanOrEqual(26)
    expect(r.readTemperature(2)).toBeLessThanOrEqual(31)
  })

  test('heat() adds to the temperature', () => {
    const r = new SimulatedTonyPi({ startMs: T0, ambientC: 20 })
    r.heat(6, 15)
    expect(r.readTemperature(6)).toBe(35)
  })

  test('a limp servo cools right down to ambient', () => {
    const r = new SimulatedTonyPi({ startMs: T0, ambientC: 25 })
    r.setTorque(undefined, false, T0)
    r.setTemperature(1, 60)
    r.step(T0 + 60 * MINUTE)
    expect(r.readTemperature(1)).toBe(25)
  })

  test('motion heats a servo far more than holding', () => {
    const moving = new SimulatedTonyPi({ startMs: T0 })
    const idle = new SimulatedTonyPi({ startMs: T0 })
    exercise(moving, T0, T0 + 10 * MINUTE, 300, 800) // 0.75 units/ms, brisk
    idle.step(T0 + 10 * MINUTE)
    const hot = moving.readTemperature(4)
    expect(hot).toBeGreaterThanOrEqual(45)
    expect(hot).toBeLessThanOrEqual(65)
    expect(idle.readTemperature(4)).toBeLessThanOrEqual(30)
  })
})

describe('battery and supply', () => {
  test('starts full: a 2S pack reads near 8.4 V, a 3S near 12.6 V', () => {
    const two = new SimulatedTonyPi({ startMs: T0 }).readBattery().voltageMv
    const three = new SimulatedTonyPi({ startMs: T0, pack: '3S' }).readBattery().voltageMv
    expect(two).toBeGreaterThan(8200)
    expect(two).toBeLessThanOrEqual(8400)
    expect(three).toBeGreaterThan(12300)
    expect(three).toBeLessThanOrEqual(12600)
  })

  test('drains faster under motion than idle', () => {
    const moving = new SimulatedTonyPi({ startMs: T0 })
    const idle = new SimulatedTonyPi({ startMs: T0 })
    exercise(moving, T0, T0 + 10 * MINUTE)
    idle.step(T0 + 10 * MINUTE)
    const usedMoving = 1 - moving.batteryCharge()
    const usedIdle = 1 - idle.batteryCharge()
    expect(usedIdle).toBeGreaterThan(0)
    expect(usedMoving).toBeGreaterThan(2.5 * usedIdle)
    expect(moving.readBattery().voltageMv).toBeLessThan(idle.readBattery().voltageMv)
  })

  test('a full pack lasts hours idle and about an hour of continuous motion', () => {
    const idle = new SimulatedTonyPi({ startMs: T0 })
    idle.step(T0 + 120 * MINUTE)
    expect(idle.batteryCharge()).toBeGreaterThan(0.2)
    const moving = new SimulatedTonyPi({ startMs: T0 })
    exercise(moving, T0, T0 + 30 * MINUTE)
    expect(moving.batteryCharge()).toBeGreaterThan(0.2)
    expect(moving.batteryCharge()).toBeLessThan(0.8)
  })

  test('voltage falls as the charge does', () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    const full = r.readBattery().voltageMv
    r.setBatteryCharge(0.5)
    const half = r.readBattery().voltageMv
    r.setBatteryCharge(0)
    const empty = r.readBattery().voltageMv
    expect(half).toBeLessThan(full - 500)
    expect(empty).toBeLessThan(half - 800)
    expect(empty).toBeLessThan(6000)
    expect(empty).toBeGreaterThan(5700)
  })

  test('servo supply sags under load and sits below the pack voltage', () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    r.step(T0 + 1000)
    const idleServo = r.readVoltage(1)
    const idlePack = r.readBattery().voltageMv
    expect(idleServo).toBeLessThan(idlePack)
    r.move(
      r.servoIds.map((id) => ({ id, position: TONYPI_STAND_POSE[id - 1] > 500 ? 100 : 900 })),
      0,
      T0 + 1000,
    )
    r.step(T0 + 1100)
    expect(r.currentDrawA()).toBeGreaterThan(4)
    const loadedServo = r.readVoltage(1)
    expect(idleServo - loadedServo).toBeGreaterThan(300)
    // Once they arrive the sag recovers.
    r.step(T0 + 2000)
    expect(Math.abs(r.readVoltage(1) - idleServo)).toBeLessThan(60)
  })
})

describe('imu and falls', () => {
  test('standing: atan2(ay, az) ~ +90 and |a| ~ g, gyro quiet', () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    r.step(T0 + 100)
    const { accel, gyro, tempC } = r.readImu()
    expect(fallAngle(r)).toBeGreaterThan(89)
    expect(fallAngle(r)).toBeLessThan(91)
    expect(Math.abs(Math.hypot(...accel) - 9.81)).toBeLessThan(0.1)
    for (const g of gyro) expect(Math.abs(g)).toBeLessThan(0.5)
    expect(tempC).toBeGreaterThan(25)
    expect(tempC).toBeLessThan(40)
    expect(r.attitude()).toEqual({ rollDeg: 0, pitchDeg: 0 })
  })

  test("falling back crosses HiWonder's |angle| > 160 within a second", () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    r.fall('back', T0 + 1000)
    r.step(T0 + 1300)
    expect(Math.abs(fallAngle(r))).toBeLessThan(160)
    expect(r.readImu().gyro[0]).toBeGreaterThan(50) // tipping shows on the gyro
    r.step(T0 + 2000)
    expect(Math.abs(fallAngle(r))).toBeGreaterThan(160)
    expect(r.attitude().pitchDeg).toBeCloseTo(-90, 6)
    expect(Math.abs(r.readImu().gyro[0])).toBeLessThan(0.5)
  })

  test("falling front crosses HiWonder's |angle| < 10 within a second", () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    r.fall('front', T0)
    r.step(T0 + 300)
    expect(Math.abs(fallAngle(r))).toBeGreaterThan(10)
    expect(r.readImu().gyro[0]).toBeLessThan(-50)
    r.step(T0 + 1000)
    expect(Math.abs(fallAngle(r))).toBeLessThan(10)
    expect(Math.hypot(...r.readImu().accel)).toBeCloseTo(9.81, 1)
  })

  test('standUp returns upright in about 2 s', () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    r.fall('back', T0)
    r.standUp(T0 + 1000)
    r.step(T0 + 2000)
    const mid = fallAngle(r)
    expect(mid).toBeGreaterThan(100)
    expect(mid).toBeLessThan(170)
    r.step(T0 + 3000)
    expect(fallAngle(r)).toBeCloseTo(90, 0)
    expect(r.attitude().pitchDeg).toBe(0)
  })

  test("the accelerometer agrees with core/units.ts's attitude convention", () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    r.fall('front', T0)
    r.step(T0 + 450)
    const truth = r.attitude()
    const seen = attitudeFromAccel(r.readImu().accel)
    expect(Math.abs(seen.pitch_deg - truth.pitchDeg)).toBeLessThan(1)
    expect(Math.abs(seen.roll_deg - truth.rollDeg)).toBeLessThan(1)
  })
})

describe('determinism and time', () => {
  function script(r: SimulatedTonyPi, stepEveryMs: number | null): number[] {
    const readings: number[] = []
    const at = (t: number) => {
      if (stepEveryMs !== null) for (let s = r.nowMs; s < t; s += stepEveryMs) r.step(s)
      r.step(t)
    }
    at(T0 + 500)
    r.move(
      [
        { id: 1, position: 800 },
        { id: 10, position: 200 },
      ],
      700,
      T0 + 500,
    )
    at(T0 + 900)
    readings.push(r.readPosition(1), r.readPosition(10), r.readVoltage(3))
    r.fall('back', T0 + 900)
    at(T0 + 1333)
    readings.push(...r.readImu().accel, ...r.readImu().gyro, r.readBattery().voltageMv)
    exercise(r, T0 + 2000, T0 + 4 * MINUTE)
    at(T0 + 5 * MINUTE + 7)
    readings.push(r.readTemperature(1), r.readTemperature(16), r.batteryCharge(), r.readBattery().voltageMv)
    return readings
  }

  test('same seed and calls give identical readings; another seed differs', () => {
    const a = script(new SimulatedTonyPi({ seed: 42, startMs: T0 }), null)
    const b = script(new SimulatedTonyPi({ seed: 42, startMs: T0 }), null)
    const c = script(new SimulatedTonyPi({ seed: 43, startMs: T0 }), null)
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
  })

  test('stepping every 10 ms or in one leap gives the same state', () => {
    const fine = new SimulatedTonyPi({ startMs: T0 })
    const coarse = new SimulatedTonyPi({ startMs: T0 })
    const odd = new SimulatedTonyPi({ startMs: T0 })
    for (const r of [fine, coarse, odd]) {
      r.move([{ id: 4, position: 100 }], 3000, T0 + 5)
      r.setTemperature(9, 60)
    }
    for (let t = T0; t <= T0 + 20 * MINUTE; t += 10) fine.step(t)
    for (let t = T0; t <= T0 + 20 * MINUTE; t += 7_777) odd.step(t)
    coarse.step(T0 + 20 * MINUTE)
    odd.step(T0 + 20 * MINUTE)
    for (const r of [coarse, odd]) {
      expect(r.batteryCharge()).toBeCloseTo(fine.batteryCharge(), 9)
      expect(r.currentDrawA()).toBeCloseTo(fine.currentDrawA(), 9)
      expect(r.positionOf(4)).toBe(fine.positionOf(4))
      expect(r.readTemperature(4)).toBe(fine.readTemperature(4))
      expect(r.readTemperature(9)).toBe(fine.readTemperature(9))
    }
  })

  test('an earlier time is a no-op, and a late command takes effect now', () => {
    const r = new SimulatedTonyPi({ startMs: T0 })
    r.step(T0 + 1000)
    r.step(T0 + 500)
    expect(r.nowMs).toBe(T0 + 1000)
    r.move([{ id: 1, position: 700 }], 1000, T0 + 200)
    r.step(T0 + 1500)
    expect(r.positionOf(1)).toBeCloseTo(600, 6)
  })
})
