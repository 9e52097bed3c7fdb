// Re-renders a component when the parts of the live robot model it shows changed, at most
// once per animation frame (or less often with maxHz), and at least once a second so
// "stale" and "last seen" labels age even when nothing arrives.
import { useEffect, useState } from 'preact/hooks'
import type { LiveTopic, RobotLive } from '../robot/robot-live.ts'
import { onFrame, requestFrame } from './frame-clock.ts'

export function useLive(robot: RobotLive, maxHz = 60, topics?: readonly LiveTopic[]): RobotLive {
  const [, setTick] = useState(0)
  const key = topics?.join(',') ?? ''
  useEffect(() => {
    const watched = key ? (key.split(',') as LiveTopic[]) : null
    const stamp = () => (watched ? watched.reduce((n, t) => n + robot.versions[t], 0) : robot.version)
    let seen = stamp()
    let last = -Infinity
    const minGap = 1000 / maxHz - 2
    const offFrame = onFrame((now) => {
      const v = stamp()
      if (v === seen) return
      if (now - last < minGap) { requestFrame(); return }
      seen = v
      last = now
      setTick((n) => n + 1)
    })
    const timer = setInterval(() => setTick((n) => n + 1), 1_000)
    return () => { offFrame(); clearInterval(timer) }
  }, [robot, maxHz, key])
  return robot
}
