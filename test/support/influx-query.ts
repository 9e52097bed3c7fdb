// The dev services' InfluxDB queried as the tests read it: one InfluxQL statement, times in epoch
// milliseconds (a point written at a fraction of a millisecond reads as the millisecond below it).
import type { ServicesJson } from '../../tools/services/dev-services.ts'

type InfluxAccess = Pick<ServicesJson, 'influx_url' | 'influx_db' | 'influx_username' | 'influx_password'>

/** The rows of the statement's first series (empty when it has none). */
export async function influxRows<Row extends unknown[]>(s: InfluxAccess, q: string): Promise<Row[]> {
  const u = new URL(`${s.influx_url}/query`)
  u.searchParams.set('db', s.influx_db)
  u.searchParams.set('u', s.influx_username)
  u.searchParams.set('p', s.influx_password)
  u.searchParams.set('epoch', 'ms')
  u.searchParams.set('q', q)
  const j = (await (await fetch(u)).json()) as { results: { series?: { values: Row[] }[] }[] }
  return j.results[0].series?.[0].values ?? []
}
