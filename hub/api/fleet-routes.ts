// The fleet-wide emergency stop: every connected robot is told at once, in parallel, and the
// answer says which confirmed, which did not answer, and which were not connected (those get
// nothing: an e-stop is never queued either, and a robot that is away is not moving for us).
import { Elysia, t } from 'elysia'
import type { HubContext } from '../context.ts'
import type { HubAuth } from './routes.ts'
import { commands } from '../db/schema.ts'

/** What these routes use of the hub. */
type Needs = Pick<HubContext, 'bridge' | 'db' | 'records' | 'robots'>

/** A robot answers an e-stop in milliseconds; past this it is reported as not confirmed. */
const ESTOP_WAIT_MS = 3000

export const FleetEstopResult = t.Object({
  id: t.String(),
  requested_at: t.Number(),
  confirmed: t.Integer(),
  unconfirmed: t.Integer(),
  not_connected: t.Integer(),
  robots: t.Array(
    t.Object({
      robot_id: t.String(),
      result: t.Union([t.Literal('confirmed'), t.Literal('accepted'), t.Literal('rejected'), t.Literal('no_reply'), t.Literal('not_connected')]),
      reason: t.Optional(t.String()),
    }),
  ),
})

export function fleetRoutes(ctx: Needs, auth: HubAuth) {
  return new Elysia().use(auth).post(
    '/fleet/estop',
    async ({ principal: me, body }) => {
      const id = `fleet-estop-${crypto.randomUUID()}`
      const requestedAt = Date.now()
      const reason = body?.reason?.slice(0, 200) || `fleet e-stop by ${me.username}`
      const robots = (await ctx.robots.list()).filter((r) => !r.revokedAt)
      const results = await Promise.all(
        robots.map(async (r) => {
          if (!ctx.bridge.isOnline(r.robotId)) return { robot_id: r.robotId, result: 'not_connected' as const }
          const command = { type: 'estop' as const, reason }
          await ctx.db
            .insert(commands)
            .values({ id, robotId: r.robotId, username: me.username, type: 'estop', body: command, state: 'sent' })
            .onConflictDoNothing()
          try {
            const reply = await ctx.bridge.command(r.robotId, id, command, r.legacy, ESTOP_WAIT_MS, me.username)
            if (!reply) return { robot_id: r.robotId, result: 'no_reply' as const, reason: `no answer within ${ESTOP_WAIT_MS} ms` }
            // `sent`: an earlier client off the hub's listener, whose answer cannot be attributed.
            const result =
              reply.state === 'done'
                ? ('confirmed' as const)
                : reply.state === 'accepted'
                  ? ('accepted' as const)
                  : reply.state === 'sent'
                    ? ('no_reply' as const)
                    : ('rejected' as const)
            return { robot_id: r.robotId, result, ...(reply.reason ? { reason: String(reply.reason) } : {}) }
          } catch (err) {
            return { robot_id: r.robotId, result: 'no_reply' as const, reason: (err as Error).message }
          }
        }),
      )
      const confirmed = results.filter((r) => r.result === 'confirmed' || r.result === 'accepted').length
      const notConnected = results.filter((r) => r.result === 'not_connected').length
      await ctx.records.log({
        robotId: null,
        level: 'warn',
        category: 'command',
        ts: requestedAt,
        message: `fleet e-stop by ${me.username}: ${confirmed} confirmed, ${results.length - confirmed - notConnected} unconfirmed, ${notConnected} not connected`,
        details: { id, reason, robots: results },
      })
      return { id, requested_at: requestedAt, confirmed, unconfirmed: results.length - confirmed - notConnected, not_connected: notConnected, robots: results }
    },
    {
      auth: { allow: 'operator', body: { maxBytes: 1024, maxDepth: 2 } },
      body: t.Optional(t.Union([t.Object({ reason: t.Optional(t.String({ maxLength: 200 })) }, { additionalProperties: false }), t.Null()])),
      response: FleetEstopResult,
      detail: { summary: 'Emergency-stop every connected robot at once; says which confirmed' },
    },
  )
}
