import { describe, expect, test } from 'bun:test'
import { batteryPercent, packRange } from '../units.ts'
import { ALERT_METRICS, defaultRules } from './defaults.ts'
import { describeChange } from './describe.ts'
import { AlertEngine } from './engine.ts'
import { ruleProblem } from './rule.ts'

describe('default rules', () => {
  for (const pack of ['2S', '3S'] as const) {
    test(`${pack}: every rule is consistent, unique and described`, () => {
      const rules = defaultRules(pack)
      expect(new Set(rules.map((r) => r.metric)).size).toBe(rules.length)
      for (const r of rules) {
        expect(ruleProblem(r) ?? `${r.metric} ok`).toBe(`${r.metric} ok`)
        expect(ALERT_METRICS[r.metric]).toBeDefined()
      }
    })

    test(`${pack}: the servo supply lines sit inside the pack's range, between empty and its resting plateau`, () => {
      const v = defaultRules(pack).find((r) => r.metric === 'servo_voltage')!
      const { empty, full } = packRange(pack)
      expect(v.direction).toBe('low')
      expect(v.critical!).toBeGreaterThanOrEqual(empty)
      expect(v.warning!).toBeLessThan(empty + (full - empty) * 0.25)
      // A pack at half charge must be far from both lines, or the rule fires in normal work.
      const halfCharged = (full / 4.2) * 3.75
      expect(halfCharged - v.warning!).toBeGreaterThan(0.5)
    })
  }

  test('the earlier 5.5/5.0 V low-side rule was above every normal reading it saw, so it was always open', () => {
    const engine = new AlertEngine([
      { metric: 'servo_voltage', direction: 'low', warning: 5.5, critical: 5.0, minDurationS: 0, hysteresis: 0, autoResolve: true, enabled: true },
    ])
    const normal = [4.8, 4.9, 5.0, 5.1, 5.2]
    const changes = normal.flatMap((v, i) => engine.evaluate({ metric: 'servo_voltage', source: '1', value: v, ts: i }, i))
    expect(changes.length).toBeGreaterThan(0)
    expect(engine.openAlerts()).toHaveLength(1)
  })

  test('the battery percentages are the same cell voltages on both packs (the curve is per pack)', () => {
    const b = defaultRules('2S').find((r) => r.metric === 'battery_percent')!
    expect(defaultRules('3S').find((r) => r.metric === 'battery_percent')).toEqual(b)
    expect(batteryPercent(7.2, '2S')).toBe(b.warning!)
    expect(batteryPercent(10.8, '3S')).toBe(b.warning!)
    expect(batteryPercent(7.0, '2S')).toBe(b.critical!)
    expect(batteryPercent(10.5, '3S')).toBe(b.critical!)
  })

  test('the servo cut-out (85 C) is beyond critical, and normal walking (up to 60 C) below warning', () => {
    const t = defaultRules('2S').find((r) => r.metric === 'servo_temperature')!
    expect(t.critical!).toBeLessThan(85)
    expect(t.warning! - t.hysteresis).toBeGreaterThan(60)
  })

  test('the CPU lines bracket the firmware soft throttle at 80 C', () => {
    const t = defaultRules('2S').find((r) => r.metric === 'cpu_temperature')!
    expect(t.warning!).toBeLessThan(80)
    expect(t.critical!).toBeLessThanOrEqual(80)
  })
})

describe('alert text', () => {
  const rules = defaultRules('2S')
  const rule = (m: string) => rules.find((r) => r.metric === m)!

  test('names the value, the line and what it means', () => {
    const t = describeChange(
      { kind: 'open', type: 'servo_temperature', source: '3', severity: 'warning', value: 68, threshold: 65, ts: 0 },
      { sourceLabel: '3 (r_hip)', rule: rule('servo_temperature') },
    )
    expect(t.title).toBe('Servo 3 (r_hip) temperature high: 68 °C')
    expect(t.message).toContain('above the warning line of 65 °C')
    expect(t.message).toContain('85 °C')
  })

  test('a resolve gives the clearing line and the worst value', () => {
    const t = describeChange(
      { kind: 'resolve', type: 'battery_percent', source: '', severity: 'critical', value: 24, threshold: 20, ts: 0, peak: 6, reason: 'cleared' },
      { rule: rule('battery_percent') },
    )
    expect(t.title).toBe('Battery back to normal: 24%')
    expect(t.message).toBe('24% (above 23%); the lowest was 6%.')
  })

  test('on/off metrics read as states', () => {
    expect(describeChange({ kind: 'open', type: 'fall', source: '', severity: 'critical', value: 172, threshold: 160, ts: 0, note: 'back' }).title).toBe(
      'Robot has fallen: back',
    )
    expect(
      describeChange({ kind: 'resolve', type: 'servo_silent', source: '7', severity: 'critical', value: 0, threshold: 1, ts: 0, peak: 1, reason: 'cleared' })
        .title,
    ).toBe('Servo 7 answering again')
  })
})
