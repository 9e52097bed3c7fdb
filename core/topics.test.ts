import { describe, expect, test } from 'bun:test'
import { isValidRobotId, parseTopic, robotTopic } from './topics.ts'

describe('topic tree', () => {
  test('builds and parses our topics', () => {
    expect(robotTopic('tp1', 'command/request')).toBe('tonypi/tp1/command/request')
    expect(parseTopic('tonypi/tp1/servos')).toEqual({ kind: 'robot', robotId: 'tp1', channel: 'servos' })
    expect(parseTopic('tonypi/tp1/command/response')).toEqual({ kind: 'robot', robotId: 'tp1', channel: 'command/response' })
    expect(parseTopic('tonypi/system/alerts')).toEqual({ kind: 'system', channel: 'alerts' })
  })

  test("tells the earlier system's layout apart", () => {
    expect(parseTopic('tonypi/sensors/tp1')).toEqual({ kind: 'legacy', root: 'sensors', robotId: 'tp1' })
    expect(parseTopic('tonypi/battery')).toEqual({ kind: 'legacy', root: 'battery' })
    expect(parseTopic('tonypi/status/tp1')).toEqual({ kind: 'legacy', root: 'status', robotId: 'tp1' })
    expect(parseTopic('tonypi/commands/response')).toEqual({ kind: 'legacy', root: 'commands', robotId: 'response' })
  })

  test('rejects what is neither', () => {
    expect(parseTopic('other/tp1/servos').kind).toBe('unknown')
    expect(parseTopic('tonypi/tp1/unknown').kind).toBe('unknown')
    expect(parseTopic('tonypi/bad id/servos').kind).toBe('unknown')
    expect(isValidRobotId('servos')).toBe(false)
    expect(isValidRobotId('system')).toBe(false)
    expect(isValidRobotId('tonypi-01')).toBe(true)
    expect(isValidRobotId('a/b')).toBe(false)
  })
})
