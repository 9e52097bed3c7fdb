// Hub (fleet mode): a robot's pages live under /robots/<id>/, so a link names the robot.
/** `/robots/<id>/servos` -> { robotId, page: '/servos' }; null for any other path. */
export function parseRobotPath(path: string): { robotId: string; page: string } | null {
  const m = /^\/robots\/([^/]+)(\/[^/]*)?\/?$/.exec(path)
  if (!m) return null
  let robotId: string
  try {
    robotId = decodeURIComponent(m[1])
  } catch {
    return null
  }
  const page = m[2] ?? ''
  return { robotId, page: page === '/' ? '' : page }
}

export function robotPagePath(robotId: string, page: string): string {
  return `/robots/${encodeURIComponent(robotId)}${page}`
}
