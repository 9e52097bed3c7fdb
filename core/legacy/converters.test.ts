import { describe, expect, test } from 'bun:test'
import { adaptLegacyMessage } from './adapt.ts'
import { LEGACY_CONVERTERS } from './converters.ts'
import { LegacyMessageError, type LegacyRecord } from './record.ts'
import { legacyTopicOf, type LegacyTopicKind } from './topics.ts'

const now = Date.UTC(2026, 5, 1, 12, 0, 0)
const twoSecondsAgo = new Date(now - 2000).toISOString()

interface ConverterCase {
  topic: string
  good: Record<string, unknown>
  record: LegacyRecord
  /** A malformed message of this kind (on `topic` unless it names its own) and the reason it is refused with. */
  bad: { topic?: string; payload: Record<string, unknown>; reason: RegExp }
}

// One case per converter in LEGACY_CONVERTERS (payloads as LEGACY.md gives them): a converter added
// to the table without a case here fails the first test below.
const CASES: Record<string, ConverterCase> = {
  sensors: {
    topic: 'tonypi/sensors/r1',
    good: { robot_id: 'r1', sensor_type: 'ultrasonic_distance', value: 42, unit: 'cm', timestamp: twoSecondsAgo },
    record: {
      kind: 'samples',
      robotId: 'r1',
      samples: [{ stream: 'sensors', ts: now - 2000, source: 'ultrasonic_distance', values: { value: 42 } }],
      tsTrusted: true,
    },
    bad: { payload: { robot_id: 'r1', sensor_type: 'ultrasonic_distance', value: 'far' }, reason: /^sensor ultrasonic_distance: value is not a number$/ },
  },
  servos: {
    topic: 'tonypi/servos/r1',
    good: { robot_id: 'r1', servos: { servo_1: { id: 1, name: 'servo_1', position: 0, temperature: 41, voltage: 5.1, torque_enabled: true } }, servo_count: 1 },
    record: {
      kind: 'samples',
      robotId: 'r1',
      samples: [{ stream: 'servos', ts: now, source: '1', values: { position: 500, temperature_c: 41, voltage_v: 5.1, torque: 1 } }],
      tsTrusted: false,
    },
    bad: { payload: { robot_id: 'r1', servos: { servo_1: { id: 1, position: 120 } } }, reason: /^servo servo_1: position 120 degrees is outside -90\.\.90$/ },
  },
  status: {
    topic: 'tonypi/status/r1',
    good: {
      robot_id: 'r1',
      status: 'emergency_stopped',
      emergency_stopped: true,
      emergency_reason: 'fell',
      system_info: { platform: 'Linux', cpu_percent: 12, memory_percent: 40 },
    },
    record: {
      kind: 'status',
      robotId: 'r1',
      status: 'emergency_stopped',
      ts: now,
      tsTrusted: false,
      samples: [{ stream: 'performance', ts: now, values: { cpu_percent: 12, mem_percent: 40 } }],
      info: { emergency_stopped: true, emergency_reason: 'fell', platform: 'Linux' },
    },
    bad: { payload: { robot_id: 'r1', status: 'zombie' }, reason: /^unknown status "zombie"$/ },
  },
  battery: {
    topic: 'tonypi/battery',
    good: { robot_id: 'r2', percentage: 80, voltage: 11.4, charging: false },
    record: { kind: 'samples', robotId: 'r2', samples: [{ stream: 'battery', ts: now, values: { voltage_v: 11.4, percent: 80 } }], tsTrusted: false },
    bad: { payload: { robot_id: 'r2', voltage: '11.4V' }, reason: /^battery: neither voltage nor percentage is a number$/ },
  },
  location: {
    topic: 'tonypi/location',
    good: { robot_id: 'r1', x: 1.5, z: -2 },
    record: {
      kind: 'samples',
      robotId: 'r1',
      samples: [
        { stream: 'sensors', ts: now, source: 'location_x', values: { value: 1.5 } },
        { stream: 'sensors', ts: now, source: 'location_z', values: { value: -2 } },
      ],
      tsTrusted: false,
    },
    bad: { payload: { robot_id: 'r1', x: '1.5' }, reason: /^location: no numeric x, y or z$/ },
  },
  logs: {
    topic: 'tonypi/logs/r1',
    good: { robot_id: 'r1', level: 'WARNING', message: 'low battery', source: 'battery_monitor' },
    record: { kind: 'log', robotId: 'r1', ts: now, tsTrusted: false, level: 'warn', message: 'low battery', source: 'battery_monitor' },
    bad: { payload: { robot_id: 'r1', level: 'INFO' }, reason: /^log: message is not a string$/ },
  },
  job: {
    topic: 'tonypi/job/r1',
    good: { robot_id: 'r1', status: 'completed', task_name: 'sort', items_done: 3, items_total: 3, percent: 100 },
    record: {
      kind: 'job',
      robotId: 'r1',
      ts: now,
      tsTrusted: false,
      status: 'completed',
      taskName: 'sort',
      itemsDone: 3,
      itemsTotal: 3,
      percent: 100,
      reason: null,
    },
    bad: { payload: { robot_id: 'r1', status: 'done' }, reason: /^job: unknown status "done"$/ },
  },
  commands: {
    topic: 'tonypi/commands/r1',
    good: { type: 'move', id: 'c1', direction: 'left' },
    record: { kind: 'command', robotId: 'r1', id: 'c1', type: 'move', params: { direction: 'left' } },
    bad: { payload: { id: 'c2', direction: 'left' }, reason: /^command: type is missing$/ },
  },
  'commands/response': {
    topic: 'tonypi/commands/response',
    good: { robot_id: 'r1', command_id: 'c1', timestamp: twoSecondsAgo, success: false, message: 'no such action' },
    record: { kind: 'command_response', robotId: 'r1', commandId: 'c1', success: false, message: 'no such action', ts: now - 2000, replyTo: 'commands' },
    bad: { payload: { robot_id: 'r1', command_id: 'c1', success: 'yes' }, reason: /^command response: success is not true or false$/ },
  },
  emergency_stop: {
    topic: 'tonypi/emergency_stop/broadcast',
    good: { id: 'e1', reason: 'fell over' },
    record: { kind: 'command', robotId: 'broadcast', id: 'e1', type: 'emergency_stop', params: { reason: 'fell over' } },
    // Its payload has nothing that can be wrong: the robot id comes from the topic alone.
    bad: { topic: 'tonypi/emergency_stop', payload: { robot_id: 'r1', id: 'e2' }, reason: /^no robot_id in topic or payload$/ },
  },
  'emergency_stop/response': {
    topic: 'tonypi/emergency_stop/response',
    good: { robot_id: 'r1', command_id: 'e1', success: true, message: 'Emergency stop activated: fell over' },
    record: {
      kind: 'command_response',
      robotId: 'r1',
      commandId: 'e1',
      success: true,
      message: 'Emergency stop activated: fell over',
      ts: now,
      replyTo: 'emergency_stop',
    },
    bad: { payload: { command_id: 'e1', success: true }, reason: /^no robot_id in topic or payload$/ },
  },
  scan: {
    topic: 'tonypi/scan/r1',
    good: { robot_id: 'r1', qr_data: 'ST-4' },
    record: { kind: 'log', robotId: 'r1', ts: now, tsTrusted: false, level: 'info', message: 'QR code "ST-4" scanned', source: 'scan' },
    bad: { payload: { robot_id: 'r1', qr_data: 4 }, reason: /^scan: qr_data is not a string$/ },
  },
  vision: {
    topic: 'tonypi/vision/r1',
    good: { robot_id: 'r1', label: 'cup', confidence: 0.9 },
    record: { kind: 'unused', robotId: 'r1', reason: 'vision detections are not kept by this system' },
    bad: { payload: { robot_id: 'r2', label: 'cup' }, reason: /^robot_id "r2" does not match topic r1$/ },
  },
}

const kinds = Object.keys(LEGACY_CONVERTERS) as LegacyTopicKind[]

function refusal(topic: string, payload: unknown): Error {
  try {
    adaptLegacyMessage(topic, payload, now)
  } catch (e) {
    return e as Error
  }
  throw new Error(`${topic} ${JSON.stringify(payload)} was accepted`)
}

describe('legacy converters', () => {
  test('every converter in the table has a case here, and every case a converter', () => {
    expect(Object.keys(CASES).sort()).toEqual([...kinds].sort())
  })

  for (const kind of kinds) {
    const c = CASES[kind]
    if (!c) continue
    describe(kind, () => {
      test(`${c.topic} goes to this converter`, () => {
        expect(legacyTopicOf(c.topic)?.kind).toBe(kind)
        if (c.bad.topic) expect(legacyTopicOf(c.bad.topic)?.kind).toBe(kind)
      })

      test('a good message becomes its record', () => {
        expect(adaptLegacyMessage(c.topic, c.good, now)).toEqual(c.record)
      })

      test('a malformed one is refused with its reason', () => {
        const err = refusal(c.bad.topic ?? c.topic, c.bad.payload)
        expect(err).toBeInstanceOf(LegacyMessageError)
        expect(err.message).toMatch(c.bad.reason)
      })

      test('a payload that is not a JSON object is refused before it reaches the converter', () => {
        for (const payload of [null, 'stop', 42, [c.good]]) {
          const err = refusal(c.topic, payload)
          expect(err).toBeInstanceOf(LegacyMessageError)
          expect(err.message).toBe('payload is not a JSON object')
        }
      })
    })
  }
})
