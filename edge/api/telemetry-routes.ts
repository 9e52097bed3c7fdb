// What this robot measures: its latest status, sensor history from the store, and the Pi's
// own performance (latest, and a window of it on request).
import { Elysia, t } from 'elysia'
import { parseFieldsParam } from '../../core/history-query.ts'
import { RobotStatus } from '../../core/schemas.ts'
import type { StreamName } from '../../core/streams.ts'
import { decodeThrottled } from '../../drivers/pi/parse.ts'
import { EpochMs } from '../../server/params.ts'
import { sensorQueryFields } from '../../server/sensor-query.ts'
import type { EdgeContext } from '../context.ts'
import type { EdgeAuth } from './routes.ts'
import { sensorHistory } from './sensor-history.ts'

/** What these routes use of the edge. */
type Needs = Pick<EdgeContext, 'robotId' | 'state' | 'store'>

export function telemetryRoutes(ctx: Needs, auth: EdgeAuth) {
  return new Elysia()
    .use(auth)
    .get('/robot/status', () => ctx.state.status(Date.now()), { auth: 'viewer', response: RobotStatus })
    .get(
      '/robot/sensors',
      ({ query }) => {
        const source = query.servo_id !== undefined ? String(query.servo_id) : query.source
        const r = sensorHistory(ctx.store, { ...query, stream: query.stream as StreamName, source, fields: parseFieldsParam(query.fields) }, Date.now())
        return { robot_id: ctx.robotId, stream: query.stream, ...r }
      },
      {
        auth: 'viewer',
        query: t.Object(
          sensorQueryFields(t.String({ maxLength: 8, description: 'auto (default), raw, 1s, 2s, 5s, 10s, 15s, 30s (windows up to 1 h), 1m, 5m, 15m, 1h, 1d' })),
        ),
      },
    )
    .get(
      '/pi/performance',
      ({ query }) => {
        const p = ctx.state.performance
        const latest = p ? { ts: p.ts, ...p.values, ...(p.values.throttled !== undefined ? { throttled: decodeThrottled(p.values.throttled) } : {}) } : null
        const window =
          query.from !== undefined || query.to !== undefined
            ? sensorHistory(ctx.store, { stream: 'performance', from: query.from, to: query.to, resolution: query.resolution }, Date.now())
            : null
        return { robot_id: ctx.robotId, latest, ...(window ? { window } : {}) }
      },
      {
        auth: 'viewer',
        query: t.Object({ from: t.Optional(EpochMs()), to: t.Optional(EpochMs()), resolution: t.Optional(t.String({ maxLength: 8 })) }),
      },
    )
}
