import { beforeAll, describe, expect, test } from 'bun:test'
import type { RobotStatus } from '../lib/types.ts'
import { RobotLive, SERVO_STALE_MS } from './robot-live.ts'

beforeAll(() => {
  // The model asks for an animation frame when it changes; there is no screen here.
  globalThis.requestAnimationFrame ??= ((cb: FrameRequestCallback) => setTimeout(() => cb(performance.now()), 0)) as unknown as typeof requestAnimationFrame
})

function status(over: Partial<RobotStatus> = {}): RobotStatus {
  return {
    robot_id: 'r1',
    profile: 'sim',
    ts: 1000,
    estopped: false,
    imu: null,
    battery: null,
    buses: [],
    servos: [
      { id: 2, name: 'left_ankle_pitch', position: 390, angle_deg: -26.4, temperature_c: 30, voltage_v: 8.2, torque: true, stale: false, ts: 1000 },
      { id: 1, name: 'left_ankle_roll', position: null, angle_deg: null, temperature_c: null, voltage_v: null, torque: null, stale: true, ts: null },
    ],
    ...over,
  }
}

describe('RobotLive', () => {
  test('seeds from robot/status, servos in id order, stale ones marked', () => {
    const r = new RobotLive()
    r.seed(status(), r.stateEvents, 10_000)
    expect(r.servos.map((s) => s.id)).toEqual([1, 2])
    expect(r.isStale(r.servo(1)!, 10_001)).toBe(true)
    expect(r.isStale(r.servo(2)!, 10_001)).toBe(false)
    expect(r.isStale(r.servo(2)!, 10_000 + SERVO_STALE_MS + 1)).toBe(true)
  })

  test('live samples update positions, health and the sparkline history; a reached target clears', () => {
    const r = new RobotLive()
    r.seed(status(), r.stateEvents, 0)
    r.setTarget(2, 600)
    r.applySamples([{ stream: 'servos', ts: 1050, source: '2', values: { position: 450 } }], 50)
    r.applySamples([{ stream: 'servos', ts: 1060, source: '2', values: { temperature_c: 31, voltage_v: 8.1, torque: 0 } }], 60)
    const s = r.servo(2)!
    expect([s.position, s.temperature_c, s.voltage_v, s.torque, s.target]).toEqual([450, 31, 8.1, false, 600])
    expect(s.history.last).toBe(450)
    r.applySamples([{ stream: 'servos', ts: 1100, source: '2', values: { position: 598 } }], 100)
    expect(s.target).toBeNull()
  })

  test('a status fetched before an estop event cannot undo it', () => {
    const r = new RobotLive()
    const before = r.stateEvents
    r.applyEvent('estop', { by: 'op', reason: 'by op' })
    r.seed(status({ estopped: false }), before)
    expect(r.estopped).toBe(true)
    r.seed(status({ estopped: false }), r.stateEvents)
    expect(r.estopped).toBe(false)
  })

  test('IMU attitude is smoothed; performance snapshots merge like the edge merges them', () => {
    const r = new RobotLive()
    r.applySamples([{ stream: 'imu', ts: 1, values: { ax: 0, ay: 9.8, az: 0, gx: 0, gy: 0, gz: 0 } }])
    expect(r.imu!.pitch_deg).toBeCloseTo(0, 5)
    r.applySamples([{ stream: 'performance', ts: 1000, values: { cpu_percent: 10 } }])
    r.applySamples([{ stream: 'performance', ts: 2000, values: { mem_percent: 20 } }])
    expect(r.performance!.values).toEqual({ cpu_percent: 10, mem_percent: 20 })
    expect(r.perfHistory.cpu_percent.size).toBe(1)
  })
})
