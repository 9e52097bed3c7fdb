// The robot's two clocks: the wall clock, which can be wrong (no battery-backed clock on a Pi)
// and the monotonic clock since the machine booted, which is right all along and ties a boot's
// records together. Linux names each boot (boot_id), so an edge restarted within one boot keeps
// its monotonic timeline.
import { readFileSync } from 'node:fs'

export interface RobotClock {
  readonly bootId: string
  /** The wall clock the robot stamps its records with (epoch ms). */
  wall(): number
  /** Milliseconds since the machine booted. */
  mono(): number
}

function readOr(path: string, fallback: () => string): string {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return fallback()
  }
}

/** The system's clocks; `wall` may be replaced (the simulator's clock_jump steps the stamping clock). */
export function systemClock(wall: () => number = Date.now): RobotClock {
  const bootId = readOr('/proc/sys/kernel/random/boot_id', () => crypto.randomUUID())
  // /proc/uptime has 10 ms steps; performance.now() adds the fine part and never steps.
  const uptimeMs = Number(readOr('/proc/uptime', () => '0').split(' ')[0]) * 1000
  const perf0 = performance.now()
  return { bootId, wall, mono: () => uptimeMs + (performance.now() - perf0) }
}
