import { describe, expect, test } from 'bun:test'
import { InvalidQueryInput, assertSingleReadStatement, identifier, stringLiteral, timeLiteral, validEpochMs, validInteger, validRobotId } from './influxql.ts'

describe('literals', () => {
  test('string literals escape backslashes, single quotes and newlines', () => {
    expect(stringLiteral("x' OR 1=1 --")).toBe("'x\\' OR 1=1 --'")
    expect(stringLiteral('r1\\')).toBe("'r1\\\\'")
    expect(stringLiteral("r1\\'; DROP MEASUREMENT servos")).toBe("'r1\\\\\\'; DROP MEASUREMENT servos'")
    expect(stringLiteral('a\nb')).toBe("'a\\nb'")
    expect(stringLiteral('say "x"')).toBe('\'say "x"\'')
  })

  test('identifiers escape double quotes and backslashes', () => {
    expect(identifier('servo_id')).toBe('"servo_id"')
    expect(identifier('a"b\\')).toBe('"a\\"b\\\\"')
  })

  test('control characters InfluxQL cannot carry are refused', () => {
    expect(() => stringLiteral('a\rb')).toThrow(InvalidQueryInput)
    expect(() => stringLiteral('a\u0000b')).toThrow(InvalidQueryInput)
  })

  test('times are integer milliseconds', () => {
    expect(timeLiteral(1_700_000_000_000)).toBe('1700000000000ms')
    expect(() => timeLiteral(1.5)).toThrow(InvalidQueryInput)
  })
})

describe('validation', () => {
  test('robot ids', () => {
    for (const ok of ['r1', 'tonypi-01', 'A.b_c-9', 'x'.repeat(64)]) expect(validRobotId(ok)).toBe(ok)
    for (const bad of ["x' OR 1=1 --", 'r1"; DROP MEASUREMENT servos', 'r1\nSELECT', '', '-r', 'x'.repeat(65), 'a b', 'é', 5, null]) {
      expect(() => validRobotId(bad)).toThrow(InvalidQueryInput)
    }
  })

  test('integers, from numbers or digit strings only', () => {
    expect(validInteger('42', 'n', 0, 100)).toBe(42)
    expect(validInteger(7, 'n', 0, 100)).toBe(7)
    for (const bad of ['4.2', '1e3', '0x10', '42; DROP', 4.2, NaN, Infinity, 101, -1, '']) {
      expect(() => validInteger(bad, 'n', 0, 100)).toThrow(InvalidQueryInput)
    }
    expect(() => validEpochMs(-5, 'from')).toThrow(/from/)
  })
})

describe('the last line of defence', () => {
  test('one SELECT or SHOW statement passes', () => {
    assertSingleReadStatement(`SELECT * FROM "servos" WHERE "robot_id" = 'a;b' AND "x" = 'it\\'s; fine'`)
    assertSingleReadStatement('SHOW TAG VALUES FROM "battery" WITH KEY = "robot_id";')
  })

  test('a second statement, a write or an open quote is refused', () => {
    expect(() => assertSingleReadStatement("SELECT * FROM servos WHERE robot_id = 'r1\\\\'; DROP MEASUREMENT servos'")).toThrow(/one statement/)
    expect(() => assertSingleReadStatement('DROP MEASUREMENT servos')).toThrow(/SELECT or SHOW/)
    expect(() => assertSingleReadStatement("SELECT * FROM servos WHERE robot_id = 'x")).toThrow(/unterminated/)
  })
})
