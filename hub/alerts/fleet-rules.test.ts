import { expect, test } from 'bun:test'
import { ALERT_METRICS } from '../../core/alerts/defaults.ts'
import { ruleProblem } from '../../core/alerts/rule.ts'
import { defaultFleetRules, FLEET_METRIC_NAMES, FLEET_METRICS } from './fleet-rules.ts'

test('every default fleet rule is consistent, unique, described, and none is a robot metric', () => {
  const rules = defaultFleetRules()
  expect(rules.map((r) => r.metric).sort()).toEqual([...FLEET_METRIC_NAMES].sort())
  for (const r of rules) {
    expect(ruleProblem(r) ?? `${r.metric} ok`).toBe(`${r.metric} ok`)
    expect(FLEET_METRICS[r.metric as keyof typeof FLEET_METRICS].meaning.length).toBeGreaterThan(20)
    // One name, one meaning: a fleet metric must not shadow what a robot judges itself.
    expect(ALERT_METRICS[r.metric]).toBeUndefined()
  }
})

test('the offline alert waits out a Pi reboot; the sync lag waits out a reconnect', () => {
  const by = Object.fromEntries(defaultFleetRules().map((r) => [r.metric, r]))
  expect(by.robot_offline.minDurationS).toBeGreaterThanOrEqual(60)
  expect(by.sync_lag.minDurationS).toBeGreaterThanOrEqual(30)
  expect(by.sync_lag.warning!).toBeLessThan(by.sync_lag.critical!)
})
