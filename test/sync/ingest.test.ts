// The hub's sync ingest on the wire, with batches made by hand: a batch delivered twice or out
// of order changes nothing, a robot can write only its own data, a bad batch is refused with a
// reason, a poison record is set aside without stopping the rest, and a clock that was wrong is
// corrected without reordering the robot's timeline.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { encodeChunk } from '../../core/chunk-codec.ts'
import type { Sample } from '../../core/streams.ts'
import { basicAuth } from '../../sync/hub-request.ts'
import { SYNC_VERSION, type Batch, type ClockSpan, type SyncRecord } from '../../sync/protocol.ts'
import { startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { call, registerRobot } from '../support/sync-harness.ts'
import { influxRows } from '../support/influx-query.ts'

let hub: HubHarness
const creds: Record<string, string> = {}
beforeAll(async () => {
  hub = await startTestHub()
  for (const id of ['replaybot', 'otherbot', 'clockbot', 'poisonbot', 'detailsbot', 'seambot']) creds[id] = await registerRobot(hub, id)
}, 90_000)
afterAll(async () => {
  await hub?.stop()
})

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0)
const BOOT = 'boot-1'

function servoChunk(seq: number, t0: number, n = 5): SyncRecord {
  const samples: Sample[] = []
  for (let i = 0; i < n; i++) samples.push({ stream: 'servos', ts: t0 + i * 50, source: '1', values: { position: 500 + i } })
  const c = encodeChunk('servos', samples)
  return { kind: 'chunk', seq, stream: 'servos', t0: c.t0, t1: c.t1, n: c.n, data: Buffer.from(c.data).toString('base64') }
}

/** A batch as a robot whose cursors are at `after` would send it. */
function batch(robotId: string, dbId: string, records: SyncRecord[], over: Partial<Batch> = {}, after = { events: 0, telemetry: 0 }): Batch {
  const ev = records.filter((r) => r.kind !== 'chunk').map((r) => r.seq)
  const te = records.filter((r) => r.kind === 'chunk').map((r) => r.seq)
  return {
    v: SYNC_VERSION,
    robot_id: robotId,
    db_id: `database-${dbId}`,
    boot_id: BOOT,
    wall_ms: Date.now(),
    mono_ms: 1_000_000,
    lanes: {
      ...(ev.length ? { events: { after: after.events, to: Math.max(...ev) } } : {}),
      ...(te.length ? { telemetry: { after: after.telemetry, to: Math.max(...te) } } : {}),
    },
    backlog: { events: 0, telemetry: 0 },
    oldest_pending_ts: null,
    dropped: {},
    clock: [{ boot_id: BOOT, first_seq: 0, offset_ms: Date.now() - 1_000_000 }],
    records,
    ...over,
  }
}

async function send(robotId: string, body: unknown, opts: { as?: string; raw?: Uint8Array; encoding?: string } = {}) {
  const headers: Record<string, string> = {
    authorization: basicAuth(`robot-${opts.as ?? robotId}`, creds[opts.as ?? robotId]),
    'content-type': 'application/json',
    'content-encoding': opts.encoding ?? 'gzip',
  }
  const payload = (opts.raw ?? Bun.gzipSync(Buffer.from(JSON.stringify(body)))) as Uint8Array<ArrayBuffer>
  const r = await fetch(`${hub.base}/api/v1/sync/batch`, { method: 'POST', headers, body: payload })
  return { status: r.status, body: await r.json().catch(() => null) }
}

async function influxCount(robotId: string): Promise<number> {
  const rows = await influxRows<[number, number]>(hub.services, `SELECT count("position") FROM "servos" WHERE "robot_id" = '${robotId}'`)
  return rows[0]?.[1] ?? 0
}

const event = (seq: number, message: string): SyncRecord => ({ kind: 'event', seq, ts: T0 + seq, event: 'note', level: 'info', data: { message } })
const logCount = async (robotId: string) =>
  (await hub.hub.ctx.db.$client`select count(*)::int n from system_logs where robot_id = ${robotId} and edge_key is not null`)[0].n as number

describe('exactly once', () => {
  test('the same batch twice, and an older one after a newer, change nothing', async () => {
    const b1 = batch('replaybot', 'db-replay', [event(1, 'one'), servoChunk(2, T0), event(3, 'three'), servoChunk(4, T0 + 1000)])
    const b2 = batch('replaybot', 'db-replay', [servoChunk(5, T0 + 2000), event(6, 'six')], {}, { events: 3, telemetry: 4 })
    const a1 = await send('replaybot', b1)
    expect(a1.status).toBe(200)
    expect(a1.body.ack).toEqual({ events: 3, telemetry: 4 })
    expect((await send('replaybot', b1)).body.ack).toEqual({ events: 3, telemetry: 4 })
    const a2 = await send('replaybot', b2)
    expect(a2.body.ack).toEqual({ events: 6, telemetry: 5 })
    // An older batch arriving late (a retry that was slow): the marks stay, nothing doubles.
    expect((await send('replaybot', b1)).body.ack).toEqual({ events: 6, telemetry: 5 })
    expect(await influxCount('replaybot')).toBe(15)
    expect(await logCount('replaybot')).toBe(3)
  })

  test("a batch that starts past the hub's mark is refused with the mark to send from", async () => {
    const gap = batch('replaybot', 'db-replay', [servoChunk(20, T0 + 9000)], {}, { events: 6, telemetry: 19 })
    const r = await send('replaybot', gap)
    expect(r.status).toBe(409)
    expect(r.body).toMatchObject({ error: 'sync_gap', ack: { events: 6, telemetry: 5 } })
    expect(await influxCount('replaybot')).toBe(15)
  })

  test("a robot's newer version of a record replaces the older; a stale one never does", async () => {
    const alert = (seq: number, severity: 'warning' | 'critical', updated: number): SyncRecord => ({
      kind: 'alert',
      seq,
      id: 7,
      type: 'servo_temperature',
      severity,
      source: '3',
      value: 70,
      threshold: 65,
      title: `Servo 3 ${severity}`,
      message: 'm',
      created_at: T0,
      updated_at: updated,
      acknowledged: false,
      acknowledged_by: null,
      acknowledged_at: null,
      resolved: false,
      resolved_at: null,
    })
    expect((await send('replaybot', batch('replaybot', 'db-replay', [alert(10, 'warning', T0 + 10)], {}, { events: 6, telemetry: 5 }))).status).toBe(200)
    expect((await send('replaybot', batch('replaybot', 'db-replay', [alert(11, 'critical', T0 + 11)], {}, { events: 10, telemetry: 5 }))).status).toBe(200)
    expect((await send('replaybot', batch('replaybot', 'db-replay', [alert(10, 'warning', T0 + 10)], {}, { events: 6, telemetry: 5 }))).status).toBe(200)
    const rows = (await call(hub, 'GET', '/api/v1/alerts?robot_id=replaybot')).body
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ severity: 'critical', edge_id: 7 })
  })
})

describe('a robot speaks only for itself', () => {
  test("another robot's id in the batch, another robot's account name, a wrong token: refused, nothing written", async () => {
    const spoof = batch('replaybot', 'db-spoof', [servoChunk(1, T0 + 50_000)])
    const asOther = await send('otherbot', spoof)
    expect(asOther.status).toBe(400)
    expect(asOther.body.message).toMatch(/a robot sends only its own data/)
    const r = await fetch(`${hub.base}/api/v1/sync/batch`, {
      method: 'POST',
      headers: { authorization: basicAuth('robot-replaybot', creds.otherbot), 'content-encoding': 'gzip' },
      body: Bun.gzipSync(Buffer.from(JSON.stringify(spoof))),
    })
    expect(r.status).toBe(401)
    const none = await fetch(`${hub.base}/api/v1/sync/batch`, { method: 'POST', body: Bun.gzipSync(Buffer.from(JSON.stringify(spoof))) })
    expect(none.status).toBe(401)
    const user = await hub.api('/api/v1/sync/batch', { method: 'POST', token: await hub.tokenFor('admin'), json: spoof })
    expect([401, 403]).toContain(user.status)
    expect(await influxCount('replaybot')).toBe(15)
  })

  test('a revoked credential stops working at once', async () => {
    const token = await registerRobot(hub, 'revokedbot')
    creds.revokedbot = token
    expect((await send('revokedbot', batch('revokedbot', 'db-r', [event(1, 'x')]))).status).toBe(200)
    await call(hub, 'POST', '/api/v1/robots/revokedbot/credential/revoke')
    expect((await send('revokedbot', batch('revokedbot', 'db-r', [event(2, 'y')], {}, { events: 1, telemetry: 0 }))).status).toBe(401)
  })
})

describe('bad batches', () => {
  test('malformed, oversized, unknown version or encoding: a clear reason, nothing written', async () => {
    const cases: [string, Parameters<typeof send>[1], Parameters<typeof send>[2], number, RegExp][] = [
      ['not gzip', null, { raw: new Uint8Array([1, 2, 3]) }, 400, /not valid gzip/],
      ['not JSON', null, { raw: Bun.gzipSync(Buffer.from('{nope')) }, 400, /not valid JSON/],
      ['version', { ...batch('otherbot', 'db-o', [event(1, 'a')]), v: 99 }, {}, 400, /sync version 99 is not supported by this hub \(it speaks 1\)/],
      ['header', { ...batch('otherbot', 'db-o', [event(1, 'a')]), wall_ms: 'noon' }, {}, 400, /\/wall_ms/],
      ['encoding', null, { raw: new Uint8Array([1]), encoding: 'br' }, 415, /content-encoding br is not supported/],
      ['too big', null, { raw: new Uint8Array(1000 * 1024) }, 413, /at most/],
      ['too big inflated', null, { raw: Bun.gzipSync(Buffer.alloc(3 * 1024 * 1024, 32)) }, 413, /uncompressed/],
    ]
    for (const [what, body, opts, status, msg] of cases) {
      const r = await send('otherbot', body, opts)
      expect(`${what} ${r.status}`).toBe(`${what} ${status}`)
      expect(r.body.message).toMatch(msg)
    }
    expect(await logCount('otherbot')).toBe(0)
  })

  test('a poison record is set aside and reported; the rest of the batch is applied and the stream moves on', async () => {
    const records: SyncRecord[] = [
      event(1, 'before'),
      { ...servoChunk(2, T0), data: 'AAAA' } as SyncRecord,
      { kind: 'event', seq: 3, ts: 'later' } as unknown as SyncRecord,
      event(4, 'after'),
      servoChunk(5, T0 + 500),
    ]
    const r = await send('poisonbot', batch('poisonbot', 'db-p', records))
    expect(r.status).toBe(200)
    expect(r.body.ack).toEqual({ events: 4, telemetry: 5 })
    expect(r.body.quarantined.map((q: { seq: number }) => q.seq).sort()).toEqual([2, 3])
    expect(r.body.quarantined.find((q: { seq: number }) => q.seq === 2).reason).toMatch(/chunk does not decode/)
    expect(await logCount('poisonbot')).toBe(2)
    expect(await influxCount('poisonbot')).toBe(5)
    const kept = await hub.hub.ctx.db.$client`select seq, kind from sync_quarantine where robot_id = 'poisonbot' order by seq`
    expect(kept.map((k: { seq: number }) => Number(k.seq))).toEqual([2, 3])
    const [st] = (await call(hub, 'GET', '/api/v1/sync/status?robot_id=poisonbot')).body
    expect(st.quarantined).toBe(2)
  })
})

/** [ms, position, clock_correction_ms] of a robot's servo points, in time order. */
const servoRows = (robotId: string, where: string) =>
  influxRows<[number, number, number | null]>(
    hub.services,
    `SELECT "position", "clock_correction_ms" FROM "servos" WHERE "robot_id" = '${robotId}' AND ${where}`,
  )

const wrong = -5 * 3_600_000

/** A boot 5 h slow at monotonic 1,000,000 ms (`now` in true time), set right from record `stepAt` on. */
const stepped5hSlow = (boot: string, now: number, stepAt: number): ClockSpan[] => [
  { boot_id: boot, first_seq: 1, offset_ms: now - 1_000_000 + wrong },
  { boot_id: boot, first_seq: stepAt, offset_ms: now - 1_000_000 },
]

describe('clocks', () => {
  test("samples stamped before the robot's clock was set are moved to the true time, marked, and stay in order", async () => {
    // The robot booted 5 h behind; 2 s after its monotonic 1,000,000 ms NTP stepped it right.
    const now = Date.now()
    const spans = stepped5hSlow('boot-ntp', now, 3)
    const before = servoChunk(1, now - 10_000 + wrong)
    const stepped = servoChunk(3, now - 500)
    const r = await send(
      'clockbot',
      batch('clockbot', 'db-c', [before, event(2, 'stamped wrong'), stepped], { boot_id: 'boot-ntp', mono_ms: 1_000_000, clock: spans, wall_ms: now }),
    )
    expect(r.status).toBe(200)
    expect(r.body.corrected).toBe(5)
    const rows = await servoRows('clockbot', 'time > now() - 1d')
    expect(rows).toHaveLength(10)
    const corrected = rows.filter((x) => x[2] !== null)
    expect(corrected).toHaveLength(5)
    expect(Math.abs(corrected[0][2]! + wrong)).toBeLessThan(2000)
    // In the robot's order: what was stamped first (before the step) is still first.
    expect(Math.max(...corrected.map((x) => x[0]))).toBeLessThan(Math.min(...rows.filter((x) => x[2] === null).map((x) => x[0])))
    expect(Math.abs(corrected[0][0] - (now - 10_000))).toBeLessThan(2000)
    const log = await hub.hub.ctx.db.$client`select ts, details from system_logs where robot_id = 'clockbot' and edge_key is not null`
    expect(Math.abs(new Date(log[0].ts).getTime() - (T0 + 2 - wrong))).toBeLessThan(2000)
    expect(log[0].details.clock_corrected_ms).toBeGreaterThan(0)
  })

  test('where the two clocks meet, a corrected point on the same millisecond as one stamped right is kept beside it', async () => {
    // The boot's anchor is 7 ms off the clock NTP set (as good as a busy network allows): the
    // last sample before the step, corrected, lands on the millisecond of the first one after it.
    const now = Date.now()
    const spans = stepped5hSlow('boot-seam', now, 2)
    const before = servoChunk(1, now - 10_000 + wrong)
    const stepped = servoChunk(2, now - 10_000 + 4 * 50 + 7)
    const r = await send(
      'seambot',
      batch('seambot', 'db-seam', [before, stepped], { boot_id: 'boot-seam', mono_ms: 1_000_000, anchor_ms: now - 1_000_000 + 7, clock: spans, wall_ms: now }),
    )
    expect(r.status).toBe(200)
    expect(r.body.corrected).toBe(5)
    const rows = await servoRows('seambot', `time >= ${now - 10_000}ms AND time < ${now - 9_000}ms`)
    expect(rows).toHaveLength(10)
    const seam = rows.filter((x) => x[0] === now - 10_000 + 4 * 50 + 7)
    expect(seam.map((x) => [x[1], x[2] === null])).toEqual([
      [500, true],
      [504, false],
    ])
  })
})

describe('what people write about a robot', () => {
  const edited = (seq: number, ts: number, details: unknown): SyncRecord => ({
    kind: 'event',
    seq,
    ts,
    event: 'robot.edited',
    level: 'info',
    data: { by: 'admin', fields: ['name'], message: 'robot details edited by admin', details },
  })
  const d = (name: string) => ({ name, description: null, location: 'lab', notes: null })
  const robot = async () => (await call(hub, 'GET', '/api/v1/robots/detailsbot')).body

  test('the latest well-formed edit is kept; a malformed one is logged and changes nothing; an older one never undoes a later edit on the hub', async () => {
    const now = Date.now()
    // Two edits in one batch, the later first in the list, and a malformed one after both.
    const first = batch('detailsbot', 'd1', [edited(1, now - 3000, d('second')), edited(2, now - 5000, d('first')), edited(3, now - 1000, { name: 7 })])
    expect((await send('detailsbot', first)).status).toBe(200)
    expect(await robot()).toMatchObject({ name: 'second', location: 'lab' })
    expect(await logCount('detailsbot')).toBe(3)

    // An edit on the hub, then a batch with an edit the robot made before it: the hub's stays.
    expect((await call(hub, 'PUT', '/api/v1/robots/detailsbot', { name: 'from the hub' })).status).toBe(200)
    const stale = batch('detailsbot', 'd1', [edited(4, now - 500, d('stale'))], {}, { events: 3, telemetry: 0 })
    expect((await send('detailsbot', stale)).status).toBe(200)
    expect((await robot()).name).toBe('from the hub')

    // One made after it wins.
    const later = batch('detailsbot', 'd1', [edited(5, Date.now() + 1000, d('later'))], {}, { events: 4, telemetry: 0 })
    expect((await send('detailsbot', later)).status).toBe(200)
    expect((await robot()).name).toBe('later')
  })
})
