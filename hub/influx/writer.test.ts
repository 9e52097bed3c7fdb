// The writer against a real influxd: what lands, how it is sent, and what happens when InfluxDB
// is slow, down, or refuses the data.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net'
import { createLogger, type Logger } from '../../core/log.ts'
import type { Sample } from '../../core/streams.ts'
import { InfluxWriter, type InfluxWriterOptions } from './writer.ts'
import { startTestInflux, type TestInflux } from '../../test/support/test-influx.ts'
import { waitFor } from '../../test/support/wait-for.ts'

let influx: TestInflux

beforeAll(async () => {
  influx = await startTestInflux('writer')
})
afterAll(async () => {
  await influx?.remove()
})

const T0 = Date.UTC(2021, 5, 1, 12, 0, 0)

function captureLog(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = []
  return { log: createLogger({ level: 'debug', sink: (l) => out.push(l) }), lines: () => out.map((l) => JSON.parse(l)) }
}

function writerTo(url: string, opts: Partial<InfluxWriterOptions> = {}): InfluxWriter {
  return new InfluxWriter({
    url,
    db: influx.service.db,
    ...influx.auth,
    log: captureLog().log,
    flushMs: 50,
    retryBaseMs: 20,
    retryMaxMs: 200,
    ...opts,
  })
}

const battery = (n: number, t0 = T0): Sample[] =>
  Array.from({ length: n }, (_, i) => ({ stream: 'battery', ts: t0 + i * 10, values: { voltage_v: 7 + (i % 100) / 100, percent: i % 100 } }))

async function rows(q: string): Promise<unknown[][]> {
  const series = await influx.query.query(q)
  return series.flatMap((s) => s.values)
}

async function countBattery(robotId: string): Promise<number> {
  const r = await rows(`SELECT count("percent") FROM "battery" WHERE "robot_id" = '${robotId}'`)
  return r.length ? Number(r[0][1]) : 0
}

/** An HTTP server in front of influxd that answers its first `failFirst` requests 503 and relays the rest, noting each request. */
function influxFront(failFirst: number) {
  const seen: { encoding: string | null; gzip: boolean; lines: string[]; status: number }[] = []
  let failures = failFirst
  const front = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const body = new Uint8Array(await req.arrayBuffer())
      const gzip = body[0] === 0x1f && body[1] === 0x8b
      const lines = gzip ? new TextDecoder().decode(Bun.gunzipSync(body)).trimEnd().split('\n') : []
      const rec = { encoding: req.headers.get('content-encoding'), gzip, lines, status: 503 }
      seen.push(rec)
      if (failures-- > 0) return new Response('{"error":"timeout"}', { status: 503 })
      const u = new URL(req.url)
      const res = await fetch(`${influx.service.url}${u.pathname}${u.search}`, {
        method: 'POST',
        headers: { 'content-encoding': rec.encoding ?? '' },
        body,
      })
      rec.status = res.status
      return new Response(await res.text(), { status: res.status })
    },
  })
  return { url: `http://127.0.0.1:${front.port}`, seen, stop: () => front.stop(true) }
}

/**
 * A TCP relay in front of influxd, so the writer keeps one address while influxd stops, starts
 * again on another port, or is not there at all (`target` null: every connection is cut, which
 * is what the writer sees of a host whose InfluxDB is down).
 */
async function tcpRelay(target: number | null) {
  const state = { target }
  const open = new Set<Socket>()
  const server: Server = createServer((client) => {
    client.on('error', () => {})
    if (state.target === null) {
      client.destroy()
      return
    }
    const up = connect(state.target, '127.0.0.1')
    open.add(client)
    client.on('close', () => open.delete(client))
    up.on('error', () => client.destroy())
    up.on('close', () => client.destroy())
    client.on('close', () => up.destroy())
    client.pipe(up)
    up.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set target(p: number | null) {
      state.target = p
    },
    // The writer's keep-alive connections would hold server.close() open forever.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const c of open) c.destroy()
      }),
  }
}

describe('InfluxWriter', () => {
  test("points land with the robot's timestamps, every stream in its measurement", async () => {
    const w = writerTo(influx.service.url)
    const samples: Sample[] = [
      { stream: 'servos', ts: T0 + 1, source: '3', values: { position: 512, temperature_c: 41.5, voltage_v: 7.41 } },
      { stream: 'sensors', ts: T0 + 2, source: 'a b,c=d', values: { value: 12.5 } },
      { stream: 'imu', ts: T0 + 3, values: { ax: 0.1, ay: 9.8, az: -0.2, gx: 1, gy: 2, gz: 3 } },
      { stream: 'battery', ts: T0 + 4, values: { voltage_v: 7.9, percent: 80 } },
      { stream: 'performance', ts: T0 + 5, values: { cpu_percent: 12.5, cpu0_percent: 20, net_rx_bps: 1500, net_tx_bytes: 9e9 } },
      { stream: 'battery', ts: T0 + 6, values: { voltage_v: NaN } },
    ]
    expect(w.write('w-ts', samples)).toEqual({ lines: 6, skipped: 1 })
    await w.flush()
    expect(await rows(`SELECT "position", "temperature_c", "servo_id" FROM "servos" WHERE "robot_id" = 'w-ts'`)).toEqual([[T0 + 1, 512, 41.5, '3']])
    // An escaped tag value arrives as it was sent.
    expect(await rows(`SELECT "value", "sensor" FROM "sensors" WHERE "robot_id" = 'w-ts'`)).toEqual([[T0 + 2, 12.5, 'a b,c=d']])
    expect(await rows(`SELECT "ay" FROM "imu" WHERE "robot_id" = 'w-ts'`)).toEqual([[T0 + 3, 9.8]])
    expect(await rows(`SELECT "percent" FROM "battery" WHERE "robot_id" = 'w-ts'`)).toEqual([[T0 + 4, 80]])
    expect(await rows(`SELECT "cpu_percent", "cpu0_percent" FROM "performance" WHERE "robot_id" = 'w-ts'`)).toEqual([[T0 + 5, 12.5, 20]])
    expect(await rows(`SELECT "net_rx_bps", "net_tx_bytes" FROM "network" WHERE "robot_id" = 'w-ts'`)).toEqual([[T0 + 5, 1500, 9e9]])
    const s = w.stats()
    expect(s).toMatchObject({ written: 6, batches: 1, retries: 0, dropped: 0, skipped_points: 1, buffered: 0, last_error: null })
    await w.close()
  })

  test('gzip, at most 5,000 lines a request, and 5xx answers retried', async () => {
    const front = influxFront(2)
    try {
      const w = writerTo(front.url)
      w.write('w-gzip', battery(12_001))
      await w.flush()
      expect(front.seen.map((r) => [r.status, r.lines.length])).toEqual([
        [503, 5000],
        [503, 5000],
        [204, 5000],
        [204, 5000],
        [204, 2001],
      ])
      expect(front.seen.every((r) => r.encoding === 'gzip' && r.gzip)).toBe(true)
      expect(await countBattery('w-gzip')).toBe(12_001)
      expect(w.stats()).toMatchObject({ written: 12_001, batches: 3, retries: 2, dropped: 0, last_error: '503: timeout' })
      await w.close()
    } finally {
      front.stop()
    }
  })

  test("thousands of messages' few lines each: sent in full batches, in order, each line once, retries included", async () => {
    const front = influxFront(2)
    try {
      const w = writerTo(front.url)
      let t = T0
      let total = 0
      for (let i = 0; i < 3000; i++) {
        const n = (i % 5) + 1
        w.write('w-small', battery(n, t))
        t += n * 10
        total += n
      }
      await w.flush()
      const batches = front.seen.filter((r) => r.status === 204).map((r) => r.lines.map((l) => Number(l.slice(l.lastIndexOf(' ') + 1))))
      const sent = batches.flat()
      expect(sent).toHaveLength(total)
      expect(sent.every((x, i) => i === 0 || x > sent[i - 1])).toBe(true)
      expect(batches.slice(0, -1).every((b) => b.length === 5000)).toBe(true)
      expect(await countBattery('w-small')).toBe(total)
      expect(w.stats()).toMatchObject({ written: total, retries: 2, dropped: 0, buffered: 0 })
      await w.close()
    } finally {
      front.stop()
    }
  })

  test('InfluxDB stopped and started again: retried until it is back, nothing lost', async () => {
    const relay = await tcpRelay(influx.service.port)
    try {
      const w = writerTo(relay.url, { batchLines: 1000 })
      w.write('w-down', battery(3000))
      await w.flush()
      await influx.down()
      w.write('w-down', battery(5000, T0 + 3000 * 10))
      await waitFor('retries while InfluxDB is down', () => w.stats().retries >= 3, 10_000)
      expect(w.stats()).toMatchObject({ written: 3000, buffered: 5000, dropped: 0 })
      expect(w.stats().last_error).toStartWith('network:')
      const back = await influx.up()
      relay.target = back.port
      await w.flush()
      expect(await countBattery('w-down')).toBe(8000)
      const [[first], [last]] = [
        ...(await rows(`SELECT first("percent") FROM "battery" WHERE "robot_id" = 'w-down'`)).map((r) => [r[0]]),
        ...(await rows(`SELECT last("percent") FROM "battery" WHERE "robot_id" = 'w-down'`)).map((r) => [r[0]]),
      ]
      expect([first, last]).toEqual([T0, T0 + 7999 * 10])
      expect(w.stats()).toMatchObject({ written: 8000, dropped: 0, buffered: 0 })
      await w.close()
    } finally {
      await relay.close()
    }
  })

  test("a refused batch is logged with InfluxDB's message, dropped and counted, never retried", async () => {
    const { log, lines } = captureLog()
    const w = writerTo(influx.service.url, { log })
    w.write('w-400', battery(1))
    await w.flush()
    // 1.x writes the good lines of a batch and refuses the rest with a 400 "partial write",
    // naming one kind of error per answer: a type conflict here, a line it cannot parse next.
    w.writeLines([`battery,robot_id=w-400 percent="full" ${T0 + 100}`, `battery,robot_id=w-400 percent=55 ${T0 + 200}`])
    await w.flush()
    w.writeLines([`battery,robot_id=w-400 percent=56 ${T0 + 300}`, 'this is not line protocol'])
    await w.flush()
    expect(await countBattery('w-400')).toBe(3)
    expect(w.stats()).toMatchObject({ written: 3, rejected_batches: 2, dropped_rejected: 2, dropped: 2, retries: 0 })
    const refused = lines().filter((l) => l.msg === 'InfluxDB refused a batch; dropped, not retried')
    expect(refused.map((l) => [l.status, l.dropped])).toEqual([
      [400, 1],
      [400, 1],
    ])
    expect(String(refused[0].error)).toContain('field type conflict')
    expect(String(refused[1].error)).toContain("unable to parse 'this is not line protocol'")
    await w.close()

    // A 4xx for the whole request (no such database) drops the whole batch.
    const lost = writerTo(influx.service.url, { db: 'no_such_db' })
    lost.write('w-400', battery(10))
    await lost.flush()
    expect(lost.stats()).toMatchObject({ written: 0, dropped_rejected: 10, rejected_batches: 1, retries: 0 })
    expect(lost.stats().last_error).toContain('database not found')
    await lost.close()
  })

  test('memory is bounded: with InfluxDB away the oldest lines are dropped and counted', async () => {
    const relay = await tcpRelay(null)
    try {
      const { log, lines } = captureLog()
      const w = writerTo(relay.url, { batchLines: 500, maxBufferedLines: 2000, log })
      for (let i = 0; i < 50; i++) w.write('w-cap', battery(100, T0 + i * 1000))
      expect(w.stats()).toMatchObject({ buffered: 2000, dropped_overflow: 3000, written: 0 })
      expect(lines().filter((l) => l.msg === 'InfluxDB write buffer full: dropping the oldest lines')).toHaveLength(1)
      await waitFor('a few failed attempts', () => w.stats().retries >= 2, 10_000)
      relay.target = influx.service.port
      await w.flush()
      // The newest 2,000 survive: samples 3000..4999.
      expect(await countBattery('w-cap')).toBe(2000)
      const [[firstTs]] = await rows(`SELECT first("percent") FROM "battery" WHERE "robot_id" = 'w-cap'`)
      expect(firstTs).toBe(T0 + 30 * 1000)
      expect(w.stats()).toMatchObject({ written: 2000, dropped: 3000, buffered: 0 })
      await w.close()
    } finally {
      await relay.close()
    }
  })

  test('lines dropped for room while their batch was in flight count as written when it lands', async () => {
    // A slow InfluxDB: the first batch is still in flight when the buffer overflows. It answers
    // nothing until the test lets it.
    let arrived = 0
    let answer = () => {}
    const held = new Promise<void>((r) => (answer = r))
    const front = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(req) {
        const body = new Uint8Array(await req.arrayBuffer())
        arrived++
        await held
        const u = new URL(req.url)
        const res = await fetch(`${influx.service.url}${u.pathname}${u.search}`, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body })
        return new Response(await res.text(), { status: res.status })
      },
    })
    try {
      const w = writerTo(`http://127.0.0.1:${front.port}`, { batchLines: 500, maxBufferedLines: 1000 })
      w.write('w-inflight', battery(500))
      await waitFor('the first batch in flight', () => arrived > 0)
      w.write('w-inflight', battery(1000, T0 + 500 * 10))
      expect(w.stats()).toMatchObject({ dropped_overflow: 500, buffered: 1000 })
      answer()
      await w.flush()
      expect(await countBattery('w-inflight')).toBe(1500)
      expect(w.stats()).toMatchObject({ written: 1500, dropped: 0, buffered: 0 })
      await w.close()
    } finally {
      front.stop(true)
    }
  })

  test('close() drains, and gives up after its timeout when InfluxDB is unreachable', async () => {
    const w = writerTo(influx.service.url, { flushMs: 60_000 })
    w.write('w-close', battery(10))
    await w.close()
    expect(await countBattery('w-close')).toBe(10)

    const relay = await tcpRelay(null)
    try {
      const stuck = writerTo(relay.url, { retryBaseMs: 5000, retryMaxMs: 5000 })
      stuck.write('w-close', battery(10))
      const started = Date.now()
      await stuck.close(300)
      expect(Date.now() - started).toBeLessThan(2000)
      stuck.write('w-close', battery(5))
      expect(stuck.stats()).toMatchObject({ dropped_closed: 15, buffered: 0, written: 0 })
    } finally {
      await relay.close()
    }
  })
})
