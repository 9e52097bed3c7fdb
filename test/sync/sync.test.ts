// Sync between a real edge and a real hub (PostgreSQL, InfluxDB, Mosquitto from Debian's
// packages), in one process: what a user sees once a robot has its hub link, and that the hub
// and the robot then agree record for record.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { checkAgreement } from '../support/sync-agreement.ts'
import { agreementTargets, call, registerRobot, waitCaughtUp } from '../support/sync-harness.ts'
import { mqttConnect } from '../../tools/services/test-helpers.ts'

let hub: HubHarness
let edge: EdgeHarness
let token: string
const ROBOT = 'syncbot'

beforeAll(async () => {
  hub = await startTestHub({ TONYPI_HUB_OFFLINE_AFTER_S: '5' })
  token = await registerRobot(hub, ROBOT)
  edge = await startTestEdge({ TONYPI_ROBOT_ID: ROBOT, TONYPI_HUB_URL: hub.base, TONYPI_HUB_TOKEN: token })
}, 90_000)
afterAll(async () => {
  await edge?.stop()
  await hub?.stop()
})

describe('a robot with its hub link', () => {
  test('is online on the hub within seconds, its servos live, its history in InfluxDB, sync state on both sides', async () => {
    const robot = await waitFor(
      'online on the hub',
      async () => {
        const r = await call(hub, 'GET', `/api/v1/robots/${ROBOT}`)
        return r.body.status === 'online' ? r.body : null
      },
      10_000,
    )
    expect(robot.status_source).toBe('status message')
    // Live: positions on the hub move as the robot's do (a move from the hub, seen at the hub).
    const move = await call(
      hub,
      'POST',
      '/api/v1/command',
      { robot_id: ROBOT, type: 'servo.move', targets: [{ id: 7, position: 300 }], duration_ms: 100 },
      'operator',
    )
    expect(move.body.state).toBe('done')
    const live = await waitFor(
      'servo 7 near 300 on the hub',
      async () => {
        const r = await call(hub, 'GET', `/api/v1/robots/${ROBOT}/status`)
        const s7 = r.body?.servos?.find((s: { id: number }) => s.id === 7)
        return s7 && Math.abs(s7.position - 300) < 20 ? r.body : null
      },
      10_000,
    )
    expect(live.servos).toHaveLength(16)
    // History: the hub's sensor API reads InfluxDB, which the robot's batches fill.
    const hist = await waitFor(
      'servo history in InfluxDB',
      async () => {
        const r = await call(hub, 'GET', `/api/v1/robot/sensors?robot_id=${ROBOT}&stream=servos&servo_id=7&resolution=raw&from=${Date.now() - 60_000}`)
        return r.body?.points?.length > 10 ? r.body : null
      },
      15_000,
    )
    expect(hist.points.at(-1).position).toBeGreaterThan(0)

    const es = (await call(edge, 'GET', '/api/v1/sync/status')).body
    for (const k of ['connected', 'backlog', 'cursor', 'last_ack_ts', 'lag_ms', 'rate_per_s', 'dropped', 'catching_up']) expect(es).toHaveProperty(k)
    expect(es.connected).toBe(true)
    expect(es.live.connected).toBe(true)
    expect(es.dropped.total).toBe(0)
    const [hs] = (await call(hub, 'GET', `/api/v1/sync/status?robot_id=${ROBOT}`)).body
    expect(hs).toMatchObject({ robot_id: ROBOT, connected: true, synced: true })
    expect(hs.last_batch_at).toBeGreaterThan(Date.now() - 10_000)
  }, 40_000)

  test("its alerts, jobs, logs, reports and command audit reach the hub with the robot's ids and times", async () => {
    const job = (await call(edge, 'POST', '/api/v1/jobs', { task_name: 'sync-check', items_total: 4 }, 'operator')).body
    await call(edge, 'PATCH', `/api/v1/jobs/${job.id}`, { status: 'completed', items_done: 4 }, 'operator')
    await call(edge, 'POST', '/api/v1/logs', { message: 'a note for the hub' }, 'operator')
    const report = (await call(edge, 'POST', '/api/v1/reports/generate', { report_type: 'job', time_range: '1h' }, 'operator')).body
    await call(edge, 'POST', '/api/v1/command', { type: 'buzzer', freq_hz: 1000, on_ms: 10, off_ms: 10, repeat: 1 }, 'operator')
    await call(edge, 'POST', '/api/v1/sim/fault', { kind: 'overheat', servo_id: 3 })
    const alert = await waitFor(
      'an overheat alert on the robot',
      async () => {
        const r = await call(edge, 'GET', '/api/v1/alerts?type=servo_temperature&resolved=false')
        return r.body[0]
      },
      30_000,
    )
    await call(edge, 'DELETE', '/api/v1/sim/fault')
    await waitCaughtUp(edge)

    const hubJob = (await call(hub, 'GET', `/api/v1/jobs?robot_id=${ROBOT}`)).body.find((j: { task_name: string }) => j.task_name === 'sync-check')
    expect(hubJob).toMatchObject({ status: 'completed', items_done: 4, items_total: 4, started_at: job.started_at })
    const hubAlert = await waitFor('the alert on the hub', async () =>
      (await call(hub, 'GET', `/api/v1/alerts?robot_id=${ROBOT}&type=servo_temperature`)).body.find((a: { edge_id: number }) => a.edge_id === alert.id),
    )
    expect(hubAlert.created_at).toBe(alert.created_at)
    expect(hubAlert.title).toBe(alert.title)
    const logs = (await call(hub, 'GET', `/api/v1/logs?robot_id=${ROBOT}&q=a%20note%20for%20the%20hub`)).body
    expect(JSON.stringify(logs)).toContain('a note for the hub')
    const reports = (await call(hub, 'GET', '/api/v1/reports?scope=robot')).body as { id: number; robot_id: string; created_at: number }[]
    const hubReport = reports.find((r) => r.robot_id === ROBOT && r.created_at === report.created_at)
    expect(hubReport).toBeDefined()
    const pdf = await hub.api(`/api/v1/reports/${hubReport!.id}/pdf`, { token: await hub.tokenFor('viewer') })
    expect(pdf.status).toBe(200)
    expect(pdf.headers.get('content-type')).toContain('application/pdf')
  }, 90_000)
})

describe('commands through the hub', () => {
  test("reach the robot and come back with its own outcome; the robot's audit names the hub user", async () => {
    const r = await call(hub, 'POST', '/api/v1/command', { robot_id: ROBOT, type: 'servo.torque', ids: [1, 2], on: true }, 'operator')
    expect(r.status).toBe(200)
    expect(r.body.state).toBe('done')
    const audit = await call(edge, 'GET', `/api/v1/command/${r.body.id}`)
    expect(audit.body).toMatchObject({ state: 'done', origin: 'hub', user: 'hub:operator-user' })
    // The robot's own refusal is the answer, with its reason.
    const bad = await call(hub, 'POST', '/api/v1/command', { robot_id: ROBOT, type: 'servo.torque', ids: [99], on: true }, 'operator')
    expect(bad.status).toBe(409)
    expect(bad.body.reason).toContain('unknown servo id 99')
  })

  test('a request that arrives later than its time to live is refused by the robot, not run late', async () => {
    const service = await mqttConnect(hub.services.mqtt_url, { username: hub.services.mqtt_username, password: hub.services.mqtt_password })
    try {
      const replies: Record<string, unknown>[] = []
      service.on('message', (_t, payload) => replies.push(JSON.parse(payload.toString())))
      await service.subscribeAsync(`tonypi/${ROBOT}/command/response`, { qos: 1 })
      await service.publishAsync(
        `tonypi/${ROBOT}/command/request`,
        JSON.stringify({
          id: 'late-1',
          type: 'servo.move',
          targets: [{ id: 2, position: 700 }],
          duration_ms: 100,
          by: 'someone',
          issued_at: Date.now() - 60_000,
          ttl_ms: 5000,
        }),
      )
      const reply = await waitFor("the robot's answer", () => replies.find((r) => r.id === 'late-1'))
      expect(reply).toMatchObject({ id: 'late-1', state: 'rejected' })
      expect(reply.reason).toMatch(/60 s old: a command is never run late/)
      expect((await call(edge, 'GET', '/api/v1/command/late-1')).status).toBe(404)
    } finally {
      service.end(true)
    }
  })

  test('a robot that is away is refused at once with the reason, nothing is queued; the fleet e-stop says who confirmed', async () => {
    await registerRobot(hub, 'boxed-bot')
    const t0 = Date.now()
    const away = await call(hub, 'POST', '/api/v1/command', { robot_id: 'boxed-bot', type: 'stop' }, 'operator')
    expect(away.status).toBe(409)
    expect(away.body.message).toMatch(/not connected \(never heard from\).*never queued/)
    expect(Date.now() - t0).toBeLessThan(1000)

    const fleet = await call(hub, 'POST', '/api/v1/fleet/estop', { reason: 'fleet drill' }, 'operator')
    expect(fleet.status).toBe(200)
    const byRobot = Object.fromEntries(fleet.body.robots.map((x: { robot_id: string; result: string }) => [x.robot_id, x.result]))
    expect(byRobot[ROBOT]).toBe('confirmed')
    expect(byRobot['boxed-bot']).toBe('not_connected')
    expect(fleet.body).toMatchObject({ confirmed: 1, not_connected: 1, unconfirmed: 0 })
    expect((await call(edge, 'GET', '/api/v1/robot/status')).body.estopped).toBe(true)
    const viewer = await call(hub, 'POST', '/api/v1/fleet/estop', {}, 'viewer')
    expect(viewer.status).toBe(403)
    const resumed = await call(hub, 'POST', '/api/v1/command', { robot_id: ROBOT, type: 'resume' }, 'operator')
    expect(resumed.body.state).toBe('done')
  })
})

describe('what flows down', () => {
  test('a user made on the hub logs in on the robot; a local user stays local; a deleted hub user is gone from the robot', async () => {
    const created = await call(hub, 'POST', '/api/v1/users', { username: 'fleet-alice', password: 'alice-password-1', role: 'operator' })
    expect(created.status).toBe(201)
    const onRobot = await waitFor(
      'fleet-alice on the robot',
      async () => {
        const r = await fetch(`${edge.base}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'fleet-alice', password: 'alice-password-1' }),
        })
        return r.status === 200 ? r.json() : null
      },
      10_000,
    )
    expect(onRobot.user.role).toBe('operator')
    // A robot-local user of the same name as a later hub user keeps its own password.
    await call(edge, 'POST', '/api/v1/users', { username: 'local-bob', password: 'local-bob-pass', role: 'viewer' })
    await call(hub, 'POST', '/api/v1/users', { username: 'local-bob', password: 'hub-bob-password', role: 'admin' })
    await waitFor(
      'the robot to have pulled the users',
      () => (edge.edge.ctx.sync.status() as { down: { last_ts: number | null } }).down.last_ts! > Date.now() - 2000,
      10_000,
    )
    const bobHub = await fetch(`${edge.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'local-bob', password: 'hub-bob-password' }),
    })
    expect(bobHub.status).toBe(401)
    await call(hub, 'DELETE', `/api/v1/users/${created.body.id}`)
    await waitFor(
      'fleet-alice gone from the robot',
      async () => {
        const r = await fetch(`${edge.base}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'fleet-alice', password: 'alice-password-1' }),
        })
        return r.status === 401
      },
      10_000,
    )
  }, 30_000)

  test('an alert rule set on the hub for this robot reaches it', async () => {
    const r = await call(hub, 'PUT', `/api/v1/alerts/rules/servo_temperature?robot_id=${ROBOT}`, { warning: 61, critical: 71 })
    expect(r.status).toBe(200)
    await waitFor(
      'the rule on the robot',
      async () => {
        const rules = (await call(edge, 'GET', '/api/v1/alerts/rules')).body as { metric: string; warning: number }[]
        return rules.find((x) => x.metric === 'servo_temperature')?.warning === 61
      },
      10_000,
    )
    const hubView = (await call(hub, 'GET', `/api/v1/alerts/rules?robot_id=${ROBOT}`)).body as { metric: string; robot_id: string | null }[]
    expect(hubView.find((x) => x.metric === 'servo_temperature')?.robot_id).toBe(ROBOT)
  })

  test('an alert acknowledged on the hub is acknowledged on the robot, and one acknowledged on the robot shows on the hub', async () => {
    await call(edge, 'POST', '/api/v1/sim/fault', { kind: 'overheat', servo_id: 4 })
    // Wait for the last level (critical): an escalation after the acknowledgement would rightly clear it.
    const a = await waitFor(
      'a critical alert for servo 4',
      async () => (await call(edge, 'GET', '/api/v1/alerts?source=4&resolved=false&severity=critical')).body[0],
      30_000,
    )
    const onHub = await waitFor(
      'it on the hub, critical',
      async () =>
        (await call(hub, 'GET', `/api/v1/alerts?robot_id=${ROBOT}&source=4&resolved=false&severity=critical`)).body.find(
          (x: { edge_id: number }) => x.edge_id === a.id,
        ),
      10_000,
    )
    const ack = await call(hub, 'POST', `/api/v1/alerts/${onHub.id}/acknowledge`, undefined, 'operator')
    expect(ack.body.acknowledged).toBe(true)
    const robotSide = await waitFor(
      'acknowledged on the robot',
      async () => {
        const x = (await call(edge, 'GET', `/api/v1/alerts?source=4`)).body.find((y: { id: number }) => y.id === a.id)
        return x?.acknowledged ? x : null
      },
      10_000,
    )
    expect(robotSide.acknowledged_by).toBe('hub:operator-user')
    await call(edge, 'DELETE', '/api/v1/sim/fault')
    // The other way: acknowledged on the robot, shown on the hub.
    await call(edge, 'POST', '/api/v1/sim/fault', { kind: 'overheat', servo_id: 5 })
    const b = await waitFor(
      'a critical alert for servo 5',
      async () => (await call(edge, 'GET', '/api/v1/alerts?source=5&resolved=false&severity=critical')).body[0],
      30_000,
    )
    await call(edge, 'POST', `/api/v1/alerts/${b.id}/acknowledge`, undefined, 'operator')
    const hubB = await waitFor(
      'acknowledged on the hub',
      async () => {
        const x = (await call(hub, 'GET', `/api/v1/alerts?robot_id=${ROBOT}&source=5`)).body.find((y: { edge_id: number }) => y.edge_id === b.id)
        return x?.acknowledged ? x : null
      },
      10_000,
    )
    expect(hubB.acknowledged_by).toBe('operator-user')
    await call(edge, 'DELETE', '/api/v1/sim/fault')
  }, 90_000)
})

describe('what people write about the robot', () => {
  test('an edit on either end shows on the other; each edit keeps the fields the other end wrote', async () => {
    const onHub = async () => (await call(hub, 'GET', `/api/v1/robots/${ROBOT}`)).body
    const onEdge = async () => (await call(edge, 'GET', `/api/v1/robots/${ROBOT}`)).body
    expect((await call(edge, 'PUT', `/api/v1/robots/${ROBOT}`, { name: 'Tony on the bench', location: 'Lab 1' })).status).toBe(200)
    await waitFor("the robot's edit on the hub", async () => {
      const r = await onHub()
      return r.name === 'Tony on the bench' && r.location === 'Lab 1'
    })
    expect((await call(hub, 'PUT', `/api/v1/robots/${ROBOT}`, { location: 'Lab 2', notes: 'moved for the demo' })).status).toBe(200)
    // The hub asks the robot to pull at once; its poll alone would take up to 30 s.
    const edited = await waitFor("the hub's edit on the robot", async () => {
      const r = await onEdge()
      return r.location === 'Lab 2' ? r : null
    })
    expect(edited).toMatchObject({ name: 'Tony on the bench', notes: 'moved for the demo' })
    expect((await call(edge, 'PUT', `/api/v1/robots/${ROBOT}`, { description: 'demo unit' })).status).toBe(200)
    await waitFor('the second edit on the hub', async () => (await onHub()).description === 'demo unit')
    expect(await onHub()).toMatchObject({ name: 'Tony on the bench', location: 'Lab 2', notes: 'moved for the demo', description: 'demo unit' })
  }, 30_000)
})

describe('in the end', () => {
  test('the hub and the robot agree record for record', async () => {
    edge.edge.quiesce()
    await waitCaughtUp(edge)
    const audit = (await call(hub, 'GET', `/api/v1/commands?robot_id=${ROBOT}&limit=1000`)).body as {
      id: string
      origin: string
      synced: boolean
      user: string
    }[]
    expect(audit.some((c) => c.origin === 'api' && c.synced)).toBe(true)
    expect(audit.find((c) => c.origin === 'hub' && c.synced)?.user).toBe('operator-user')
    const a = await checkAgreement(agreementTargets(hub, ROBOT, edge.dataDir))
    expect(a.problems).toEqual([])
    expect(a.pending).toBe(0)
    expect(a.counts.jobs).toBeGreaterThan(0)
    expect(a.counts.alerts).toBeGreaterThan(1)
    expect(a.counts.commands).toBeGreaterThan(3)
    expect(a.counts.reports).toBeGreaterThan(0)
    expect(a.counts.points).toBeGreaterThan(1000)
  }, 60_000)
})
