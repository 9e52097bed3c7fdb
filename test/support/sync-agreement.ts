// Does the hub have exactly what the robot has? Record for record: every stored chunk's samples
// as InfluxDB points (measurement, tags, time), every event, alert, job, command and report of
// the robot's database in PostgreSQL under its key and at its latest version, no duplicates.
// Reads the robot's SQLite file directly (a stopped or killed edge's database too), with its tick
// journal, which holds the newest chunks and cursor values until they are folded into the file.
import { Database } from 'bun:sqlite'
import { SQL } from 'bun'
import { decodeChunk } from '../../core/chunk-codec.ts'
import type { StreamName } from '../../core/streams.ts'
import { encodeSamples } from '../../hub/influx/line-protocol.ts'
import { journalOf } from './journal.ts'

export interface AgreementTargets {
  robotId: string
  edgeDbPath: string
  postgresUrl: string
  influx: { url: string; db: string; user: string; password: string }
}

export interface Agreement {
  ok: boolean
  problems: string[]
  /** Chunks written after the robot's cursor: in flight, allowed to be on the hub or not. */
  pending: number
  counts: { points: number; events: number; alerts: number; jobs: number; commands: number; reports: number }
}

/** Line protocol's identity of a point: measurement, sorted tag set and time. */
const pointKey = (line: string) => {
  const sp = line.indexOf(' ')
  const ts = line.slice(line.lastIndexOf(' ') + 1)
  return `${line.slice(0, sp)}@${ts}`
}

async function influxKeys(t: AgreementTargets['influx'], robotId: string, measurement: string): Promise<Set<string>> {
  const u = new URL(`${t.url}/query`)
  u.searchParams.set('db', t.db)
  u.searchParams.set('epoch', 'ms')
  u.searchParams.set('u', t.user)
  u.searchParams.set('p', t.password)
  u.searchParams.set('q', `SELECT * FROM "${measurement}" WHERE "robot_id" = '${robotId}' GROUP BY *`)
  const j = (await (await fetch(u)).json()) as {
    results: { series?: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[] }[]
  }
  const out = new Set<string>()
  for (const s of j.results[0]?.series ?? []) {
    const tags = Object.entries(s.tags ?? {})
      .filter(([, v]) => v !== '')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
    const head = [s.name, ...tags].join(',')
    for (const v of s.values) out.add(`${head}@${v[0]}`)
  }
  return out
}

export async function checkAgreement(t: AgreementTargets): Promise<Agreement> {
  const problems: string[] = []
  const edge = new Database(t.edgeDbPath, { readonly: true })
  const pg = new SQL(t.postgresUrl, { max: 1 })
  try {
    const journal = journalOf(edge, t.edgeDbPath)
    const meta = (k: string) => journal.meta.get(k) ?? (edge.query('SELECT value FROM meta WHERE key = ?').get(k) as { value: string } | null)?.value
    const dbId = meta('sync.db_id')
    if (!dbId)
      return {
        ok: false,
        problems: ['the robot never synced (no database id)'],
        pending: 0,
        counts: { points: 0, events: 0, alerts: 0, jobs: 0, commands: 0, reports: 0 },
      }
    const cursor = { events: Number(meta('sync.cursor.events') ?? 0), telemetry: Number(meta('sync.cursor.telemetry') ?? 0) }
    const [state] = await pg`select high_water_seq, events_high_water_seq, db_id from sync_state where robot_id = ${t.robotId}`
    if (!state || state.db_id !== dbId) problems.push(`the hub's sync state is for database ${state?.db_id ?? 'none'}, the robot's is ${dbId}`)
    else if (Number(state.high_water_seq) !== cursor.telemetry || Number(state.events_high_water_seq) !== cursor.events) {
      problems.push(`marks differ: hub ${state.events_high_water_seq}/${state.high_water_seq}, robot ${cursor.events}/${cursor.telemetry}`)
    }
    // Records past the robot's cursor are in flight (at most a tick or two once it is caught up):
    // they may or may not be on the hub yet, but nothing may be on the hub the robot never had.
    const pending =
      (edge.query('SELECT count(*) n FROM chunks WHERE seq > ?').get(cursor.telemetry) as { n: number }).n +
      journal.chunks.filter((c) => c.seq > cursor.telemetry).length

    // Points: what the robot's chunks become, against what InfluxDB holds for the robot.
    const expected = new Map<string, { acked: Set<string>; all: Set<string> }>()
    const spans = (edge.query('SELECT count(*) n FROM clock_spans').get() as { n: number }).n
    const stored = edge.query('SELECT seq, stream, data FROM chunks ORDER BY seq').all() as { seq: number; stream: StreamName; data: Uint8Array }[]
    for (const r of [...stored, ...journal.chunks]) {
      for (const line of encodeSamples(t.robotId, decodeChunk(r.stream, r.data)).lines) {
        const m = line.slice(0, line.indexOf(','))
        let e = expected.get(m)
        if (!e) expected.set(m, (e = { acked: new Set(), all: new Set() }))
        e.all.add(pointKey(line))
        if (r.seq <= cursor.telemetry) e.acked.add(pointKey(line))
      }
    }
    let points = 0
    for (const [m, want] of expected) {
      const have = await influxKeys(t.influx, t.robotId, m)
      points += want.acked.size
      if (spans > 1) {
        // Points corrected for a wrong clock sit elsewhere in time: matched by number, not by key.
        if (have.size < want.acked.size || have.size > want.all.size)
          problems.push(`${m}: InfluxDB has ${have.size} points, the robot ${want.acked.size} acknowledged (${want.all.size} in all)`)
        continue
      }
      let missing = 0
      for (const k of want.acked) if (!have.has(k)) missing++
      let unknown = 0
      for (const k of have) if (!want.all.has(k)) unknown++
      if (missing) problems.push(`${m}: ${missing} of ${want.acked.size} acknowledged points missing in InfluxDB`)
      if (unknown) problems.push(`${m}: InfluxDB has ${unknown} points the robot does not have`)
    }

    // Records: each of the robot's the hub acknowledged, at its latest version, once; none the robot does not have.
    const compare = async (
      what: string,
      edgeRows: { key: string; seq: number }[],
      hubRows: { edge_key: string; edge_seq: number | null }[],
      versioned: boolean,
    ) => {
      const hub = new Map<string, number | null>()
      for (const r of hubRows) {
        if (hub.has(r.edge_key)) problems.push(`${what}: ${r.edge_key} is on the hub twice`)
        hub.set(r.edge_key, r.edge_seq === null ? null : Number(r.edge_seq))
      }
      const mine = new Set(edgeRows.map((e) => e.key))
      for (const k of hub.keys()) if (!mine.has(k)) problems.push(`${what}: ${k} is on the hub but not on the robot`)
      const acked = edgeRows.filter((e) => e.seq <= cursor.events)
      for (const e of acked) {
        if (!hub.has(e.key)) {
          problems.push(`${what}: ${e.key} (seq ${e.seq}) is missing on the hub`)
          continue
        }
        if (versioned && hub.get(e.key) !== e.seq) problems.push(`${what}: ${e.key} is at version ${hub.get(e.key)} on the hub, ${e.seq} on the robot`)
      }
      return acked.length
    }
    const rows = (sql: string) => edge.query(sql).all() as { id: number | string; seq: number }[]
    const key = (r: { id: number | string; seq: number }) => ({ key: `${dbId}:${r.id}`, seq: r.seq })
    const events = await compare(
      'events',
      rows('SELECT seq id, seq FROM events').map(key),
      await pg`select edge_key, null::bigint edge_seq from system_logs where robot_id = ${t.robotId} and edge_key like ${dbId + ':%'}`,
      false,
    )
    const alerts = await compare(
      'alerts',
      rows('SELECT id, seq FROM alerts').map(key),
      await pg`select edge_key, edge_seq from alerts where robot_id = ${t.robotId} and edge_key like ${dbId + ':%'}`,
      true,
    )
    const jobs = await compare(
      'jobs',
      rows('SELECT id, seq FROM jobs').map(key),
      await pg`select edge_key, edge_seq from jobs where robot_id = ${t.robotId} and edge_key like ${dbId + ':%'}`,
      true,
    )
    const commands = await compare(
      'commands',
      rows('SELECT id, seq FROM commands').map((r) => ({ key: String(r.id), seq: r.seq })),
      await pg`select id edge_key, edge_seq from commands where robot_id = ${t.robotId} and edge_seq is not null`,
      true,
    )
    const reports = await compare(
      'reports',
      rows('SELECT id, seq FROM reports').map(key),
      await pg`select edge_key, edge_seq from reports where robot_id = ${t.robotId} and edge_key like ${dbId + ':%'}`,
      false,
    )
    return { ok: problems.length === 0, problems, pending, counts: { points, events, alerts, jobs, commands, reports } }
  } finally {
    edge.close()
    await pg.close()
  }
}
