import { describe, expect, test } from 'bun:test'
import type { Sample } from '../streams.ts'
import { SampleRate } from './sample-rate.ts'
import { waitFor } from '../../test/support/wait-for.ts'

const servo = (id: number, ts: number, values: Record<string, number>): Sample => ({ stream: 'servos', ts, source: String(id), values })
const imu = (ts: number): Sample => ({ stream: 'imu', ts, values: { ax: 0, ay: 9.8, az: 0 } })

describe('SampleRate', () => {
  test('without rates everything passes as it came', () => {
    const r = new SampleRate(() => {
      throw new Error('nothing is held')
    })
    const s = [servo(1, 1, { position: 500 }), imu(1)]
    expect(r.unlimited).toBe(true)
    expect(r.offer(s)).toBe(s)
  })

  test('a held stream: the first at once, then one merged sample per source per period; other streams as they come; 0 drops', async () => {
    let clock = 0
    const later: { group: string; samples: Sample[] }[] = []
    const r = new SampleRate(
      (group, samples) => later.push({ group, samples }),
      () => clock,
    )
    r.set({ servos: 10, imu: 0 })
    const battery: Sample = { stream: 'battery', ts: 1, values: { voltage_v: 7.6 } }
    expect(r.offer([servo(1, 1, { position: 500 }), imu(1), battery])).toEqual([battery, servo(1, 1, { position: 500 })])
    clock = 20
    expect(r.offer([servo(1, 20, { position: 510 }), servo(2, 20, { position: 300 })])).toEqual([])
    clock = 40
    expect(r.offer([servo(1, 40, { temperature_c: 41 }), imu(40)])).toEqual([])
    clock = 60
    expect(r.offer([servo(1, 60, { position: 530 })])).toEqual([])
    // The period (100 ms) comes up on the timer: the latest of each field, per source.
    await waitFor('one held sample let out', () => later.length === 1, 2000, 2)
    expect(later[0].samples).toEqual([servo(1, 60, { position: 530, temperature_c: 41 }), servo(2, 20, { position: 300 })])
    r.stop()
  })

  test('samples are held per group (the robot, on the hub) and sent to their own group', async () => {
    let clock = 0
    const later: { group: string; samples: Sample[] }[] = []
    const r = new SampleRate(
      (group, samples) => later.push({ group, samples }),
      () => clock,
    )
    r.set({ servos: 20 })
    expect(r.offer([servo(1, 0, { position: 1 })], 'a')).toHaveLength(1)
    clock = 10
    expect(r.offer([servo(1, 10, { position: 2 })], 'b')).toEqual([])
    clock = 20
    expect(r.offer([servo(1, 20, { position: 3 })], 'a')).toEqual([])
    await waitFor('two held samples let out', () => later.length === 2, 2000, 2)
    expect(later.map((l) => [l.group, l.samples[0].values.position]).sort()).toEqual([
      ['a', 3],
      ['b', 2],
    ])
    r.stop()
  })

  test('lifting a rate sends what the stream held at once; stop cancels what is pending', () => {
    let clock = 0
    const later: Sample[][] = []
    const r = new SampleRate(
      (_g, samples) => later.push(samples),
      () => clock,
    )
    r.set({ servos: 1 })
    r.offer([servo(1, 0, { position: 1 })])
    clock = 10
    r.offer([servo(1, 10, { position: 2 })])
    r.set({})
    expect(later).toEqual([[servo(1, 10, { position: 2 })]])
    expect(r.unlimited).toBe(true)
    r.set({ servos: 1 })
    r.offer([servo(1, 20, { position: 3 })])
    clock = 30
    r.offer([servo(1, 30, { position: 4 })])
    r.stop()
    expect(later).toHaveLength(1)
  })
})
