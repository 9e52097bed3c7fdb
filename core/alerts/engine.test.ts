import { describe, expect, test } from 'bun:test'
import { AlertEngine, type AlertChange, type AlertReading } from './engine.ts'
import type { AlertRule } from './rule.ts'

const TEMP: AlertRule = {
  metric: 'servo_temperature',
  direction: 'high',
  warning: 65,
  critical: 75,
  minDurationS: 2,
  hysteresis: 3,
  autoResolve: true,
  enabled: true,
}
const BATTERY: AlertRule = {
  metric: 'battery_percent',
  direction: 'low',
  warning: 20,
  critical: 10,
  minDurationS: 5,
  hysteresis: 3,
  autoResolve: true,
  enabled: true,
}
const SILENT: AlertRule = {
  metric: 'servo_silent',
  direction: 'high',
  warning: null,
  critical: 1,
  minDurationS: 1,
  hysteresis: 0,
  autoResolve: true,
  enabled: true,
}

/** Feeds (seconds, value) pairs for one metric/source and collects every change. */
function feed(engine: AlertEngine, metric: string, points: [number, number][], source = '3'): AlertChange[] {
  const out: AlertChange[] = []
  for (const [s, value] of points) {
    const r: AlertReading = { metric, source, value, ts: 1_700_000_000_000 + s * 1000 }
    out.push(...engine.evaluate(r, s * 1000))
  }
  return out
}

const kinds = (cs: AlertChange[]) => cs.map((c) => `${c.kind}:${c.severity}`)

describe('thresholds and minimum duration', () => {
  test('opens only after the value has stayed beyond the line for the minimum duration', () => {
    const e = new AlertEngine([TEMP])
    expect(
      feed(e, TEMP.metric, [
        [0, 66],
        [1, 67],
        [1.9, 67],
      ]),
    ).toEqual([])
    const opened = feed(e, TEMP.metric, [[2, 67]])
    expect(opened).toHaveLength(1)
    expect(opened[0]).toMatchObject({
      kind: 'open',
      severity: 'warning',
      type: 'servo_temperature',
      source: '3',
      value: 67,
      threshold: 65,
      ts: 1_700_000_002_000,
    })
  })

  test('a spike shorter than the minimum duration raises nothing, and leaving the band restarts the timer', () => {
    const e = new AlertEngine([TEMP])
    expect(
      feed(e, TEMP.metric, [
        [0, 90],
        [1, 90],
        [1.5, 50],
        [2, 90],
        [3, 90],
        [3.9, 90],
      ]),
    ).toEqual([])
    expect(kinds(feed(e, TEMP.metric, [[4, 90]]))).toEqual(['open:critical'])
  })

  test('a value that jumps past critical opens critical directly, not warning first', () => {
    const e = new AlertEngine([TEMP])
    expect(
      kinds(
        feed(e, TEMP.metric, [
          [0, 80],
          [1, 80],
          [2, 80],
        ]),
      ),
    ).toEqual(['open:critical'])
  })

  test('clears once back inside the line by more than the hysteresis, and reports the peak', () => {
    const e = new AlertEngine([TEMP])
    feed(e, TEMP.metric, [
      [0, 66],
      [2, 68],
      [3, 70],
    ])
    expect(
      feed(e, TEMP.metric, [
        [4, 64],
        [5, 62.5],
        [6, 62],
      ]),
    ).toEqual([])
    const cleared = feed(e, TEMP.metric, [[7, 61.9]])
    expect(cleared).toHaveLength(1)
    expect(cleared[0]).toMatchObject({ kind: 'resolve', severity: 'warning', value: 61.9, peak: 70, reason: 'cleared' })
  })

  test('low-side rules mirror high-side ones', () => {
    const e = new AlertEngine([BATTERY])
    const cs = feed(
      e,
      BATTERY.metric,
      [
        [0, 19],
        [5, 18],
        [6, 9],
        [11, 9],
        [12, 12],
        [13, 14],
        [14, 22],
        [15, 23.1],
      ],
      '',
    )
    expect(kinds(cs)).toEqual(['open:warning', 'update:critical', 'update:warning', 'resolve:warning'])
    expect(cs.map((c) => c.value)).toEqual([18, 9, 14, 23.1])
  })
})

describe('escalation and flapping', () => {
  test('warning, then critical, then back down in place', () => {
    const e = new AlertEngine([TEMP])
    const cs = feed(e, TEMP.metric, [
      [0, 66],
      [2, 70],
      [3, 76],
      [4, 77],
      [5, 78],
      [6, 73],
      [7, 71.9],
      [8, 64],
      [9, 61],
    ])
    expect(kinds(cs)).toEqual(['open:warning', 'update:critical', 'update:warning', 'resolve:warning'])
    expect(cs[1]).toMatchObject({ previous: 'warning', threshold: 75, value: 78 })
    expect(cs[2]).toMatchObject({ previous: 'critical', threshold: 65, value: 71.9 })
  })

  test('a value hovering on the line opens once and never flaps', () => {
    const e = new AlertEngine([TEMP])
    const points: [number, number][] = []
    for (let i = 0; i < 200; i++) points.push([i * 0.25, i % 2 ? 65.5 : 64.5])
    const cs = feed(e, TEMP.metric, points)
    expect(kinds(cs)).toEqual(['open:warning'])
  })

  test('noisy input around both lines gives a handful of changes, not one per crossing', () => {
    const e = new AlertEngine([TEMP])
    let seed = 7
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const points: [number, number][] = []
    let crossings = 0
    let prev = 0
    for (let i = 0; i < 2000; i++) {
      const v = 75 + (rand() - 0.5) * 4 // 73..77 around the critical line
      if (v >= 75 !== prev >= 75) crossings++
      prev = v
      points.push([i * 0.1, v])
    }
    const cs = feed(e, TEMP.metric, points)
    expect(crossings).toBeGreaterThan(500)
    expect(kinds(cs)).toEqual(['open:critical'])
  })
})

describe('one alert per (type, source)', () => {
  test('repeated readings change nothing; each source has its own alert', () => {
    const e = new AlertEngine([TEMP])
    const a = feed(
      e,
      TEMP.metric,
      [
        [0, 70],
        [2, 70],
        [3, 70],
        [4, 71],
        [5, 70],
      ],
      '3',
    )
    const b = feed(
      e,
      TEMP.metric,
      [
        [0, 70],
        [2, 70],
        [3, 70],
      ],
      '4',
    )
    expect(kinds(a)).toEqual(['open:warning'])
    expect(kinds(b)).toEqual(['open:warning'])
    expect(
      e
        .openAlerts()
        .map((x) => x.source)
        .sort(),
    ).toEqual(['3', '4'])
  })

  test('after a resolve, the same condition opens a new alert', () => {
    const e = new AlertEngine([TEMP])
    const cs = feed(e, TEMP.metric, [
      [0, 70],
      [2, 70],
      [3, 50],
      [10, 70],
      [12, 70],
    ])
    expect(kinds(cs)).toEqual(['open:warning', 'resolve:warning', 'open:warning'])
  })

  test('an operator resolve re-arms the rule: a persisting condition opens again after the minimum duration', () => {
    const e = new AlertEngine([TEMP])
    feed(e, TEMP.metric, [
      [0, 70],
      [2, 70],
    ])
    e.forget(TEMP.metric, '3')
    expect(
      feed(e, TEMP.metric, [
        [3, 70],
        [4, 70],
      ]),
    ).toEqual([])
    expect(kinds(feed(e, TEMP.metric, [[5, 70]]))).toEqual(['open:warning'])
  })
})

describe('rules', () => {
  test('without auto-resolve the alert stays open when the condition clears, and escalates in place later', () => {
    const e = new AlertEngine([{ ...TEMP, autoResolve: false }])
    const cs = feed(e, TEMP.metric, [
      [0, 70],
      [2, 70],
      [3, 40],
      [4, 40],
      [5, 80],
      [7, 80],
    ])
    expect(cs.map((c) => `${c.kind}:${c.severity}:${c.kind === 'update' ? c.active : ''}`)).toEqual([
      'open:warning:',
      'update:warning:false',
      'update:critical:true',
    ])
  })

  test('disabling a rule resolves its open alerts; a disabled rule evaluates nothing', () => {
    const e = new AlertEngine([TEMP])
    feed(e, TEMP.metric, [
      [0, 70],
      [2, 70],
    ])
    const cs = e.setRules([{ ...TEMP, enabled: false }], 3000, 0)
    expect(cs).toHaveLength(1)
    expect(cs[0]).toMatchObject({ kind: 'resolve', reason: 'rule_disabled', source: '3' })
    expect(
      feed(e, TEMP.metric, [
        [4, 90],
        [10, 90],
      ]),
    ).toEqual([])
  })

  test('edited thresholds apply from the next reading', () => {
    const e = new AlertEngine([TEMP])
    feed(e, TEMP.metric, [
      [0, 70],
      [2, 70],
    ])
    e.setRules([{ ...TEMP, warning: 72, critical: 80 }], 2500, 0)
    expect(kinds(feed(e, TEMP.metric, [[3, 70]]))).toEqual([])
    expect(kinds(feed(e, TEMP.metric, [[4, 68.9]]))).toEqual(['resolve:warning'])
  })

  test('alerts restored from storage clear when their condition does', () => {
    const e = new AlertEngine([TEMP])
    e.restore([{ type: TEMP.metric, source: '3', severity: 'critical', value: 80 }])
    expect(kinds(feed(e, TEMP.metric, [[0, 76]]))).toEqual([])
    expect(kinds(feed(e, TEMP.metric, [[1, 68]]))).toEqual(['update:warning'])
    expect(kinds(feed(e, TEMP.metric, [[2, 50]]))).toEqual(['resolve:warning'])
  })
})

describe('time', () => {
  test('durations use the monotonic time, so a wall-clock jump neither fires nor delays an alert', () => {
    const e = new AlertEngine([TEMP])
    const at = (s: number) => s * 1000
    expect(e.evaluate({ metric: TEMP.metric, source: '3', value: 70, ts: 1_000 }, at(0))).toEqual([])
    // The wall clock jumps an hour ahead (NTP): still only half a second of monotonic time.
    expect(e.evaluate({ metric: TEMP.metric, source: '3', value: 70, ts: 3_601_000 }, at(0.5))).toEqual([])
    const cs = e.evaluate({ metric: TEMP.metric, source: '3', value: 70, ts: 3_602_500 }, at(2))
    expect(kinds(cs)).toEqual(['open:warning'])
    expect(cs[0].ts).toBe(3_602_500)
  })

  test('a state that holds (an event) opens on tick once its minimum duration has passed', () => {
    const e = new AlertEngine([SILENT])
    expect(e.evaluate({ metric: SILENT.metric, source: '7', value: 1, ts: 10_000, holds: true }, 0)).toEqual([])
    expect(e.tick(500)).toEqual([])
    const cs = e.tick(1000)
    expect(kinds(cs)).toEqual(['open:critical'])
    expect(cs[0].ts).toBe(11_000)
    expect(kinds(e.evaluate({ metric: SILENT.metric, source: '7', value: 0, ts: 12_000, holds: true }, 2000))).toEqual(['resolve:critical'])
  })

  test('a servo that comes back within the minimum duration raises nothing', () => {
    const e = new AlertEngine([SILENT])
    e.evaluate({ metric: SILENT.metric, source: '7', value: 1, ts: 0, holds: true }, 0)
    e.evaluate({ metric: SILENT.metric, source: '7', value: 0, ts: 300, holds: true }, 300)
    expect(e.tick(5000)).toEqual([])
  })

  test('samples are never re-judged on tick: a stale value cannot open an alert', () => {
    const e = new AlertEngine([TEMP])
    feed(e, TEMP.metric, [[0, 70]])
    expect(e.tick(60_000)).toEqual([])
  })
})
