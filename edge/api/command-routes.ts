// Commands on the edge: one given over HTTP goes to the executor, which also takes them over
// MQTT, so both share one validator and every rejection is audited; and one command's outcome.
import { Elysia, t } from 'elysia'
import { HttpError } from '../../core/http-error.ts'
import { Command, CommandOutcome } from '../../core/schemas.ts'
import type { EdgeContext } from '../context.ts'
import type { EdgeAuth } from './routes.ts'

/** What these routes use of the edge. */
type Needs = Pick<EdgeContext, 'commands'>

export function commandRoutes(ctx: Needs, auth: EdgeAuth) {
  return new Elysia()
    .use(auth)
    .post(
      '/command',
      ({ principal, body, set }) => {
        const { id, ...rest } = body as Record<string, unknown>
        const out = ctx.commands.submit({ body: rest, username: principal.username, origin: 'api', id: typeof id === 'string' ? id : undefined })
        set.status = out.state === 'rejected' ? (out.reason?.startsWith('rate limit') ? 429 : 409) : 202
        if (out.reason?.startsWith('invalid command')) set.status = 400
        return out
      },
      {
        // Commands are small: the largest (a move of 32 servos) is about 1.2 KB.
        auth: { allow: 'operator', body: { maxBytes: 4096, maxDepth: 4 } },
        // The union is checked by the executor; here it documents the body.
        body: t.Object({ id: t.Optional(t.String({ maxLength: 64 })), type: t.String({ maxLength: 40 }) }, { additionalProperties: true }),
        response: { 202: CommandOutcome, 400: CommandOutcome, 409: CommandOutcome, 429: CommandOutcome },
        detail: { description: `One of: ${JSON.stringify(Command.anyOf.map((c) => c.properties.type.const))}` },
      },
    )
    .get(
      '/command/:id',
      ({ params }) => {
        const c = ctx.commands.get(params.id)
        if (!c) throw new HttpError(404, 'not_found', `no command ${params.id}`)
        return { id: c.id, type: c.type, state: c.state, reason: c.reason, ts: c.ts, updated_at: c.updatedAt, user: c.username, origin: c.origin, body: c.body }
      },
      { auth: 'viewer', params: t.Object({ id: t.String({ maxLength: 80 }) }) },
    )
}
