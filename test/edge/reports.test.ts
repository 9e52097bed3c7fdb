// Reports on a running edge with the simulated robot: figures from its own store, the
// narrative from the real @google/genai SDK talking to a local Gemini stand-in (with the
// model answering, failing, stalling, or not configured), stored, listed, and rendered to a
// PDF whose recorded text stays literal text.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { pdfTextLines } from '../support/pdf-reader.ts'
import { figuresInPrompt } from '../../core/reports/prompt.ts'
import type { Report } from '../../core/reports/report.ts'
import { DEFAULT_NARRATIVE_TIMEOUT_MS } from '../../edge/reports/edge-reports.ts'
import { alerts, jobs } from '../../edge/store/schema.ts'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini.ts'

const HOSTILE = '<script>alert(1)</script> (x) \\ %PDF-1.7'

let fake: FakeGemini
let h: EdgeHarness
let op: string
let viewer: string

const generate = async (json: unknown, token = op) => {
  const t = performance.now()
  const r = await h.api('/api/v1/reports/generate', { method: 'POST', token, json })
  return { status: r.status, body: await r.json(), ms: performance.now() - t }
}

beforeAll(async () => {
  fake = startFakeGemini()
  h = await startTestEdge({ GEMINI_API_KEY: 'test-key', TONYPI_GEMINI_BASE_URL: fake.url })
  op = await h.tokenFor('operator')
  viewer = await h.tokenFor('viewer')
  // Something happened in the window: a move, a job and an alert with hostile names.
  const move = await h.api('/api/v1/command', {
    method: 'POST',
    token: op,
    json: { type: 'servo.move', targets: [{ id: 1, position: 600 }], duration_ms: 200 },
  })
  expect(move.status).toBe(202)
  const now = Date.now()
  const { db, store } = h.edge.ctx
  db.insert(jobs)
    .values({
      seq: store.takeSeq(),
      taskName: `scan ${HOSTILE}`,
      status: 'completed',
      itemsDone: 4,
      itemsTotal: 4,
      percent: 100,
      source: 'api',
      startedAt: now - 60_000,
      updatedAt: now,
      finishedAt: now - 1_000,
    })
    .run()
  db.insert(alerts)
    .values({
      seq: store.takeSeq(),
      type: 'test_alert',
      severity: 'warning',
      source: '2',
      value: 1,
      threshold: 0,
      title: `alert ${HOSTILE}`,
      message: 'seeded',
      createdAt: now - 30_000,
      updatedAt: now - 30_000,
    })
    .run()
  // Two health readings per servo (1 Hz) so every servo has temperature and voltage.
  await waitFor(
    'servo health readings',
    () =>
      h.edge.ctx.store.querySamples('servos', now - 5_000, Date.now()).samples.filter((s) => s.values.temperature_c !== undefined && s.source === '16')
        .length >= 2,
    5_000,
  )
})
afterAll(async () => {
  await h?.stop()
  fake?.stop()
})
beforeEach(() => {
  fake.mode = 'ok'
  fake.requests.length = 0
  h.edge.ctx.reports.narrativeTimeoutMs = DEFAULT_NARRATIVE_TIMEOUT_MS
})

describe('reports with the model', () => {
  let report: Report

  test('a performance report: per-servo figures, a narrative, and the prompt carried the figures', async () => {
    const r = await generate({ report_type: 'performance', time_range: '1h' })
    expect(r.status).toBe(201)
    report = r.body
    expect(report).toMatchObject({
      robot_id: 'testbot',
      report_type: 'performance',
      created_by: 'operator-user',
      narrative: fake.answer,
      narrative_error: null,
    })
    expect(report.time_range.to - report.time_range.from).toBe(3_600_000)
    const servos = report.figures.servos!
    expect(servos).toHaveLength(16)
    for (const s of servos) {
      expect(s.temperature_c!.samples).toBeGreaterThan(0)
      expect(s.voltage_v!.mean).toBeGreaterThan(4)
    }
    expect(report.figures.limits).toEqual({ servo_temperature_critical_c: 75, source: 'alert rule servo_temperature' })
    expect(report.figures.jobs).toMatchObject({ total: 1, by_status: { completed: 1 } })
    expect(report.figures.alerts).toMatchObject({ total: 1, open: 1 })

    // The real SDK reached the stand-in the way it reaches Google: path, key header, prompt.
    expect(fake.requests).toHaveLength(1)
    const req = fake.requests[0]
    expect(req).toMatchObject({ path: '/v1/models/gemini-2.5-flash:generateContent', model: 'gemini-2.5-flash', apiKey: 'test-key' })
    expect(figuresInPrompt(req.prompt)).toEqual(report.figures)
    expect(req.prompt).toContain(`"name": "${servos[0].name}"`)
    expect(req.prompt).toContain(`"mean": ${servos[0].temperature_c!.mean}`)
  })

  test('the stored report reads back the same, and is listed newest first', async () => {
    const got = await (await h.api(`/api/v1/reports/${report.id}`, { token: viewer })).json()
    expect(got).toEqual(report)
    const list = await (await h.api('/api/v1/reports', { token: viewer })).json()
    expect(list[0]).toMatchObject({ id: report.id, has_narrative: true, narrative_error: null, report_type: 'performance' })
    expect(list[0].figures).toBeUndefined()
  })

  test('a short explicit window reads raw samples: a trend, and no time to limit while the servos are flat', async () => {
    const now = Date.now()
    const r = await generate({ report_type: 'maintenance', time_range: { from: now - 60_000, to: now } })
    expect(r.status).toBe(201)
    const s = r.body.figures.servos.find((x: { id: string }) => x.id === '1')
    expect(s.temperature_c.samples).toBeGreaterThanOrEqual(2)
    expect(['flat', 'not_enough_data']).toContain(s.time_to_limit_basis)
    expect(s.time_to_limit_h).toBeNull()
    expect(r.body.figures.alerts.items[0].title).toBe(`alert ${HOSTILE}`)
  })
})

describe('reports without the narrative', () => {
  test('the model failing: the report is complete and says why', async () => {
    fake.mode = 'error'
    const r = await generate({ report_type: 'maintenance', time_range: '24h' })
    expect(r.status).toBe(201)
    expect(r.body.narrative).toBeNull()
    expect(r.body.narrative_error).toBe('the model (gemini-2.5-flash) failed: HTTP 500 INTERNAL: An internal error has occurred.')
    expect(r.body.figures.servos).toHaveLength(16)
    expect(fake.requests).toHaveLength(1) // no retries spending the deadline
  })

  test('the model stalling: the request returns at the deadline, and other requests are served meanwhile', async () => {
    fake.mode = 'slow'
    h.edge.ctx.reports.narrativeTimeoutMs = 600
    const pending = generate({ report_type: 'job', time_range: '1h' })
    await waitFor('the model call', () => fake.requests.length === 1, 2_000)
    const t = performance.now()
    expect((await h.api('/api/v1/robot/status', { token: viewer })).status).toBe(200)
    expect(performance.now() - t).toBeLessThan(300)
    const r = await pending
    expect(r.status).toBe(201)
    expect(r.ms).toBeLessThan(2_000)
    expect(r.body.narrative).toBeNull()
    expect(r.body.narrative_error).toBe('the model (gemini-2.5-flash) did not answer within 600 ms')
    expect(r.body.figures.jobs.items[0].task_name).toBe(`scan ${HOSTILE}`)
  })

  test('no key: complete, and the reason names the missing key', async () => {
    const plain = await startTestEdge()
    try {
      const token = await plain.tokenFor('admin') // a login only: creating an operator would cost a second password hash
      const r = await plain.api('/api/v1/reports/generate', { method: 'POST', token, json: { report_type: 'performance', time_range: '1h' } })
      expect(r.status).toBe(201)
      const body = await r.json()
      expect(body.narrative).toBeNull()
      expect(body.narrative_error).toBe('GEMINI_API_KEY is not set on this robot')
      expect(body.figures.uptime.window_h).toBe(1)
    } finally {
      await plain.stop()
    }
    expect(fake.requests).toHaveLength(0)
  })
})

describe('report PDF', () => {
  test('a viewer downloads a parseable PDF in which hostile names are literal text', async () => {
    const r = await generate({ report_type: 'job', time_range: '1h' })
    const order: string[] = []
    // Observed, not replaced: the real render runs; the test learns when the edge has begun it.
    const reports = h.edge.ctx.reports
    const render = reports.pdf
    let rendering = false
    reports.pdf = (id) => {
      rendering = true
      return render.call(reports, id)
    }
    const download = h.api(`/api/v1/reports/${r.body.id}/pdf`, { token: viewer }).then((x) => {
      order.push('pdf')
      return x
    })
    await waitFor('the PDF render begun', () => rendering, 5000, 1).finally(() => {
      reports.pdf = render
    })
    // Rendering runs in a worker: a request sent after the download is answered before it.
    const status = await h.api('/api/v1/robot/status', { token: viewer }).then((x) => {
      order.push('status')
      return x
    })
    const res = await download
    expect(status.status).toBe(200)
    expect(order).toEqual(['status', 'pdf'])
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/pdf')
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="tonypi-report-${r.body.id}.pdf"`)
    const pdf = Buffer.from(await res.arrayBuffer())
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect(pdf.toString('latin1').trimEnd()).toEndWith('%%EOF')
    const text = pdfTextLines(pdf).join('\n')
    expect(text).toContain('TonyPi Jobs report')
    expect(text).toContain(fake.answer.split('\n')[0])
    expect(text.replace(/\n/g, '')).toContain(`scan ${HOSTILE}`)
    expect(text.replace(/\n/g, '')).toContain(`alert ${HOSTILE}`)
  })

  test('unknown reports are 404, for the document and the PDF', async () => {
    expect((await h.api('/api/v1/reports/99999', { token: viewer })).status).toBe(404)
    expect((await h.api('/api/v1/reports/99999/pdf', { token: viewer })).status).toBe(404)
    expect((await h.api('/api/v1/reports/abc', { token: viewer })).status).toBe(404)
  })
})

describe('roles and input', () => {
  test('a viewer cannot generate; anonymous callers are turned away', async () => {
    const v = await generate({ report_type: 'performance', time_range: '1h' }, viewer)
    expect(v.status).toBe(403)
    expect(v.body.error).toBe('forbidden')
    expect((await h.api('/api/v1/reports')).status).toBe(401)
    expect((await h.api('/api/v1/reports/1/pdf')).status).toBe(401)
    expect(fake.requests).toHaveLength(0)
  })

  test('bad report types, ranges and robots are 4xx with a reason', async () => {
    const bad = await generate({ report_type: 'weekly', time_range: '1h' })
    expect(bad.status).toBe(400)
    expect(bad.body.message).toContain('report_type must be one of performance, job, maintenance')
    const backwards = await generate({ report_type: 'job', time_range: { from: Date.now(), to: Date.now() - 1000 } })
    expect(backwards).toMatchObject({ status: 400, body: { message: 'time_range.from must be before time_range.to' } })
    expect((await generate({ report_type: 'job', time_range: '2w' })).status).toBe(400)
    expect((await generate({ report_type: 'job', time_range: '1h', robot_id: 'otherbot' })).status).toBe(404)
    expect((await generate({ report_type: 'job', time_range: '1h', robot_id: 'testbot' })).status).toBe(201)
  })
})
