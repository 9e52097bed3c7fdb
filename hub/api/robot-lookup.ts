// What the hub's routes about one robot share: find it or answer 404, show it, and turn the
// repository's errors into HTTP ones.
import { HttpError } from '../../core/http-error.ts'
import type { HubContext } from '../context.ts'
import { RobotError, robotView } from '../robots/robot-repo.ts'

/** What a robot is looked up in. */
export type RobotLookupSource = Pick<HubContext, 'legacyListener' | 'robots'>

export async function robotOr404(ctx: RobotLookupSource, id: string) {
  const r = await ctx.robots.get(id)
  if (!r) throw new HttpError(404, 'not_found', `no robot ${id}`)
  return r
}

/** A robot as the API shows it; robots the legacy listener admitted show as unauthenticated. */
export function robotViewer(ctx: RobotLookupSource) {
  const unauthenticated = ctx.legacyListener?.admitted
  return (r: Parameters<typeof robotView>[0]) => robotView(r, unauthenticated)
}

export function repoError(err: unknown): never {
  if (err instanceof RobotError) throw new HttpError(err.status, err.status === 404 ? 'not_found' : 'conflict', err.message)
  throw err
}
