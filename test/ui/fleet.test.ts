// The fleet dashboard in a real browser against a real hub (PostgreSQL, InfluxDB, Mosquitto
// from Debian's packages), with robots that are MQTT clients of the hub's broker: the robots
// list with online and offline robots, a robot's servos updating live from what it publishes,
// a servo move and an emergency stop reaching the robot's client, roles, an admin registering
// a robot and seeing its token once, and Grafana's panels embedded (from a stand-in Grafana).
// Screenshots go to test-artifacts/ui/fleet-*.png; budgets to fleet-budgets.json.
import { describe, expect, test } from 'bun:test'
import mqtt from 'mqtt'
import type { Page } from 'playwright-core'
import { eq } from 'drizzle-orm'
import { alerts, jobs, syncState } from '../../hub/db/schema.ts'
import { waitFor } from '../support/edge-harness.ts'
import { answerAfter } from './answer-after.ts'
import { HUB_ADMIN_PASSWORD, startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { browserSuite, TEST_MS, writeBudgets } from './browser-suite.ts'
import { axeViolations, type AxeViolation } from './axe.ts'
import {
  credentials,
  goTo,
  logIn,
  measureFirstLoad,
  measurePageLoad,
  servoTimes,
  sessionInit,
  unlabelledControls,
  type LoginAnswer,
  type UiRole,
} from './dashboard-page.ts'
import { FakeRobot } from './fake-robot.ts'

const ROBOT_PAGES = ['Overview', 'Servos', 'Sensors', 'Monitoring', 'History', 'Jobs', 'Alerts', 'Logs']
const COMMAND_CONTROLS = '[data-action=estop], [data-action=resume], [data-action=move], [data-action=torque], [data-action=stop], input[name=target]'
const HUB_USERS = credentials(HUB_ADMIN_PASSWORD)

let h: HubHarness
let grafana: ReturnType<typeof Bun.serve> | null = null
const grafanaRequests: string[] = []
let robotA: FakeRobot
const budgets: Record<string, unknown> = {}
const { ready, fresh, as, shot, browser } = browserSuite({
  base: () => h.base,
  enter: enterHub,
  start: startHub,
  stop: async () => {
    await robotA?.stop().catch(() => {})
    await h?.stop()
    grafana?.stop(true)
    writeBudgets('fleet-budgets.json', 'fleet dashboard budgets:', budgets)
  },
  shotPrefix: 'fleet-',
  startMs: 120_000,
  stopMs: 60_000,
})

/** Logs in as `role` on the hub and waits for the robots list. */
async function enterHub(page: Page, role: UiRole) {
  await logIn(page, role, HUB_USERS)
  await page.waitForSelector('main h1.page-title:text-is("Robots")')
  await page.waitForSelector('[data-robot-id]')
}

async function register(id: string, name?: string) {
  const r = await h.api('/api/v1/robots', { token: await h.tokenFor('admin'), method: 'POST', json: { robot_id: id, ...(name ? { name } : {}) } })
  expect(r.status).toBe(201)
  return (await r.json()).credential as { username: string; token: string }
}

function brokerAccepts(username: string, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = mqtt.connect(h.services.mqtt_url, { username, password, reconnectPeriod: 0, connectTimeout: 3000 })
    c.once('connect', () => {
      c.end(true)
      resolve(true)
    })
    c.once('error', () => {
      c.end(true)
      resolve(false)
    })
  })
}

async function startHub() {
  // A stand-in for Grafana: answers every /d-solo/ panel with a page that names it.
  grafana = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      const u = new URL(req.url)
      grafanaRequests.push(u.pathname + u.search)
      const parts = u.pathname.split('/')
      const title = `${parts[parts.indexOf('d-solo') + 1]} panel ${u.searchParams.get('panelId')} (${u.searchParams.get('var-robot') ?? 'fleet'})`
      return new Response(
        `<!doctype html><title>${title}</title><body style="margin:0;height:100vh;display:grid;place-items:center;font:13px sans-serif;background:#e9eef5;color:#34495e">Grafana: ${title}</body>`,
        { headers: { 'content-type': 'text/html' } },
      )
    },
  })
  const t0 = Date.now()
  h = await startTestHub({ TONYPI_HUB_GRAFANA_URL: `http://127.0.0.1:${grafana.port}/grafana`, TONYPI_HUB_COMMAND_TIMEOUT_MS: '3000' })
  budgets.hubStartMs = Date.now() - t0
  await h.tokenFor('operator')
  await h.tokenFor('viewer')
  robotA = new FakeRobot('robot-a', h.services.mqtt_url, await register('robot-a', 'Lab robot A'))
  const robotB = new FakeRobot('robot-b', h.services.mqtt_url, await register('robot-b'))
  await robotA.start()
  // robot-b was online and left cleanly: offline.
  const statuses = async () => {
    const list = (await (await h.api('/api/v1/robots', { token: await h.tokenFor('viewer') })).json()) as { robot_id: string; status: string }[]
    return Object.fromEntries(list.map((r) => [r.robot_id, r.status]))
  }
  await robotB.start()
  // Online, and its first readings (the posture the offline pages show as last known) on the hub.
  await waitFor(
    'robot-b online with an IMU reading',
    async () =>
      (await statuses())['robot-b'] === 'online' && (await (await h.api('/api/v1/robots/robot-b/status', { token: await h.tokenFor('viewer') })).json()).imu,
    10_000,
    100,
  )
  await robotB.stop()
  await waitFor(
    'robot-a online, robot-b offline',
    async () => {
      const st = await statuses()
      return st['robot-a'] === 'online' && st['robot-b'] === 'offline'
    },
    10_000,
    100,
  )
  // Registered, never connected: the third state a fleet has.
  await register('robot-never')
  // Records for robot-a's alert count, overview and records pages.
  await h.hub.ctx.db.insert(alerts).values({
    robotId: 'robot-a',
    type: 'battery_low',
    severity: 'warning',
    source: 'battery',
    value: 28,
    threshold: 30,
    title: 'Battery low',
    message: 'Battery at 28 %, below 30 %',
  })
  await h.hub.ctx.db.insert(jobs).values({ robotId: 'robot-a', taskName: 'inspect shelf 4', status: 'in_progress', itemsDone: 3, itemsTotal: 8, percent: 37.5 })
  // robot-a catching up after an outage, as its last batch told the hub; robot-b has never synced.
  await h.hub.ctx.db.insert(syncState).values({
    robotId: 'robot-a',
    highWaterSeq: 4000,
    eventsHighWaterSeq: 120,
    dbId: 'db-robot-a',
    lastBatchAt: new Date(),
    backlog: 5000,
    oldestPendingAt: new Date(Date.now() - 20 * 60_000),
    ratePerS: 100,
    dropped: { imu: 1200 },
  })
}

describe('serving', () => {
  test(
    'the hub serves the dashboard at / in fleet mode, Grafana allowed in frames; the API is untouched',
    async () => {
      ready()
      const index = await fetch(h.base + '/', { headers: { 'accept-encoding': 'gzip' } })
      expect(index.status).toBe(200)
      expect(index.headers.get('content-encoding')).toBe('gzip')
      const html = await index.text()
      const meta = /<meta name="tonypi-config" content="([^"]+)">/.exec(html)?.[1]
      expect(meta).toBeDefined()
      const config = JSON.parse(
        meta!
          .replace(/&quot;/g, '"')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&amp;/g, '&'),
      )
      expect(config.mode).toBe('fleet')
      expect(config.grafana.url).toBe(`http://127.0.0.1:${grafana!.port}/grafana`)
      expect(config.grafana.robot).toMatchObject({ uid: 'tonypi-robot', slug: 'tonypi-robot-detail' })
      expect(config.grafana.robot.panels.map((p: { title: string }) => p.title)).toEqual([
        'Battery level',
        'Servo temperatures',
        'Pi CPU, memory and disk',
        'Network throughput',
      ])
      expect(config.grafana.fleet.panels.length).toBe(3)
      expect(config.grafana.servos.panels.length).toBe(2)
      const csp = index.headers.get('content-security-policy')!
      expect(csp).toContain(`frame-src 'self' http://127.0.0.1:${grafana!.port}`)
      expect(csp).toContain("default-src 'self'")
      for (const p of ['/robots/robot-a', '/robots/robot-a/servos', '/users'])
        expect((await fetch(h.base + p)).headers.get('content-type')).toContain('text/html')
      const api = await fetch(h.base + '/api/v1/no-such-thing')
      expect(api.headers.get('content-type')).toContain('application/json')
      expect(api.status).toBe(404)
      expect((await fetch(h.base + '/favicon.ico')).status).toBe(404)
    },
    TEST_MS,
  )
})

describe('fleet dashboard', () => {
  test(
    'a viewer sees both robots: online and offline, last seen, battery, open alerts, sync as the hub sees it; first-load budget',
    async () => {
      ready()
      const d = await fresh()
      const { page } = d
      const load = await measureFirstLoad(page)
      budgets.firstLoad = {
        transferredBytes: load.transferredBytes,
        budgetBytes: 100 * 1024,
        document: load.document,
        resources: load.resources,
        firstContentfulPaintMs: load.firstContentfulPaintMs,
      }
      expect(load.transferredBytes).toBeLessThanOrEqual(100 * 1024)
      expect(load.firstContentfulPaintMs!).toBeLessThanOrEqual(1000)
      const t0 = Date.now()
      await logIn(page, 'viewer', HUB_USERS)
      await page.waitForSelector('main h1.page-title:text-is("Robots")')

      const a = page.locator('[data-robot-id="robot-a"]')
      const b = page.locator('[data-robot-id="robot-b"]')
      await page.waitForSelector('[data-robot-id="robot-a"][data-status=online]')
      await page.waitForSelector('[data-robot-id="robot-b"][data-status=offline]')
      budgets.loginToRobotsListMs = Date.now() - t0
      expect(await a.locator('[data-status-label]').textContent()).toBe('Online')
      expect(await b.locator('[data-status-label]').textContent()).toBe('Offline')
      expect(await a.locator('.robot-link').textContent()).toContain('Lab robot A')
      // Battery from the live feed (or the hub's last word), alerts from the hub's records.
      await page.waitForSelector('[data-robot-id="robot-a"] [data-battery="82"]')
      expect(await a.locator('[data-battery] .reading-value').textContent()).toMatch(/^82\u202f% \u00b7 7\.48\u202fV$/)
      await page.waitForSelector('[data-robot-id="robot-a"] [data-open-alerts="1"]')
      await page.waitForSelector('[data-robot-id="robot-b"] [data-open-alerts="0"]')
      expect(await a.locator('[data-last-seen] .reading-value').textContent()).toBe('just now')
      expect(await b.locator('[data-last-seen] .reading-value').textContent()).not.toBe('never')
      // Sync as the hub sees it: samples robot-a had to drop come first, robot-b never sent history.
      expect(await a.locator('[data-sync=dropped] .reading-value').textContent()).toBe('1,200 samples lost')
      expect(await b.locator('[data-sync=never] .reading-value').textContent()).toBe('no history yet')
      expect(await page.textContent('[data-summary]')).toContain('3 robots')
      // A viewer commands nothing and manages nothing.
      expect(await page.locator(COMMAND_CONTROLS).count()).toBe(0)
      expect(await page.locator('[data-card=register-robot], .robot-manage').count()).toBe(0)
      expect(await page.locator('nav a:text-is("Users")').count()).toBe(0)
      // Grafana's fleet panels, framed from the configured Grafana.
      await page.locator('[data-card=grafana-fleet]').scrollIntoViewIfNeeded()
      await page.frameLocator('iframe[data-grafana-panel]').first().locator('body:has-text("tonypi-fleet panel")').waitFor()
      expect(grafanaRequests.some((r) => r.startsWith('/grafana/d-solo/tonypi-fleet/tonypi-fleet-overview?') && r.includes('panelId='))).toBe(true)
      expect(await unlabelledControls(page)).toEqual([])
      await page.evaluate(() => window.scrollTo(0, 0))
      await shot(page, 'robots')
      expect(d.errors).toEqual([])
    },
    TEST_MS,
  )

  test('the robots list and every page of a robot, opened logged in with an empty cache, load in 100 KB or less with their API calls', async () => {
    ready()
    const login = (await (
      await h.api('/api/v1/auth/login', { method: 'POST', json: { username: 'viewer-user', password: 'viewer-password' } })
    ).json()) as LoginAnswer
    const pages = [
      { path: '/', ready: '[data-robot-id="robot-a"] [data-battery="82"]' },
      { path: '/robots/robot-a', ready: '[data-card=battery] .meter-num:text("82")' },
      { path: '/robots/robot-a/servos', ready: '[data-servo-id="16"][data-position]' },
      { path: '/robots/robot-a/sensors', ready: '[data-card=attitude] [data-posture]' },
      { path: '/robots/robot-a/monitoring', ready: '[data-card=cpu] canvas' },
      { path: '/robots/robot-a/history', ready: '[data-card=history-chart]' },
      { path: '/robots/robot-a/alerts', ready: '[data-card=alerts-list]' },
      { path: '/reports', ready: '[data-card=reports]' },
    ]
    const loads: Record<string, number> = {}
    for (const p of pages) loads[p.path] = (await measurePageLoad(browser(), h.base, p.path, p.ready, login)).transferredBytes
    budgets.firstLoadPerPage = loads
    expect(Object.entries(loads).filter(([, b]) => b > 100 * 1024)).toEqual([])
  }, 120_000)

  test(
    'robots/{id}/status answers for a registered robot that has not spoken yet: its servos, nothing measured',
    async () => {
      ready()
      const r = await h.api('/api/v1/robots/robot-never/status', { token: await h.tokenFor('viewer') })
      expect(r.status).toBe(200)
      const st = (await r.json()) as { robot_id: string; servos: { id: number; position: number | null; stale: boolean }[]; imu: unknown; battery: unknown }
      expect(st.robot_id).toBe('robot-never')
      expect(st.servos).toHaveLength(16)
      expect(st.servos.every((s) => s.position === null && s.stale)).toBe(true)
      expect([st.imu, st.battery]).toEqual([null, null])
      expect((await h.api('/api/v1/robots/no-such-robot/status', { token: await h.tokenFor('viewer') })).status).toBe(404)
    },
    TEST_MS,
  )

  test(
    "an offline robot's pages show its last values as last known, and no command is offered, with the reason",
    async () => {
      ready()
      const { page, errors } = await as('operator')
      await page.goto(h.base + '/robots/robot-b')
      await page.waitForSelector('main h1.page-title:text-is("Overview")')
      const banner = page.locator('[data-state=robot-offline]')
      await banner.waitFor()
      expect(await banner.textContent()).toContain('robot-b is offline (last seen')
      expect(await page.getAttribute('.topbar [data-link]', 'data-link')).toBe('offline')
      expect(await page.textContent('.topbar .conn-label')).toBe('Robot offline')
      expect(await page.getAttribute('[data-card=robot] [data-robot-state]', 'data-robot-state')).toBe('Offline')
      // What it sent before it left: shown, greyed, as last known.
      await page.waitForSelector('[data-card=posture] [data-posture=upright]')
      expect(await page.textContent('[data-card=posture] .status-line')).toBe('Last known: Upright')
      await page.waitForSelector('[data-card=battery] .meter[data-stale=true] .meter-num:text("82")')
      for (const card of ['battery', 'posture', 'servos', 'pi']) {
        expect(await page.getAttribute(`[data-card=${card}]`, 'data-live')).toBe('false')
        expect(await page.textContent(`[data-card=${card}] [data-last-known]`)).toMatch(/^Last known values, from .+; not live\.$/)
      }
      expect(await page.textContent('[data-card=servos]')).not.toContain('All servos report normal readings')
      // STOP cannot reach it: off, and it says why.
      const stop = page.locator('.topbar [data-action=estop]')
      expect(await stop.isDisabled()).toBe(true)
      expect(await stop.getAttribute('aria-describedby')).toBe('robot-link-reason')
      await shot(page, 'robot-offline', false)
      await goTo(page, 'Servos')
      await page.waitForFunction(() => document.querySelectorAll('[data-servo-id]').length === 16)
      expect(await page.isDisabled('[data-servo-id="1"] [data-action=move]')).toBe(true)
      expect(await page.textContent('[data-servo-id="1"] .pill')).toBe('No live data')
      // The robots list says the same.
      await page.click('nav a:text-is("Robots")')
      const b = page.locator('[data-robot-id="robot-b"]')
      await b.locator('[data-action=estop]').waitFor()
      expect(await b.locator('[data-action=estop]').isDisabled()).toBe(true)
      expect(await b.locator('[data-unreachable]').textContent()).toBe('robot-b is offline: commands cannot reach it.')
      expect(await page.locator('[data-robot-id="robot-a"] [data-action=estop]').isDisabled()).toBe(false)
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'a robot that never connected: said so on every card, nothing green, no "Live", no command; its servo list is there for History',
    async () => {
      ready()
      const { page, errors } = await as('operator')
      await page.goto(h.base + '/robots/robot-never')
      await page.waitForSelector('[data-state=robot-never]')
      expect(await page.getAttribute('[data-card=robot] [data-robot-state]', 'data-robot-state')).toBe('Never connected')
      expect(await page.textContent('.topbar .conn-label')).toBe('Never connected')
      expect(await page.locator('.conn-open').count()).toBe(0)
      expect(await page.textContent('[data-card=servos]')).not.toContain('All servos report normal readings')
      expect(await page.textContent('[data-card=servos]')).toContain('No readings: the robot has never connected.')
      expect(await page.locator(['robot', 'battery', 'posture', 'servos', 'pi'].map((c) => `[data-card=${c}] .tone-ok`).join(', ')).count()).toBe(0)
      expect(await page.isDisabled('.topbar [data-action=estop]')).toBe(true)
      await shot(page, 'robot-never', false)
      await page.goto(h.base + '/robots/robot-never/history?stream=servos&servo=3')
      await page.waitForFunction(() => document.querySelectorAll('select[name=servo] option').length === 16)
      expect(await page.inputValue('select[name=servo]')).toBe('3')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    "history from a shared link on the hub: the robot's servo list filled on a direct load and a reload",
    async () => {
      ready()
      const { page, errors } = await as('viewer')
      // A robot's state answering after the chart's data: the order under test.
      const order = await answerAfter(page, '**/api/v1/robots/robot-a/status', '/api/v1/robot/sensors')
      for (const open of [() => page.goto(h.base + '/robots/robot-a/history?stream=servos&servo=7&field=position&window=300000'), () => page.reload()]) {
        order.reset()
        await open()
        await page.waitForSelector('[data-card=history-chart]')
        await page.waitForFunction(() => document.querySelectorAll('select[name=servo] option').length === 16)
        expect(await page.inputValue('select[name=servo]')).toBe('7')
      }
      expect(order.outOfOrder).toBe(0)
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'opening a robot: its overview from the hub, and its servos updating live from what it publishes over MQTT',
    async () => {
      ready()
      const { page, errors } = await as('viewer')
      await page.click('[data-robot-id="robot-a"] .robot-link')
      await page.waitForURL('**/robots/robot-a')
      await page.waitForSelector('main h1.page-title:text-is("Overview")')
      expect(await page.textContent('.topbar .robot-id')).toBe('robot-a')
      await page.waitForSelector('[data-connection=open]')
      await page.waitForSelector('[data-card=robot] [data-hub-status=online]')
      await page.waitForSelector('[data-card=servos] :text("16 / 16")')
      await page.waitForSelector('[data-card=battery] :text("82")')
      await page.waitForSelector('[data-card=alerts] [data-open-alerts="1"]')
      await page.waitForSelector('[data-card=job] :text("inspect shelf 4")')
      await page.waitForSelector('[data-card=sync] [data-sync-state=catching-up]')
      expect(await page.textContent('[data-card=sync] [data-sync-state]')).toBe('Catching up: 5,000 records to go \u00b7 about 50s left')
      expect(await page.textContent('[data-card=sync] [data-sync-dropped]')).toContain('1,200 samples never reached the hub (imu 1,200)')
      await page.waitForSelector('[data-card=pi] :text("52.3")')
      // The robot's own Grafana dashboard, with the robot variable set.
      await page.locator('[data-card=grafana-robot]').scrollIntoViewIfNeeded()
      for (let i = 0; i < 4; i++) await page.frameLocator('[data-card=grafana-robot] iframe').nth(i).locator('body:has-text("tonypi-robot panel")').waitFor()
      expect(grafanaRequests.some((r) => r.startsWith('/grafana/d-solo/tonypi-robot/tonypi-robot-detail?') && r.includes('var-robot=robot-a'))).toBe(true)
      await page.evaluate(() => window.scrollTo(0, 0))
      await shot(page, 'robot-overview')

      await goTo(page, 'Servos')
      expect(new URL(page.url()).pathname).toBe('/robots/robot-a/servos')
      await page.waitForFunction(() => document.querySelectorAll('[data-servo-id]').length === 16)
      const before = await servoTimes(page)
      await page.waitForTimeout(600)
      const after = await servoTimes(page)
      for (const id of Object.keys(before)) expect(after[id]).not.toBe(before[id])
      expect(await page.getAttribute('[data-servo-id="7"]', 'data-position')).toBe('800')
      expect(await page.locator('[data-servo-id][data-stale=true]').count()).toBe(0)
      // A viewer sees no controls on any of the robot's pages.
      for (const title of ROBOT_PAGES) {
        await goTo(page, title)
        expect(await page.locator(COMMAND_CONTROLS).count()).toBe(0)
      }
      await goTo(page, 'Servos')
      await shot(page, 'servos-live')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'an operator moves a servo: the command reaches the robot over MQTT, the page sees it arrive; estop and resume',
    async () => {
      ready()
      const { page, errors } = await as('operator')
      // Deep link straight to the robot's servo page.
      await page.goto(h.base + '/robots/robot-a/servos')
      await page.waitForSelector('main h1.page-title:text-is("Servos")')
      await page.waitForFunction(() => document.querySelectorAll('[data-servo-id]').length === 16)
      expect(await page.isVisible('[data-action=estop]')).toBe(true)
      const card = page.locator('[data-servo-id="3"]')
      const sent = robotA.commands.length
      await card.locator('input[name=target]').fill('700')
      await card.locator('[data-action=move]').click()
      const cmd = await waitFor('the move at robot-a', () => robotA.commands.slice(sent).find((c) => c.type === 'servo.move'), 5000)
      expect(cmd).toMatchObject({ type: 'servo.move', targets: [{ id: 3, position: 700 }], duration_ms: 500 })
      expect(typeof cmd.id).toBe('string')
      await page.waitForSelector('[data-toast=success]:has-text("Move servo 3 to 700: done")')
      await page.waitForSelector('[data-servo-id="3"][data-position="700"]', { timeout: 5000 })
      const audit = await h.hub.ctx.db.$client`select state, username, robot_id from commands where id = ${cmd.id}`
      expect(audit[0]).toMatchObject({ state: 'done', username: 'operator-user', robot_id: 'robot-a' })
      await shot(page, 'servo-moved', false)

      // Emergency stop from the header: it reaches the robot, which says it is stopped.
      const unlabelled: Record<string, string[]> = {}
      for (const title of ROBOT_PAGES) {
        await goTo(page, title)
        expect(await page.isVisible('[data-action=estop]')).toBe(true)
        const u = await unlabelledControls(page)
        if (u.length) unlabelled[title] = u
      }
      expect(unlabelled).toEqual({})
      await goTo(page, 'Servos')
      await page.click('.topbar [data-action=estop]')
      await waitFor('the estop at robot-a', () => robotA.commands.some((c) => c.type === 'estop'), 5000)
      await page.waitForSelector('[data-state=estopped]')
      expect(await page.isDisabled('[data-servo-id="1"] [data-action=move]')).toBe(true)
      await shot(page, 'estop', false)
      await page.click('[data-action=resume]')
      await waitFor('the resume at robot-a', () => robotA.commands.some((c) => c.type === 'resume'), 5000)
      await page.waitForSelector('[data-state=estopped]', { state: 'detached' })
      expect(robotA.estopped).toBe(false)
      // The robots list has a stop per robot for operators, none for a robot that is revoked.
      await page.click('nav a:text-is("Robots")')
      await page.waitForSelector('[data-robot-id="robot-a"] [data-action=estop]')
      expect(await page.locator('[data-card=register-robot], .robot-manage').count()).toBe(0)
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'an admin registers a robot and sees its token once; the token works at the broker; rotate shows a new one',
    async () => {
      ready()
      const { page, errors } = await as('admin')
      await page.fill('input[name=robot_id]', 'robot-c')
      await page.fill('input[name=robot_name]', 'Warehouse C')
      await page.click('[data-card=register-robot] button[type=submit]')
      const panel = page.locator('[data-credential="robot-c"]')
      await panel.waitFor()
      expect(await panel.textContent()).toContain('This token is shown only once')
      expect(await panel.textContent()).toContain('Copy its token now')
      const token = (await panel.locator('[data-credential-token]').textContent())!.trim()
      const username = (await panel.locator('[data-credential-username]').textContent())!.trim()
      expect(username).toBe('robot-robot-c')
      expect(token.length).toBeGreaterThanOrEqual(24)
      await page.waitForSelector('[data-robot-id="robot-c"][data-status=unknown]')
      expect(await unlabelledControls(page)).toEqual([])
      await shot(page, 'register-token')
      // What the page showed is the robot's real credential.
      await waitFor('the shown token accepted by the broker', () => brokerAccepts(username, token), 8000, 200)
      // Never listed again.
      const listed = await (await h.api('/api/v1/robots', { token: await h.tokenFor('admin') })).text()
      expect(listed).not.toContain(token)
      await page.click('[data-action=credential-done]')
      await panel.waitFor({ state: 'detached' })
      expect(await page.content()).not.toContain(token)
      await page.reload()
      await page.waitForSelector('[data-robot-id="robot-c"]')
      expect(await page.content()).not.toContain(token)

      // Rotate: a new token, shown once; the old one stops working.
      const c = page.locator('[data-robot-id="robot-c"]')
      await c.locator('.robot-manage summary').click()
      await c.locator('[data-action=rotate]').click()
      await c.locator('[data-action=rotate-confirm]').click()
      const rotated = page.locator('[data-credential="robot-c"]')
      await rotated.waitFor()
      const token2 = (await rotated.locator('[data-credential-token]').textContent())!.trim()
      expect(token2).not.toBe(token)
      expect(await rotated.textContent()).toContain('the previous token no longer works')
      await waitFor('the old token refused', async () => !(await brokerAccepts(username, token)), 8000, 200)
      await page.click('[data-action=credential-done]')
      // Revoke: cut off, and said so.
      await c
        .locator('.robot-manage summary')
        .click()
        .catch(() => {})
      if (!(await c.locator('[data-action=revoke]').isVisible())) await c.locator('.robot-manage summary').click()
      await c.locator('[data-action=revoke]').click()
      await c.locator('[data-action=revoke-confirm]').click()
      await page.waitForSelector('[data-robot-id="robot-c"][data-status=revoked]')
      await page.waitForSelector('[data-toast=success]:has-text("Credential of robot-c revoked")')
      expect(await c.locator('[data-action=estop]').count()).toBe(0)
      await goTo(page, 'Users')
      await page.waitForSelector('tr[data-user=operator-user]')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'records of a robot: alerts, jobs and logs from the hub, filtered in the URL',
    async () => {
      ready()
      const { page, errors } = await as('viewer')
      await page.goto(h.base + '/robots/robot-a/alerts')
      await page.waitForSelector('tr[data-alert] :text("Battery low")')
      await shot(page, 'alerts', false)
      await page.selectOption('select[name=state]', 'resolved')
      await page.waitForSelector('[data-card=alerts-list] [data-state=empty]')
      expect(new URL(page.url()).search).toBe('?state=resolved')
      await goTo(page, 'Jobs')
      await page.waitForSelector('tr[data-job] :text("inspect shelf 4")')
      await goTo(page, 'Logs')
      await page.waitForSelector('.table-logs :text("robot robot-a registered by admin")')
      await page.fill('input[name=q]', 'registered')
      await page.press('input[name=q]', 'Enter')
      await page.waitForFunction(() => location.search.includes('q=registered'))
      await page.waitForSelector('[data-total="1"]')
      // The export is the hub's (formula-safe), filtered like the list.
      const href = new URL((await page.getAttribute('[data-action=logs-export]', 'href'))!, h.base)
      expect(href.pathname).toBe('/api/v1/logs/export/csv')
      expect(Object.fromEntries(href.searchParams)).toEqual({ robot_id: 'robot-a', q: 'registered' })
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action=logs-export]')])
      expect(download.suggestedFilename()).toMatch(/^tonypi-robot-a-logs-.*\.csv$/)
      await shot(page, 'logs', false)
      // A robot the hub does not know.
      await page.goto(h.base + '/robots/no-such-robot')
      await page.waitForSelector('[data-state=no-robot]')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    "an operator acknowledges and resolves a robot's alert on the hub; the state is kept",
    async () => {
      ready()
      const { page, errors } = await as('operator')
      await page.goto(h.base + '/robots/robot-a/alerts')
      const row = 'tr[data-alert]:has(:text("Battery low"))'
      await page.waitForSelector(`${row}[data-state=open]`)
      await page.click(`${row} [data-action=alert-ack]`)
      await page.waitForSelector(`${row}[data-state=acknowledged]`)
      expect(await page.textContent(row)).toContain('Acknowledged by operator-user')
      await page.click(`${row} [data-action=alert-resolve]`)
      await page.waitForSelector('[data-card=alerts-list] [data-state=empty]')
      const [stored] = await h.hub.ctx.db.select().from(alerts).where(eq(alerts.title, 'Battery low'))
      expect([stored.acknowledgedBy, stored.resolved]).toEqual(['operator-user', true])
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'an operator generates a fleet report: a row per robot, listed as a fleet report',
    async () => {
      ready()
      const { page, errors } = await as('operator')
      await goTo(page, 'Reports')
      await page.waitForSelector('[data-card=reports]')
      await page.selectOption('select[name=report_type]', 'performance')
      await page.click('[data-action=report-generate]')
      await page.waitForSelector('[data-card=report] [data-figures=robots] table', { timeout: 25_000 })
      const robots = await page.textContent('[data-card=report] [data-figures=robots] table')
      expect(robots).toContain('robot-a')
      const id = Number(await page.getAttribute('[data-card=report]', 'data-report'))
      await page.waitForSelector(`tr[data-report-row="${id}"] [data-report-scope=fleet]`)
      expect(await page.getAttribute('[data-action=report-pdf]', 'href')).toBe(`/api/v1/reports/${id}/pdf`)
      await shot(page, 'reports', false)
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'a fleet alert (robot-b offline too long) is told in a toast on the robots list and counted',
    async () => {
      ready()
      const { page, errors } = await as('viewer')
      await page.waitForSelector('[data-robot-id="robot-b"][data-status=offline]')
      // The hub's judgement two minutes on, without waiting two minutes: its clock is injectable.
      const mono = performance.now()
      const now = Date.now()
      await h.hub.ctx.alerts.evaluate({ mono, now })
      const changed = await h.hub.ctx.alerts.evaluate({ mono: mono + 130_000, now: now + 130_000 })
      expect(changed.map((a) => `${a.robot_id} ${a.type}`)).toContain('robot-b robot_offline')
      await page.waitForSelector('[data-toast=warn]:has-text("robot-b")')
      await page.waitForSelector('[data-robot-id="robot-b"] [data-open-alerts="1"]')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    "an admin edits a fleet alert threshold on the hub's settings; viewers only read them",
    async () => {
      ready()
      const { page, errors } = await as('admin')
      await goTo(page, 'Settings')
      const row = '[data-card=thresholds] tr[data-rule="sync_lag"]'
      await page.waitForSelector(row)
      await page.fill(`${row} input[name="sync_lag-warning"]`, '240')
      await page.click(`${row} [data-action=rule-save]`)
      await waitFor('rule saved', async () => {
        const rules = (await (await h.api('/api/v1/alerts/rules', { token: await h.tokenFor('admin') })).json()) as { metric: string; warning: number | null }[]
        return rules.find((r) => r.metric === 'sync_lag')?.warning === 240
      })
      expect(errors).toEqual([])
      const viewer = await as('viewer')
      await goTo(viewer.page, 'Settings')
      await viewer.page.waitForSelector(row)
      expect(await viewer.page.$$('[data-card=thresholds] input, [data-action=rule-save]')).toHaveLength(0)
    },
    TEST_MS,
  )

  for (const [size, viewport] of [
    ['laptop', { width: 1366, height: 768 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    test(`axe-core on every fleet page, both themes, ${size}: no serious or critical violation`, async () => {
      ready()
      const login = (await (
        await h.api('/api/v1/auth/login', { method: 'POST', json: { username: 'admin', password: HUB_ADMIN_PASSWORD } })
      ).json()) as LoginAnswer
      const pages = [
        { path: '/', ready: '[data-robot-id="robot-a"] [data-battery]' },
        ...['', '/servos', '/sensors', '/monitoring', '/history', '/jobs', '/alerts', '/logs'].map((p) => ({
          path: `/robots/robot-a${p}`,
          ready: 'main h1.page-title',
        })),
        { path: '/robots/robot-b', ready: '[data-state=robot-offline]' },
        { path: '/robots/robot-never', ready: '[data-state=robot-never]' },
        { path: '/reports', ready: '[data-card=reports]' },
        { path: '/settings', ready: '[data-card=thresholds] tr[data-rule]' },
        { path: '/users', ready: 'tr[data-user]' },
      ]
      const found: Record<string, AxeViolation[]> = {}
      for (const theme of ['light', 'dark'] as const) {
        const context = await browser().newContext({ viewport, colorScheme: theme, isMobile: size === 'phone', hasTouch: size === 'phone' })
        try {
          await context.addInitScript(sessionInit(login))
          const page = await context.newPage()
          for (const p of pages) {
            await page.goto(h.base + p.path)
            await page.waitForSelector(p.ready)
            // Let the page draw what it loads (records, the live state) before judging it.
            await page.waitForLoadState('networkidle').catch(() => {})
            const v = await axeViolations(page)
            if (v.length) found[`${theme} ${p.path}`] = v
          }
        } finally {
          await context.close()
        }
      }
      expect(found).toEqual({})
    }, 120_000)
  }

  test(
    'on a phone: the robots list and a robot page at 360 px, in the dark theme',
    async () => {
      ready()
      const { page, errors } = await as('operator', { viewport: { width: 360, height: 740 }, colorScheme: 'dark', isMobile: true, hasTouch: true })
      await page.waitForSelector('[data-robot-id="robot-a"][data-status=online]')
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      expect(await overflow()).toBeLessThanOrEqual(0)
      await page.waitForSelector('[data-robot-id="robot-a"] [data-battery="82"]')
      await shot(page, 'robots-phone', false)
      await page.click('[data-robot-id="robot-a"] a:text-is("Servos")')
      await page.waitForSelector('main h1.page-title:text-is("Servos")')
      await page.waitForFunction(() => document.querySelectorAll('[data-servo-id]').length === 16)
      expect(await overflow()).toBeLessThanOrEqual(0)
      expect(await page.isVisible('[data-action=estop]')).toBe(true)
      await shot(page, 'servos-phone', false)
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    "the earlier system's conveniences on the hub: job statistics per robot and fleet-wide, a robot's details, an operator's own alert",
    async () => {
      ready()
      const viewer = await as('viewer')
      await viewer.page.waitForSelector('[data-card=fleet-job-stats] tr[data-robot-jobs=robot-a]')
      await viewer.page.goto(h.base + '/robots/robot-a/jobs')
      await viewer.page.waitForSelector('[data-card=job-stats] [data-stat=total]')
      expect(await viewer.page.$$('[data-action=robot-details-edit], [data-action=alert-raise]')).toHaveLength(0)

      const admin = await as('admin')
      await admin.page.goto(h.base + '/robots/robot-a')
      await admin.page.click('[data-card=robot-details] [data-action=robot-details-edit]')
      await admin.page.fill('input[name=robot-location]', 'Warehouse, aisle 4')
      await admin.page.click('[data-action=robot-details-save]')
      await admin.page.waitForSelector('[data-card=robot-details] [data-detail=location]:has-text("Warehouse, aisle 4")')
      expect((await (await h.api('/api/v1/robots/robot-a', { token: await h.tokenFor('viewer') })).json()).location).toBe('Warehouse, aisle 4')

      const { page, errors } = await as('operator')
      await page.goto(h.base + '/robots/robot-a/alerts')
      await page.click('[data-card=alert-stats] summary')
      await page.fill('input[name=alert-title]', 'Loose cable at the left wrist')
      await page.click('[data-action=alert-raise]')
      await page.waitForSelector('tr[data-alert][data-type=manual]:has-text("Loose cable at the left wrist")')
      const [raised] = await h.hub.ctx.db.select().from(alerts).where(eq(alerts.title, 'Loose cable at the left wrist'))
      expect([raised.robotId, raised.type, raised.severity]).toEqual(['robot-a', 'manual', 'warning'])
      await page.click('[data-action=alert-ack-all]')
      await page.waitForSelector('tr[data-alert][data-type=manual][data-state=acknowledged]')
      // Nothing of it left open for whatever runs after.
      expect((await h.api(`/api/v1/alerts/${raised.id}/resolve`, { token: await h.tokenFor('operator'), method: 'POST' })).status).toBe(200)
      expect([...errors, ...viewer.errors, ...admin.errors]).toEqual([])
    },
    TEST_MS,
  )
})
