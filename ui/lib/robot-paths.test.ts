import { expect, test } from 'bun:test'
import { parseRobotPath, robotPagePath } from './robot-paths.ts'

test('a robot page path names the robot and the page', () => {
  expect(parseRobotPath('/robots/robot-a')).toEqual({ robotId: 'robot-a', page: '' })
  expect(parseRobotPath('/robots/robot-a/')).toEqual({ robotId: 'robot-a', page: '' })
  expect(parseRobotPath('/robots/robot-a/servos')).toEqual({ robotId: 'robot-a', page: '/servos' })
  expect(parseRobotPath('/robots/r.1_x/logs/')).toEqual({ robotId: 'r.1_x', page: '/logs' })
  expect(parseRobotPath('/robots')).toBeNull()
  expect(parseRobotPath('/servos')).toBeNull()
  expect(parseRobotPath('/robots/a/b/c')).toBeNull()
  expect(parseRobotPath('/robots/%E0%A4%A/servos')).toBeNull()
  expect(robotPagePath('robot-a', '/servos')).toBe('/robots/robot-a/servos')
  expect(robotPagePath('a b', '')).toBe('/robots/a%20b')
})
