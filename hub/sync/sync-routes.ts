// The hub's sync API under /api/v1/sync. Robots call config, batch and down with their own
// credential (HTTP Basic, checked before the body is read: a robot can only ever write its own
// data); people read status. Bodies are read here, within their limits, not by the framework.
import { Elysia, t } from 'elysia'
import { HttpError } from '../../core/http-error.ts'
import { BatchRefused, checkBatch, planBatch, readBatchBody } from '../../sync/ingest.ts'
import { BATCH_LIMITS, DownRequest, SYNC_VERSION, type SyncConfig } from '../../sync/protocol.ts'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { requireHubRole } from '../api/auth.ts'
import type { HubContext } from '../context.ts'
import { InfluxWriteError } from '../influx/acked-writes.ts'
import type { RobotRow } from '../robots/robot-repo.ts'
import { marksFor, SyncGap } from './batch-store.ts'
import { robotSyncStatus } from './sync-status.ts'

const robotOnly = { security: [{ robot: [] }] }
const downCheck = TypeCompiler.Compile(DownRequest)

/** The body, read up to `max` bytes: a larger one is refused before it is all in memory. */
async function readLimited(request: Request, max: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN)
  if (declared > max) throw new HttpError(413, 'too_large', `the body is ${declared} bytes; at most ${max} are accepted`)
  if (!request.body) return new Uint8Array()
  const parts: Uint8Array[] = []
  let n = 0
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    n += chunk.length
    if (n > max) throw new HttpError(413, 'too_large', `the body is over ${max} bytes`)
    parts.push(chunk)
  }
  return Buffer.concat(parts)
}

export function hubSyncRoutes(ctx: HubContext) {
  const robot = async (authorization: string | undefined): Promise<RobotRow> => {
    const r = await ctx.robotCredentials.verify(authorization)
    if (!r) throw new HttpError(401, 'unauthorized', "a robot's own credential is required (HTTP Basic: robot-<id> and the token the hub issued)", { 'www-authenticate': 'Basic realm="tonypi-sync"' })
    return r
  }

  return new Elysia()
    .get('/sync/config', async ({ headers, query }) => {
      const r = await robot(headers.authorization)
      const row = await ctx.sync.syncRow(r.robotId)
      const dbId = query.db_id ?? null
      const cfg: SyncConfig = {
        v: SYNC_VERSION, robot_id: r.robotId,
        mqtt: { url: ctx.config.publicMqttUrl ?? ctx.config.mqttUrl!, username: r.credentialUsername },
        limits: { max_records: BATCH_LIMITS.maxRecords, max_bytes: BATCH_LIMITS.maxBytes },
        ack: marksFor(row, dbId), db_id: row?.dbId ?? null, hub_ms: Date.now(),
      }
      return cfg
    }, {
      query: t.Object({ db_id: t.Optional(t.String({ maxLength: 64 })) }),
      detail: { ...robotOnly, summary: "For a robot: the broker to use, the batch limits and the hub's marks for its database" },
    })

    .post('/sync/batch', async ({ headers, request, set }) => {
      const r = await robot(headers.authorization)
      const arrival = Date.now()
      let plan
      try {
        const raw = readBatchBody(await readLimited(request, BATCH_LIMITS.maxWireBytes), headers['content-encoding'] ?? null)
        const b = checkBatch(raw, r.robotId)
        const anchors = await ctx.sync.anchors(r.robotId, { bootId: b.boot_id, monoMs: b.mono_ms, arrivalMs: arrival, rttMs: b.rtt_ms })
        plan = planBatch(b, anchors)
      } catch (err) {
        if (err instanceof BatchRefused) {
          void ctx.records.log({ robotId: r.robotId, level: 'warn', category: 'sync', message: `sync batch refused: ${err.message}`, ts: arrival })
          throw new HttpError(err.status, err.code, err.message)
        }
        throw err
      }
      try {
        const applied = await ctx.sync.apply(r.robotId, plan, arrival)
        await ctx.alerts.announceSynced(applied.alertChanges)
        const row = await ctx.sync.syncRow(r.robotId)
        ctx.live.event(r.robotId, 'sync', robotSyncStatus(r, row, true, Date.now()) as unknown as Record<string, unknown>)
        return applied.ack
      } catch (err) {
        if (err instanceof SyncGap) {
          set.status = 409
          return { error: 'sync_gap', message: err.message, ack: err.ack }
        }
        if (err instanceof InfluxWriteError) {
          throw new HttpError(err.retry ? 503 : 502, 'influx_unavailable', `the hub could not store the samples: ${err.message}`, err.retry ? { 'retry-after': '5' } : undefined)
        }
        throw err
      }
    }, {
      parse: 'none',
      detail: { ...robotOnly, summary: "A robot's batch (gzip JSON, sync/protocol.ts); answers with the hub's marks once everything is stored" },
    })

    .post('/sync/down', async ({ headers, request }) => {
      const r = await robot(headers.authorization)
      let body: unknown
      try {
        body = readBatchBody(await readLimited(request, 64 * 1024), headers['content-encoding'] ?? null)
      } catch (err) {
        if (err instanceof BatchRefused) throw new HttpError(err.status, err.code, err.message)
        throw err
      }
      if (!downCheck.Check(body)) {
        const e = downCheck.Errors(body).First()
        throw new HttpError(400, 'invalid_request', `invalid down request${e ? `: ${e.path || '/'} ${e.message}` : ''}`)
      }
      return ctx.sync.downState(r.robotId, body.done_actions)
    }, {
      parse: 'none',
      detail: { ...robotOnly, summary: "For a robot: the hub's users, the rules it sets for the robot, and alert actions given on the hub" },
    })

    .get('/sync/status', async ({ headers, query }) => {
      await requireHubRole(ctx, headers.authorization, 'viewer')
      const list = query.robot_id ? [await ctx.robots.get(query.robot_id)] : await ctx.robots.list()
      if (list[0] === null) throw new HttpError(404, 'not_found', `no robot ${query.robot_id}`)
      const rows = new Map((await ctx.sync.syncRows()).map((s) => [s.robotId, s]))
      return list.map((rb) => robotSyncStatus(rb!, rows.get(rb!.robotId), ctx.bridge.isOnline(rb!.robotId), Date.now()))
    }, {
      query: t.Object({ robot_id: t.Optional(t.String({ maxLength: 64 })) }),
      detail: { security: [{ bearer: [] }], summary: "Each robot's sync: connected, backlog, marks, last batch, lag, rate, dropped samples, catch-up progress" },
    })
}
