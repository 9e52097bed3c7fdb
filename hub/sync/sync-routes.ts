// The hub's sync API under /api/v1/sync. Robots call config, batch and down with their own
// credential (checked by the auth layer before the body is read: a robot can only ever write its
// own data, its id comes from the credential); people read status.
import { Elysia, t } from 'elysia'
import { HttpError } from '../../core/http-error.ts'
import { BatchRefused, checkBatch, planBatch, readBatchBody } from '../../sync/ingest.ts'
import { BATCH_LIMITS, DownRequest, SYNC_VERSION, type SyncConfig } from '../../sync/protocol.ts'
import type { Principal } from '../../server/principal.ts'
import type { HubAuth } from '../api/routes.ts'
import type { HubContext } from '../context.ts'
import { InfluxWriteError } from '../influx/acked-writes.ts'
import { marksFor, SyncGap } from './batch-store.ts'
import { robotSyncStatus } from './sync-status.ts'

/** What these routes use of the hub. */
type Needs = Pick<HubContext, 'alerts' | 'bridge' | 'config' | 'live' | 'records' | 'robots' | 'sync'>

/** The robot a robot's credential names (the auth layer admitted only robots here). */
function robotOf(p: Principal): string {
  if (p.kind !== 'robot') throw new HttpError(403, 'forbidden', "this is a robot's route")
  return p.robotId
}

export function hubSyncRoutes(ctx: Needs, auth: HubAuth) {
  const robotRow = async (p: Principal) => {
    const r = await ctx.robots.get(robotOf(p))
    if (!r) throw new HttpError(404, 'not_found', `no robot ${robotOf(p)}`)
    return r
  }

  return new Elysia()
    .use(auth)
    .get(
      '/sync/config',
      async ({ principal, query }) => {
        const r = await robotRow(principal)
        const row = await ctx.sync.syncRow(r.robotId)
        const cfg: SyncConfig = {
          v: SYNC_VERSION,
          robot_id: r.robotId,
          mqtt: { url: ctx.config.publicMqttUrl ?? ctx.config.mqttUrl!, username: r.credentialUsername },
          limits: { max_records: BATCH_LIMITS.maxRecords, max_bytes: BATCH_LIMITS.maxBytes },
          ack: marksFor(row, query.db_id ?? null),
          db_id: row?.dbId ?? null,
          hub_ms: Date.now(),
        }
        return cfg
      },
      {
        auth: 'robot',
        query: t.Object({ db_id: t.Optional(t.String({ maxLength: 64 })) }),
        detail: { summary: "For a robot: the broker to use, the batch limits and the hub's marks for its database" },
      },
    )

    .post(
      '/sync/batch',
      async ({ principal, body, headers, set }) => {
        const robotId = robotOf(principal)
        const arrival = Date.now()
        let plan
        try {
          const raw = readBatchBody(body as Uint8Array, headers['content-encoding'] ?? null)
          const b = checkBatch(raw, robotId)
          const anchors = await ctx.sync.anchors(
            robotId,
            { bootId: b.boot_id, monoMs: b.mono_ms, arrivalMs: arrival, rttMs: b.rtt_ms, anchorMs: b.anchor_ms },
            b.clock.map((c) => c.boot_id),
          )
          plan = planBatch(b, anchors)
        } catch (err) {
          if (err instanceof BatchRefused) {
            void ctx.records.log({ robotId, level: 'warn', category: 'sync', message: `sync batch refused: ${err.message}`, ts: arrival })
            throw new HttpError(err.status, err.code, err.message)
          }
          throw err
        }
        try {
          const applied = await ctx.sync.apply(robotId, plan, arrival)
          if (applied.alertChanges.length) await ctx.alerts.announceSynced(applied.alertChanges)
          ctx.live.event(robotId, 'sync', robotSyncStatus(robotId, applied.state, true, Date.now()) as unknown as Record<string, unknown>)
          return applied.ack
        } catch (err) {
          if (err instanceof SyncGap) {
            set.status = 409
            return { error: 'sync_gap', message: err.message, ack: err.ack }
          }
          if (err instanceof InfluxWriteError) {
            throw new HttpError(
              err.retry ? 503 : 502,
              'influx_unavailable',
              `the hub could not store the samples: ${err.message}`,
              err.retry ? { 'retry-after': '5' } : undefined,
            )
          }
          throw err
        }
      },
      {
        auth: { allow: 'robot', body: { raw: true, maxBytes: BATCH_LIMITS.maxWireBytes } },
        detail: { summary: "A robot's batch (gzip JSON, sync/protocol.ts); answers with the hub's marks once everything is stored" },
      },
    )

    .post('/sync/down', async ({ principal, body }) => ctx.sync.downState(robotOf(principal), body.done_actions), {
      auth: { allow: 'robot', body: { maxBytes: 64 * 1024, maxDepth: 3 } },
      body: DownRequest,
      detail: { summary: "For a robot: the hub's users, the rules it sets for the robot, and alert actions given on the hub" },
    })

    .get(
      '/sync/status',
      async ({ query }) => {
        const list = query.robot_id ? [await ctx.robots.get(query.robot_id)] : await ctx.robots.list()
        if (list[0] === null) throw new HttpError(404, 'not_found', `no robot ${query.robot_id}`)
        const rows = new Map((await ctx.sync.syncRows()).map((s) => [s.robotId, s]))
        return list.map((rb) => robotSyncStatus(rb!.robotId, rows.get(rb!.robotId), ctx.bridge.isOnline(rb!.robotId), Date.now()))
      },
      {
        auth: 'viewer',
        query: t.Object({ robot_id: t.Optional(t.String({ maxLength: 64 })) }),
        detail: { summary: "Each robot's sync: connected, backlog, marks, last batch, lag, rate, dropped samples, catch-up progress" },
      },
    )
}
