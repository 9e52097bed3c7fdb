import { describe, expect, test } from 'bun:test'
import { expandInfluxQL, expandSql, grafanaIntervalMs, intervalText } from './macros.ts'

const ctx = { from: Date.UTC(2021, 5, 1, 12, 0, 0), to: Date.UTC(2021, 5, 1, 18, 0, 0), intervalMs: 60_000, vars: { robot: 'tonypi-01' } }

describe("Grafana's expansion", () => {
  test('InfluxQL: $timeFilter as epoch ms, $__interval as text, variables in all three spellings', () => {
    expect(expandInfluxQL(`SELECT mean("v") FROM "m" WHERE "robot_id" = '$robot' AND $timeFilter GROUP BY time($__interval)`, ctx)).toBe(
      `SELECT mean("v") FROM "m" WHERE "robot_id" = 'tonypi-01' AND time >= 1622548800000ms and time <= 1622570400000ms GROUP BY time(1m)`,
    )
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own ${var} syntax, expanded by the code under test
    expect(expandInfluxQL('${robot} [[robot]] $__interval_ms', ctx)).toBe('tonypi-01 tonypi-01 60000')
  })

  test('SQL macros, with $__interval expanded inside them first', () => {
    expect(expandSql('SELECT $__timeGroupAlias(created_at, $__interval), count(*) FROM alerts WHERE $__timeFilter(created_at)', ctx)).toBe(
      `SELECT floor(extract(epoch from created_at)/60)*60 AS "time", count(*) FROM alerts WHERE created_at BETWEEN '2021-06-01T12:00:00Z' AND '2021-06-01T18:00:00Z'`,
    )
    expect(expandSql('$__time(t), $__timeEpoch(t), $__timeFrom(), $__timeTo(), $__unixEpochFilter(e)', ctx)).toBe(
      `t AS "time", extract(epoch from t) AS "time", '2021-06-01T12:00:00Z', '2021-06-01T18:00:00Z', e >= 1622548800 AND e <= 1622570400`,
    )
  })

  test('anything left unexpanded is an error, not a query Grafana would never send', () => {
    expect(() => expandInfluxQL("WHERE robot_id = '$robt'", ctx)).toThrow(/\$robt/)
    expect(() => expandSql('$__timeSomething(x)', ctx)).toThrow(/unknown macro/)
  })

  test('intervals', () => {
    expect([500, 1000, 90_000, 3_600_000].map(intervalText)).toEqual(['500ms', '1s', '90s', '1h'])
    expect(grafanaIntervalMs(6 * 3_600_000)).toBe(30_000)
    expect(grafanaIntervalMs(7 * 86_400_000)).toBe(900_000)
  })
})
