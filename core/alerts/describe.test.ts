import { describe, expect, test } from 'bun:test'
import { describeChange } from './describe.ts'

describe('alert text', () => {
  const base = { type: 'servo_silent', source: '7', ts: 0, value: 1, threshold: 1 }

  test('a two-state alert resolved because its rule was disabled does not claim the state changed', () => {
    const t = describeChange({ ...base, kind: 'resolve', severity: 'warning', peak: 1, reason: 'rule_disabled' })
    expect(t.title).toBe('Servo 7: rule disabled')
    expect(t.message).not.toContain('answering again')
  })

  test('a two-state alert that cleared says so', () => {
    const t = describeChange({ ...base, value: 0, kind: 'resolve', severity: 'warning', peak: 1, reason: 'cleared' })
    expect(t.title).toBe('Servo 7 answering again')
  })
})
