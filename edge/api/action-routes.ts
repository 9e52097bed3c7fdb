// GET actions: the HiWonder action groups on this robot that action.run can play.
import { Elysia } from 'elysia'
import { listActionGroups } from '../../drivers/action-groups/d6a.ts'
import type { EdgeContext } from '../context.ts'
import type { EdgeAuth } from './routes.ts'

/** What these routes use of the edge. */
type Needs = Pick<EdgeContext, 'commands' | 'config'>

export function actionRoutes(ctx: Needs, auth: EdgeAuth) {
  return new Elysia().use(auth).get(
    '/actions',
    () => {
      let names: string[] = []
      let error: string | null = null
      try {
        names = listActionGroups(ctx.config.actionDir)
      } catch (err) {
        error = (err as Error).message
      }
      return { dir: ctx.config.actionDir, names, playing: ctx.commands.player.current, ...(error ? { error } : {}) }
    },
    { auth: 'viewer', detail: { summary: 'HiWonder action groups available to action.run, and the one playing' } },
  )
}
