// The statements a report sends to InfluxDB: one for many robots, grouped by robot, with every
// id validated and escaped; and their answer split back per robot and source.
import { describe, expect, test } from 'bun:test'
import { InvalidQueryInput } from '../influx/influxql.ts'
import { bucketSeconds, bucketStatement, bucketsOf } from './report-data.ts'

const W = { from: 1_750_000_000_000, to: 1_750_003_600_000, preset: '1h' as const }

describe('report statements', () => {
  test('one statement for several robots, grouped by time, robot and servo', () => {
    expect(bucketSeconds(W)).toBe(30)
    expect(bucketStatement('servos', ['temperature_c'], ['a-1', 'b.2'], W, 'servo_id')).toBe(
      'SELECT count("temperature_c") AS "count_temperature_c", sum("temperature_c") AS "sum_temperature_c", min("temperature_c") AS "min_temperature_c", max("temperature_c") AS "max_temperature_c"' +
        ' FROM "servos" WHERE ("robot_id" = \'a-1\' OR "robot_id" = \'b.2\') AND time >= 1750000000000ms AND time <= 1750003600000ms' +
        ' GROUP BY time(30s), "robot_id", "servo_id" fill(none)',
    )
  })

  test('an id that is not a robot id never reaches InfluxQL', () => {
    expect(() => bucketStatement('battery', ['percent'], ['ok', "x' OR 1=1"], W)).toThrow(InvalidQueryInput)
    expect(() => bucketStatement('battery', ['percent'], [], W)).toThrow('no robots to query')
  })

  test('the answer is split per robot, then source and field', () => {
    const cols = ['time', 'count_percent', 'sum_percent', 'min_percent', 'max_percent']
    const byRobot = bucketsOf(
      [
        {
          name: 'battery',
          tags: { robot_id: 'a' },
          columns: cols,
          values: [
            [2000, 2, 180, 89, 91],
            [1000, 1, 95, 95, 95],
          ],
        },
        { name: 'battery', tags: { robot_id: 'b' }, columns: cols, values: [[1000, 0, null, null, null]] },
      ],
      ['percent'],
    )
    expect(byRobot.get('a')!.get('')!.get('percent')).toEqual([
      { ts: 1000, n: 1, sum: 95, min: 95, max: 95 },
      { ts: 2000, n: 2, sum: 180, min: 89, max: 91 },
    ])
    expect(byRobot.has('b')).toBe(false) // no counted samples: no buckets
  })
})
