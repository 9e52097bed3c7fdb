// Re-renders a component when the parts of the live robot model it shows changed, at most
// once per animation frame (or less often with maxHz). With `ageing`, also once a second so
// "stale" and "last seen" labels age when nothing arrives; a component that shows no age
// (the e-stop banner, a name) is not redrawn for nothing.
import { useEffect, useState } from 'preact/hooks'
import type { LiveTopic, RobotLive } from '../robot/robot-live.ts'
import { onFrame, requestFrame } from './frame-clock.ts'

export function useLive(robot: RobotLive, maxHz = 60, topics?: readonly LiveTopic[], opts: { ageing?: boolean } = {}): RobotLive {
  const key = topics?.join(',') ?? ''
  const watched = key ? (key.split(',') as LiveTopic[]) : null
  useVersion(() => (watched ? watched.reduce((n, t) => n + robot.versions[t], 0) : robot.version), maxHz, opts.ageing ?? false, [robot, key])
  return robot
}

/** Re-renders when `stamp()` moves, checked once per frame, at most `maxHz` times a second. */
export function useVersion(stamp: () => number, maxHz: number, ageing = false, deps: unknown[] = []) {
  const [, setTick] = useState(0)
  useEffect(() => {
    let seen = stamp()
    let last = -Infinity
    let later: ReturnType<typeof setTimeout> | null = null
    const minGap = 1000 / maxHz - 2
    const offFrame = onFrame((now) => {
      const v = stamp()
      if (v === seen) return
      // Too soon: come back when the gap is up, rather than on every frame until then.
      if (now - last < minGap) {
        later ??= setTimeout(
          () => {
            later = null
            requestFrame()
          },
          minGap - (now - last),
        )
        return
      }
      seen = v
      last = now
      setTick((n) => n + 1)
    })
    const timer = ageing ? setInterval(() => setTick((n) => n + 1), 1_000) : null
    return () => {
      offFrame()
      if (timer) clearInterval(timer)
      if (later) clearTimeout(later)
    }
  }, [maxHz, ageing, ...deps])
}
