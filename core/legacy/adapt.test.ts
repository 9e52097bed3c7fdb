import { describe, expect, test } from 'bun:test'
import { adaptLegacyMessage } from './adapt.ts'
import { legacyTimestamp } from './fields.ts'
import { LegacyMessageError } from './record.ts'

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
    const b = adaptLegacyMessage('tonypi/sensors/r1', { robot_id: 'r1', sensor_type: 'ultrasonic_distance', value: 42 }, now)
    expect(b).toMatchObject({ samples: [{ stream: 'sensors', source: 'ultrasonic_distance', values: { value: 42 } }] })
  })

  test('IMU axes are not generic sensors: each is one axis of a reading (core/legacy/imu.ts joins them)', () => {
    expect(adaptLegacyMessage('tonypi/sensors/r1', { robot_id: 'r1', sensor_type: 'accelerometer_x', value: -0.2, unit: 'm/s^2' }, now)).toEqual({
      kind: 'imu_axis',
      robotId: 'r1',
      axis: 'accelerometer_x',
      value: -0.2,
      ts: now,
      tsTrusted: false,
    })
    expect(adaptLegacyMessage('tonypi/sensors/r1', { robot_id: 'r1', sensor_type: 'gyroscope_z', value: 3 }, now)).toMatchObject({
      kind: 'imu_axis',
      axis: 'gyroscope_z',
    })
  })

  test("replies, an emergency stop's on its own topic too, are replies and not commands", () => {
    const reply = {
      robot_id: 'r1',
      command_id: 'c9',
      type: 'emergency_stop',
      timestamp: '2026-06-01T12:00:00',
      success: true,
      message: 'Emergency stop activated: test',
      state: { emergency_stopped: true },
    }
    expect(adaptLegacyMessage('tonypi/emergency_stop/response', reply, now)).toMatchObject({
      kind: 'command_response',
      robotId: 'r1',
      commandId: 'c9',
      success: true,
      replyTo: 'emergency_stop',
    })
    expect(adaptLegacyMessage('tonypi/commands/response', reply, now)).toMatchObject({ kind: 'command_response', replyTo: 'commands' })
    expect(() => adaptLegacyMessage('tonypi/commands/response', { robot_id: 'r1', command_id: 'x' }, now)).toThrow(/success/)
  })

  test('a QR scan is a log line; vision detections are recognised and not kept', () => {
    expect(adaptLegacyMessage('tonypi/scan/r1', { robot_id: 'r1', qr_data: 'ST-4', station_name: 'dock', action: 'scanned' }, now)).toMatchObject({
      kind: 'log',
      level: 'info',
      source: 'scan',
      message: 'QR code "ST-4" scanned at dock',
    })
    expect(adaptLegacyMessage('tonypi/vision/r1', { robot_id: 'r1', label: 'cup' }, now)).toMatchObject({ kind: 'unused', robotId: 'r1' })
  })

  test('servos: degrees become LX positions, volts stay volts', () => {
    const r = adaptLegacyMessage(
      'tonypi/servos/r1',
      {
        robot_id: 'r1',
        servos: { servo_2: { id: 2, position: -90, temperature: 40, voltage: 5.0, torque_enabled: false } },
      },
      now,
    )
    expect(r).toMatchObject({ samples: [{ stream: 'servos', source: '2', values: { position: 0, temperature_c: 40, voltage_v: 5, torque: 0 } }] })
  })

  test('battery on the shared topic takes the robot id from the payload', () => {
    expect(adaptLegacyMessage('tonypi/battery', { robot_id: 'r2', voltage: 11.1, percentage: 60 }, now)).toMatchObject({
      kind: 'samples',
      robotId: 'r2',
      samples: [{ stream: 'battery', values: { voltage_v: 11.1, percent: 60 } }],
    })
    expect(() => adaptLegacyMessage('tonypi/battery', { voltage: 11.1 }, now)).toThrow(/robot_id/)
  })

  test('jobs: working means in progress, and a zero percent is a value', () => {
    const j = adaptLegacyMessage('tonypi/job/r1', { robot_id: 'r1', status: 'working', percent: 0, progress_percent: 50 }, now)
    expect(j).toMatchObject({ kind: 'job', status: 'in_progress', percent: 0 })
    const k = adaptLegacyMessage('tonypi/job/r1', { robot_id: 'r1', status: 'cancelled', progress_percent: 30, cancel_reason: 'battery' }, now)
    expect(k).toMatchObject({ percent: 30, reason: 'battery' })
  })

  test('commands and emergency stops are recognised, broadcast included', () => {
    expect(adaptLegacyMessage('tonypi/commands/r1', { type: 'move', id: 'c1', direction: 'forward' }, now)).toEqual({
      kind: 'command',
      robotId: 'r1',
      id: 'c1',
      type: 'move',
      params: { direction: 'forward' },
    })
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
