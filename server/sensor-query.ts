// The query of GET robot/sensors, which the edge and the hub answer alike. `resolution` is each
// API's own: the edge documents the windows its store keeps.
import { t } from 'elysia'
import { STREAM_NAMES } from '../core/streams.ts'
import { EpochMs } from './params.ts'

export const sensorQueryFields = (resolution = t.String({ maxLength: 8 })) => ({
  stream: t.Union(STREAM_NAMES.map((s) => t.Literal(s))),
  from: t.Optional(EpochMs()),
  to: t.Optional(EpochMs()),
  resolution: t.Optional(resolution),
  servo_id: t.Optional(t.Numeric({ minimum: 0, maximum: 253 })),
  source: t.Optional(t.String({ maxLength: 64 })),
  fields: t.Optional(t.String({ maxLength: 512, description: 'comma-separated: only these fields (default all)' })),
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 100000 })),
})
