// Commands on the hub: sending one to a connected robot over MQTT (never queued for one that is
// away), and the audit of every command, sent from the hub or, synced, given on a robot.
import { Value } from '@sinclair/typebox/value'
import { and, desc, eq, isNull, type SQL } from 'drizzle-orm'
import { Elysia, t } from 'elysia'
import { HttpError } from '../../core/http-error.ts'
import { Command } from '../../core/schemas.ts'
import type { HubContext } from '../context.ts'
import { commands } from '../db/schema.ts'
import { robotOr404, type RobotLookupSource } from './robot-lookup.ts'
import type { HubAuth } from './routes.ts'
import { inWindow, Window } from './window-query.ts'

/** What these routes use of the hub. */
type Needs = Pick<HubContext, 'bridge' | 'config' | 'db'> & RobotLookupSource

export function hubCommandAuditRoutes(ctx: Needs, auth: HubAuth) {
  return new Elysia().use(auth).get(
    '/commands',
    async ({ query }) => {
      const where: SQL[] = []
      if (query.robot_id) where.push(eq(commands.robotId, query.robot_id))
      where.push(...inWindow(commands.createdAt, query))
      const rows = await ctx.db
        .select()
        .from(commands)
        .where(and(...where))
        .orderBy(desc(commands.createdAt))
        .limit(query.limit ?? 100)
        .offset(query.offset ?? 0)
      return rows.map((c) => ({
        id: c.id,
        robot_id: c.robotId,
        type: c.type,
        state: c.state,
        reason: c.reason,
        user: c.username,
        origin: c.origin,
        ts: c.createdAt.getTime(),
        updated_at: c.updatedAt.getTime(),
        body: c.body,
        synced: c.edgeSeq !== null,
      }))
    },
    {
      auth: 'viewer',
      query: t.Object({ robot_id: t.Optional(t.String({ maxLength: 64 })), ...Window }),
      detail: {
        summary:
          "The command audit, newest first: commands sent from the hub and, synced, those given on each robot (the robot's outcome where it has reported it)",
      },
    },
  )
}

export function hubCommandRoutes(ctx: Needs, auth: HubAuth) {
  return new Elysia().use(auth).post(
    '/command',
    async ({ principal, body, set }) => {
      const { robot_id, id: given, ...command } = body as Record<string, unknown> & { robot_id: string; id?: string }
      const robot = await robotOr404(ctx, robot_id)
      if (robot.revokedAt) throw new HttpError(409, 'conflict', `robot ${robot_id} is revoked`)
      if (!Value.Check(Command, command)) {
        const e = Value.Errors(Command, command).First()
        throw new HttpError(400, 'invalid_request', `invalid command${e ? `: ${e.path || '/'} ${e.message}` : ''}`)
      }
      // Never queued for a robot that is away: a motion replayed when it comes back is a hazard.
      if (!ctx.bridge.isOnline(robot_id)) {
        const seen = robot.lastSeenAt ? `last heard ${new Date(robot.lastSeenAt).toISOString()}` : 'never heard from'
        throw new HttpError(409, 'not_connected', `robot ${robot_id} is not connected (${seen}): commands are sent only to a connected robot, never queued`)
      }
      const id = typeof given === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(given) ? given : crypto.randomUUID()
      const inserted = await ctx.db
        .insert(commands)
        .values({ id, robotId: robot_id, username: principal.username, type: String(command.type), body: command, state: 'sent' })
        .onConflictDoNothing()
        .returning({ id: commands.id })
      if (!inserted.length) throw new HttpError(409, 'conflict', `robot ${robot_id} already has a command ${id}`)
      const reply = await ctx.bridge.command(robot_id, id, command, robot.legacy, ctx.config.commandTimeoutMs, principal.username)
      const state = reply ? (['accepted', 'done', 'rejected', 'failed', 'sent'].includes(reply.state) ? reply.state : 'failed') : 'timeout'
      await ctx.db
        .update(commands)
        .set({ state: state as 'accepted', reason: reply?.reason ?? (reply ? null : 'no reply in time'), updatedAt: new Date() })
        .where(and(eq(commands.robotId, robot_id), eq(commands.id, id), isNull(commands.edgeSeq)))
      set.status = state === 'timeout' ? 504 : state === 'rejected' ? 409 : state === 'failed' ? 502 : state === 'sent' ? 202 : 200
      return {
        id,
        robot_id,
        type: command.type,
        state,
        reason: reply?.reason ?? (reply ? undefined : `no reply from ${robot_id} within ${ctx.config.commandTimeoutMs} ms`),
      }
    },
    {
      auth: { allow: 'operator', body: { maxBytes: 4096, maxDepth: 4 } },
      body: t.Object(
        { robot_id: t.String({ maxLength: 64 }), id: t.Optional(t.String({ maxLength: 64 })), type: t.String({ maxLength: 40 }) },
        { additionalProperties: true },
      ),
      detail: { description: 'Routed to the robot over MQTT; answers with its reply or a timeout.' },
    },
  )
}
