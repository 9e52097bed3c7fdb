import { describe, expect, test } from 'bun:test'
import { LegacyImuAssembler } from './imu.ts'
import { LEGACY_IMU_AXES } from './record.ts'
import { attitudeFromAccel, GRAVITY, hiwonderFallAngle } from '../units.ts'

const feed = (a: LegacyImuAssembler, robot: string, values: number[], ts = 1000) => {
  const out = LEGACY_IMU_AXES.map((axis, i) => a.add(robot, axis, values[i], ts))
  expect(out.slice(0, 5)).toEqual([null, null, null, null, null])
  return out[5]
}

describe('the earlier client IMU readings', () => {
  test("on hardware: the board's report in g, x up, becomes the body frame in m/s^2 (upright reads upright)", () => {
    const a = new LegacyImuAssembler()
    a.noteHardware('r1', true)
    const s = feed(a, 'r1', [1, 0, 0, 0, 2, 3])!
    expect(s.stream).toBe('imu')
    expect(s.values.ay).toBeCloseTo(GRAVITY, 5)
    expect(s.values.ax).toBeCloseTo(0, 5)
    expect(Math.abs(hiwonderFallAngle([s.values.ax, s.values.ay, s.values.az]))).toBeCloseTo(90, 3)
    const att = attitudeFromAccel([s.values.ax, s.values.ay, s.values.az])
    expect([Math.abs(att.roll_deg), att.pitch_deg]).toEqual([0, 0])
    expect([s.values.gx, s.values.gy, s.values.gz]).toEqual([-2, 0, 3])
  })

  test('in its simulation: m/s^2 with gravity on z is upright too, not lying on its front', () => {
    const a = new LegacyImuAssembler()
    a.noteHardware('sim', false)
    const s = feed(a, 'sim', [0.1, -0.2, 9.8, 1, 2, 3])!
    expect(s.values.ay).toBeCloseTo(9.8, 5)
    expect(Math.abs(hiwonderFallAngle([s.values.ax, s.values.ay, s.values.az]))).toBeGreaterThan(80)
  })

  test('a repeated axis starts the reading again (counted); robots are kept apart', () => {
    const a = new LegacyImuAssembler()
    expect(a.add('r1', 'accelerometer_x', 1, 1000)).toBeNull()
    expect(a.add('r2', 'accelerometer_x', 1, 1000)).toBeNull()
    expect(a.add('r1', 'accelerometer_x', 1, 1001)).toBeNull()
    expect(a.dropped).toBe(1)
    const late = LEGACY_IMU_AXES.slice(1).map((axis) => a.add('r1', axis, 0, 1002))
    expect(late[4]).toMatchObject({ ts: 1001 })
  })
})
