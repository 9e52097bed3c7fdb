import { describe, expect, test } from 'bun:test'
import { adaptLegacyMessage, LegacyMessageError, legacyTimestamp } from './legacy.ts'

const now = Date.UTC(2026, 5, 1, 12, 0, 0)

describe('legacy adapter', () => {
  test('timestamps are hints: plausible ones are kept, others replaced by arrival and flagged', () => {
    expect(legacyTimestamp(new Date(now - 2000).toISOString(), now)).toEqual({ ts: now - 2000, trusted: true })
    expect(legacyTimestamp('2019-01-01T00:00:00', now)).toEqual({ ts: now, trusted: false })
    expect(legacyTimestamp('not a date', now)).toEqual({ ts: now, trusted: false })
    expect(legacyTimestamp(undefined, now)).toEqual({ ts: now, trusted: false })
  })

  test('sensors: performance fields go to the performance stream, others to sensors', () => {
    const a = adaptLegacyMessage('tonypi/sensors/r1', { robot_id: 'r1', sensor_type: 'cpu_temperature', value: 55.5 }, now)
    expect(a).toMatchObject({ kind: 'samples', robotId: 'r1', samples: [{ stream: 'performance', values: { cpu_temp_c: 55.5 } }] })
    const b = adaptLegacyMessage('tonypi/sensors/r1', { robot_id: 'r1', sensor_type: 'accelerometer_x', value: -0.2 }, now)
    expect(b).toMatchObject({ samples: [{ stream: 'sensors', source: 'accelerometer_x', values: { value: -0.2 } }] })
  })

  test('servos: degrees become LX positions, volts stay volts', () => {
    const r = adaptLegacyMessage('tonypi/servos/r1', {
      robot_id: 'r1', servos: { servo_2: { id: 2, position: -90, temperature: 40, voltage: 5.0, torque_enabled: false } },
    }, now)
    expect(r).toMatchObject({ samples: [{ stream: 'servos', source: '2', values: { position: 0, temperature_c: 40, voltage_v: 5, torque: 0 } }] })
  })

  test('battery on the shared topic takes the robot id from the payload', () => {
    expect(adaptLegacyMessage('tonypi/battery', { robot_id: 'r2', voltage: 11.1, percentage: 60 }, now))
      .toMatchObject({ kind: 'samples', robotId: 'r2', samples: [{ stream: 'battery', values: { voltage_v: 11.1, percent: 60 } }] })
    expect(() => adaptLegacyMessage('tonypi/battery', { voltage: 11.1 }, now)).toThrow(/robot_id/)
  })

  test('jobs: working means in progress, and a zero percent is a value', () => {
    const j = adaptLegacyMessage('tonypi/job/r1', { robot_id: 'r1', status: 'working', percent: 0, progress_percent: 50 }, now)
    expect(j).toMatchObject({ kind: 'job', status: 'in_progress', percent: 0 })
    const k = adaptLegacyMessage('tonypi/job/r1', { robot_id: 'r1', status: 'cancelled', progress_percent: 30, cancel_reason: 'battery' }, now)
    expect(k).toMatchObject({ percent: 30, reason: 'battery' })
  })

  test('commands and emergency stops are recognised, broadcast included', () => {
    expect(adaptLegacyMessage('tonypi/commands/r1', { type: 'move', id: 'c1', direction: 'forward' }, now))
      .toEqual({ kind: 'command', robotId: 'r1', id: 'c1', type: 'move', params: { direction: 'forward' } })
    expect(adaptLegacyMessage('tonypi/emergency_stop/broadcast', {}, now)).toMatchObject({ kind: 'command', robotId: 'broadcast', type: 'emergency_stop' })
  })

  test('malformed messages throw with a reason; other topics are not ours', () => {
    expect(adaptLegacyMessage('tonypi/r1/servos', {}, now)).toBeNull()
    const bad: [string, unknown, RegExp][] = [
      ['tonypi/sensors/r1', [1], /not a JSON object/],
      ['tonypi/sensors/r1', { robot_id: 'r1', sensor_type: 'DROP TABLE', value: 1 }, /sensor_type/],
      ['tonypi/sensors/r1', { robot_id: 'r2', sensor_type: 'x', value: 1 }, /does not match topic/],
      ['tonypi/servos/r1', { robot_id: 'r1', servos: { servo_1: { id: 999 } } }, /invalid id/],
      ['tonypi/status/r1', { status: 'zombie' }, /unknown status/],
      ['tonypi/logs/r1', { message: 5 }, /message/],
      ['tonypi/job/r1', { status: 'done' }, /unknown status/],
      ['tonypi/location/r1', { x: 'a' }, /no numeric/],
    ]
    for (const [topic, payload, msg] of bad) {
      expect(() => adaptLegacyMessage(topic, payload, now)).toThrow(LegacyMessageError)
      expect(() => adaptLegacyMessage(topic, payload, now)).toThrow(msg)
    }
  })
})
