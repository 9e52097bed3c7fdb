// What the fleet's robots measure, as the hub has it: who is online, sensor history and the
// Pi's own performance from InfluxDB, in the edge's shapes with a robot_id to choose.
import { Elysia, t } from 'elysia'
import { parseFieldsParam } from '../../core/history-query.ts'
import { EpochMs } from '../../server/params.ts'
import { sensorQueryFields } from '../../server/sensor-query.ts'
import type { HubContext } from '../context.ts'
import { robotOr404, robotViewer, type RobotLookupSource } from './robot-lookup.ts'
import type { HubAuth } from './routes.ts'

/** What these routes use of the hub. */
type Needs = Pick<HubContext, 'bridge' | 'robots' | 'telemetry'> & RobotLookupSource

export function hubTelemetryRoutes(ctx: Needs, auth: HubAuth) {
  const view = robotViewer(ctx)
  return new Elysia()
    .use(auth)
    .get(
      '/robot/status',
      async ({ query }) => {
        const list = query.robot_id ? [await robotOr404(ctx, query.robot_id)] : await ctx.robots.list()
        return list.map((r) => ({ ...view(r), online: ctx.bridge.isOnline(r.robotId) }))
      },
      { auth: 'viewer', query: t.Object({ robot_id: t.Optional(t.String({ maxLength: 64 })) }) },
    )
    .get(
      '/robot/sensors',
      async ({ query }) => {
        await robotOr404(ctx, query.robot_id)
        return ctx.telemetry.sensors(
          {
            robotId: query.robot_id,
            stream: query.stream,
            from: query.from,
            to: query.to,
            resolution: query.resolution,
            servoId: query.servo_id,
            sensor: query.source,
            fields: parseFieldsParam(query.fields),
            limit: query.limit,
          },
          Date.now(),
        )
      },
      {
        auth: 'viewer',
        query: t.Object({ robot_id: t.String({ maxLength: 64 }), ...sensorQueryFields() }),
      },
    )
    .get(
      '/pi/performance',
      async ({ query }) => {
        await robotOr404(ctx, query.robot_id)
        return ctx.telemetry.performance({ robotId: query.robot_id, from: query.from, to: query.to, resolution: query.resolution }, Date.now())
      },
      {
        auth: 'viewer',
        query: t.Object({
          robot_id: t.String({ maxLength: 64 }),
          from: t.Optional(EpochMs()),
          to: t.Optional(EpochMs()),
          resolution: t.Optional(t.String({ maxLength: 8 })),
        }),
      },
    )
}
