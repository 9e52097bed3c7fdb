// The API's view of InfluxDB: sensor history and Pi performance through the safe query
// builder; InfluxDB's refusals of bad input become 400s naming the parameter.
import { HttpError } from '../core/http-error.ts'
import { endpoint, authorize, type InfluxAuth } from './influx/auth.ts'
import { InvalidQueryInput } from './influx/influxql.ts'
import { InfluxQuery } from './influx/query.ts'
import type { TelemetryReader } from './context.ts'

export function influxTelemetry(opts: { url: string; db: string } & InfluxAuth): TelemetryReader {
  const q = new InfluxQuery(opts)
  const asHttp = (err: unknown): never => {
    if (err instanceof InvalidQueryInput) throw new HttpError(400, 'invalid_request', err.message)
    throw err
  }
  return {
    sensors: (req, now) =>
      q
        .sensorHistory(
          {
            robotId: req.robotId,
            stream: req.stream,
            from: req.from,
            to: req.to,
            resolution: req.resolution,
            servoId: req.servoId,
            source: req.sensor,
            fields: req.fields,
            limit: req.limit,
          },
          now,
        )
        .catch(asHttp),
    performance: (req, now) => q.performance(req, now).catch(asHttp),
    async ping() {
      const url = endpoint(opts.url, 'ping')
      const headers: Record<string, string> = {}
      authorize(url, headers, opts)
      const r = await fetch(url, { headers, signal: AbortSignal.timeout(3000) })
      return r.status === 204
    },
  }
}
