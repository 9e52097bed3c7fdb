import { describe, expect, test } from 'bun:test'
import type { AnyRobotEvent } from '../core/events.ts'
import { createLogger } from '../core/log.ts'
import type { Sample } from '../core/streams.ts'
import { SampleBus } from './sample-bus.ts'

const T0 = Date.UTC(2026, 0, 1, 12)
const sweep: Sample[] = [{ stream: 'servos', ts: T0, source: '1', values: { position: 500 } }]

function bus() {
  const lines: string[] = []
  return { bus: new SampleBus(createLogger({ sink: (l) => lines.push(l) }), () => T0), lines }
}

describe('SampleBus', () => {
  test('a listener gets only what it named, with that payload', () => {
    const { bus: b } = bus()
    const got: string[] = []
    const owner = {}
    b.on('samples', owner, (samples) => got.push(`samples ${samples[0]!.source}`))
    b.on('command', owner, (e) => got.push(`command ${e.data.id} ${e.data.state} ${e.level} ${e.ts}`))
    b.on('servo.silent', owner, (e) => got.push(`silent ${e.data.servo_id}`))
    b.samples(sweep)
    b.event('command', 'warn', { id: 'c1', type: 'servo.move', state: 'rejected', ts: T0, reason: 'estopped' })
    b.event('servo.recovered', 'info', { servo_id: 3, silent_sweeps: 4 })
    b.event('servo.silent', 'warn', { servo_id: 3, message: 'servo 3 does not answer' }, T0 - 5)
    expect(got).toEqual(['samples 1', `command c1 rejected warn ${T0}`, 'silent 3'])
  })

  test('an empty batch of samples is not published', () => {
    const { bus: b } = bus()
    let n = 0
    b.on('samples', {}, () => n++)
    b.samples([])
    b.samples(sweep)
    expect(n).toBe(1)
  })

  test('onEvent hears every event, stamped with the bus clock unless given a time, and no samples', () => {
    const { bus: b } = bus()
    const got: AnyRobotEvent[] = []
    b.onEvent({}, (e) => got.push(e))
    b.samples(sweep)
    b.event('resume', 'info', {})
    b.event('note', 'info', { message: 'hello', user: 'ann' }, T0 - 1000)
    expect(got).toEqual([
      { event: 'resume', level: 'info', ts: T0, data: {} },
      { event: 'note', level: 'info', ts: T0 - 1000, data: { message: 'hello', user: 'ann' } },
    ])
    const e = got[1]!
    // Narrowed by its name: the data's fields are typed.
    if (e.event === 'note') expect(e.data.user).toBe('ann')
  })

  test('off(owner) removes every listener of that owner and only those', () => {
    const { bus: b } = bus()
    const a = {},
      c = {}
    const got: string[] = []
    b.on('samples', a, () => got.push('a samples'))
    b.on('estop', a, () => got.push('a estop'))
    b.onEvent(a, () => got.push('a any'))
    b.on('estop', c, () => got.push('c estop'))
    expect(b.size).toBe(4)
    b.off(a)
    expect(b.size).toBe(1)
    b.samples(sweep)
    b.event('estop', 'warn', { by: 'op', reason: 'by op' })
    expect(got).toEqual(['c estop'])
    b.off(a) // twice is harmless
    b.off(c)
    expect(b.size).toBe(0)
  })

  test('listeners run in the order they subscribed, across names, even when one raises an event', () => {
    const { bus: b } = bus()
    const got: string[] = []
    const first = {},
      log = {},
      last = {}
    b.on('command', first, () => {
      got.push('first command')
      b.event('resume', 'info', {})
    })
    b.onEvent(log, (e) => got.push(`log ${e.event}`))
    b.on('resume', last, () => got.push('last resume'))
    b.event('command', 'info', { id: 'c2', type: 'led', state: 'done', ts: T0 })
    // The log hears `resume` (raised inside the first listener) before `command` reaches it:
    // the nested event is delivered in full first, as a plain function call would.
    expect(got).toEqual(['first command', 'log resume', 'last resume', 'log command'])
  })

  test('a listener that throws is logged and the others still hear the event', () => {
    const { bus: b, lines } = bus()
    const got: string[] = []
    b.on('estop', {}, () => {
      throw new Error('broken consumer')
    })
    b.on('estop', {}, (e) => got.push(e.data.by))
    b.event('estop', 'warn', { by: 'op', reason: null })
    expect(got).toEqual(['op'])
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 'error', msg: 'bus subscriber failed', topic: 'estop', error: 'broken consumer' }),
    ])
  })

  test('names and payloads are checked by the compiler', () => {
    const { bus: b } = bus()
    // @ts-expect-error no such event
    b.on('action.paused', {}, () => {})
    // @ts-expect-error a servo event carries servo_id
    b.event('servo.silent', 'warn', { id: 3, message: 'x' })
    // @ts-expect-error not a level
    b.event('resume', 'fatal', {})
    b.on('job', {}, (e) => {
      // @ts-expect-error a job has no servo_id
      void e.data.servo_id
    })
    expect(b.size).toBe(2)
  })
})
