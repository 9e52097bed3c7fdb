// The dashboard in a real browser against a real edge with the simulated robot: logging in,
// live servos, commands, emergency stop, roles, themes, the phone layout and a lost
// connection. Screenshots of every page go to test-artifacts/ui/; the budgets (first load,
// first render, long tasks at 20 Hz) are measured here and written to budgets.json.
import { describe, expect, test } from 'bun:test'
import type { SimDriver } from '../../drivers/sim/sim-driver.ts'
import { ADMIN_PASSWORD, startTestEdge, waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { answerAfter } from './answer-after.ts'
import { browserSuite, TEST_MS, writeBudgets } from './browser-suite.ts'
import {
  EDGE_PAGES,
  enterEdge,
  goTo,
  logIn,
  measureFirstLoad,
  measurePageLoad,
  servoTimes,
  startUiEdge,
  stopUiEdge,
  unlabelledControls,
  type LoginAnswer,
} from './dashboard-page.ts'

const NAV_PAGES = ['Overview', 'Servos', 'Sensors', 'Monitoring', 'History', 'Jobs', 'Alerts', 'Logs', 'Reports', 'Settings']
const COMMAND_CONTROLS =
  '[data-action=estop], [data-action=resume], [data-action=move], [data-action=torque], [data-action=stop], input[name=target], ' +
  '[data-card=actions], [data-action=action-run], [data-action=action-stop]'
/** HiWonder's stand.d6a, servos 1..16: where `stand` leaves the robot. */
const STAND_POSE = [500, 390, 500, 600, 500, 575, 800, 725, 500, 610, 500, 400, 500, 425, 200, 275]
/** squat.d6a's one frame, to start `stand` from somewhere else. */
const SQUAT_POSE = [500, 162, 916, 800, 500, 537, 800, 724, 500, 837, 83, 200, 500, 462, 200, 275]

let h: EdgeHarness
const budgets: Record<string, unknown> = {}
const { ready, fresh, as, shot, browser } = browserSuite({
  base: () => h.base,
  enter: enterEdge,
  start: async () => {
    h = await startUiEdge()
  },
  stop: async () => {
    await stopUiEdge(h)
    writeBudgets('budgets.json', 'dashboard budgets:', budgets)
  },
})

async function status(): Promise<{ estopped: boolean; servos: { id: number; position: number | null; torque: boolean | null }[] }> {
  return (await h.api('/api/v1/robot/status', { token: await h.tokenFor('admin') })).json()
}

/** Runs in the page: servo updates, frame gaps and long tasks over `ms` of live data. */
async function measureLiveWindow(ms: number) {
  const w = window as unknown as { __longTasks: { start: number; duration: number }[] | null }
  const t0 = performance.now()
  let updates = 0
  const mo = new MutationObserver((recs) => {
    updates += recs.length
  })
  for (const el of document.querySelectorAll('[data-servo-id]')) mo.observe(el, { attributes: true, attributeFilter: ['data-ts'] })
  const gaps: number[] = []
  let last = t0
  let running = true
  const loop = (t: number) => {
    gaps.push(t - last)
    last = t
    if (running) requestAnimationFrame(loop)
  }
  requestAnimationFrame(loop)
  await new Promise((r) => setTimeout(r, ms)) // the window being measured
  running = false
  mo.disconnect()
  return {
    observed: w.__longTasks !== null,
    longTasks: (w.__longTasks ?? []).filter((t) => t.start >= t0).map((t) => Math.round(t.duration)),
    perServoHz: Math.round((updates / 16 / (ms / 1000)) * 10) / 10,
    frames: gaps.length,
    maxFrameGapMs: Math.round(Math.max(...gaps)),
  }
}

describe('serving', () => {
  test(
    'index and assets: brotli or gzip, hashed assets cached for a year, deep links, 404 for missing files',
    async () => {
      ready()
      const index = await fetch(h.base + '/', { headers: { 'accept-encoding': 'gzip' } })
      expect(index.status).toBe(200)
      expect(index.headers.get('content-encoding')).toBe('gzip')
      expect(index.headers.get('cache-control')).toBe('no-cache')
      expect(index.headers.get('content-security-policy')).toContain("default-src 'self'")
      const html = await index.text()
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1]
      const style = /href="(\/assets\/[^"]+\.css)"/.exec(html)?.[1]
      expect(script).toBeDefined()
      expect(style).toBeDefined()
      for (const path of [script!, style!]) {
        const r = await fetch(h.base + path, { headers: { 'accept-encoding': 'gzip, br' } })
        expect(r.status).toBe(200)
        expect(r.headers.get('content-encoding')).toBe('br')
        expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
        const again = await fetch(h.base + path, { headers: { 'if-none-match': r.headers.get('etag')! } })
        expect(again.status).toBe(304)
      }
      const plain = await fetch(h.base + script!, { headers: { 'accept-encoding': 'identity' } })
      expect(plain.headers.get('content-encoding')).toBeNull()
      expect((await fetch(h.base + '/servos')).headers.get('content-type')).toContain('text/html')
      expect((await fetch(h.base + '/favicon.ico')).status).toBe(404)
      expect((await fetch(h.base + '/assets/missing-123.js')).status).toBe(404)
    },
    TEST_MS,
  )

  test(
    'API answers are compressed when the client accepts it (ten minutes of history: a tenth of the bytes)',
    async () => {
      ready()
      const token = await h.tokenFor('viewer')
      const now = Date.now()
      const path = `/api/v1/robot/sensors?stream=performance&from=${now - 600_000}&to=${now}`
      const plain = await h.api(path, { token, headers: { 'accept-encoding': 'identity' } })
      const plainBytes = (await plain.arrayBuffer()).byteLength
      expect(plain.headers.get('content-encoding')).toBeNull()
      expect(plainBytes).toBeGreaterThan(100_000)
      for (const coding of ['br', 'gzip']) {
        // Bun's fetch decodes unless asked not to: the bytes as sent.
        const r = await h.api(path, { token, headers: { 'accept-encoding': coding }, decompress: false } as RequestInit)
        expect(r.headers.get('content-encoding')).toBe(coding)
        expect(r.headers.get('vary')).toContain('Accept-Encoding')
        expect((await r.arrayBuffer()).byteLength).toBeLessThan(plainBytes / 8)
      }
    },
    TEST_MS,
  )
})

describe('dashboard', () => {
  test(
    'log in: wrong password refused, then the overview with live data; first load and first render budgets',
    async () => {
      ready()
      const d = await fresh()
      const { page } = d
      const load = await measureFirstLoad(page)
      budgets.firstLoad = { transferredBytes: load.transferredBytes, budgetBytes: 100 * 1024, document: load.document, resources: load.resources }
      budgets.firstRender = { firstContentfulPaintMs: load.firstContentfulPaintMs, domContentLoadedMs: load.domContentLoadedMs, budgetMs: 1000 }
      expect(load.transferredBytes).toBeLessThanOrEqual(100 * 1024)
      expect(load.firstContentfulPaintMs).not.toBeNull()
      expect(load.firstContentfulPaintMs!).toBeLessThanOrEqual(1000)
      await shot(page, 'login')

      await page.fill('input[name=username]', 'admin')
      await page.fill('input[name=password]', 'not-the-password')
      await page.click('button[type=submit]')
      await page.waitForSelector('[role=alert]:has-text("Wrong username or password")')
      d.errors.length = 0 // the browser logs the expected 401

      const t0 = Date.now()
      await logIn(page, 'admin')
      await page.waitForSelector('[data-card=servos] :text("16 / 16")')
      budgets.loginToLiveOverviewMs = Date.now() - t0
      expect(await page.textContent('main h1')).toBe('Overview')
      expect(await page.getAttribute('[data-card=robot] [data-robot-state]', 'data-robot-state')).toBe('Running')
      await page.waitForSelector('[data-card=battery] :text("%")')
      // The robot's own alerts and jobs, from its API (not a "not available" placeholder).
      await page.waitForSelector('[data-card=alerts] [data-open-alerts]')
      await page.waitForSelector('[data-card=job] :text("No job recorded for this robot.")')
      // No hub configured: the robot says it keeps everything, and how to connect it.
      await page.waitForSelector('[data-card=sync] [data-sync-state=unconfigured]')
      expect(await page.textContent('[data-card=sync]')).toContain('npm run edge:register')
      await shot(page, 'overview')
      expect(d.errors).toEqual([])
    },
    TEST_MS,
  )

  test('every page, opened logged in with an empty cache, loads in 100 KB or less with every API call it makes', async () => {
    ready()
    const login = (await (await h.api('/api/v1/auth/login', { method: 'POST', json: { username: 'admin', password: ADMIN_PASSWORD } })).json()) as LoginAnswer
    const pages: Record<string, { transferredBytes: number; requests: string[] }> = {}
    for (const p of EDGE_PAGES) {
      const load = await measurePageLoad(browser(), h.base, p.path, p.ready, login)
      pages[p.path] = { transferredBytes: load.transferredBytes, requests: load.resources.map((r) => `${r.name} ${r.transfer}`) }
    }
    budgets.firstLoadPerPage = pages
    const over = Object.entries(pages)
      .filter(([, l]) => l.transferredBytes > 100 * 1024)
      .map(([path, l]) => `${path}: ${l.transferredBytes} bytes (${l.requests.join(', ')})`)
    expect(over).toEqual([])
    // Ten minutes of the Pi's history are fetched by the page that draws them, for the fields it draws.
    const apiCalls = (path: string) => pages[path].requests.filter((r) => r.startsWith('/api/'))
    for (const path of ['/', '/servos', '/sensors', '/history']) expect(apiCalls(path).filter((r) => r.includes('stream=performance'))).toEqual([])
    expect(
      apiCalls('/monitoring').filter((r) => r.includes('stream=performance') && r.includes('resolution=2s') && r.includes('fields=cpu_percent')),
    ).toHaveLength(1)
    expect(apiCalls('/').some((r) => r.startsWith('/api/v1/pi/performance?') || r.startsWith('/api/v1/pi/performance '))).toBe(true)
    expect(apiCalls('/').filter((r) => r.includes('pi/performance') && r.includes('from='))).toEqual([])
  }, 120_000)

  test(
    '16 servos update live at the rate the page asks of the feed (5 Hz), with no long task over 50 ms',
    async () => {
      ready()
      const { page, errors } = await as('admin')
      await goTo(page, 'Servos')
      await page.waitForFunction(() => document.querySelectorAll('[data-servo-id]').length === 16)
      const before = await servoTimes(page)
      expect(Object.keys(before).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 16 }, (_, i) => String(i + 1)))
      await page.waitForTimeout(500)
      const after = await servoTimes(page)
      for (const id of Object.keys(before)) expect(after[id]).not.toBe(before[id])

      // Main-thread time from Chromium's own counters: how much of each second the page is busy.
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Performance.enable')
      const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]))
      // A long task is wall-clock time: on a loaded machine the OS can preempt the renderer
      // mid-frame and stretch any task past 50 ms. Work of ours that is too long repeats in
      // every window; a preemption does not. So: up to two windows, one must be clean.
      const windows = []
      for (let i = 0; i < 2; i++) {
        const m0 = await metrics()
        const m = await page.evaluate(measureLiveWindow, 3000)
        const m1 = await metrics()
        const busy = (k: string) => Math.round(((m1[k] - m0[k]) / (m1.Timestamp - m0.Timestamp)) * 1000) / 10
        windows.push({ ...m, scriptPercent: busy('ScriptDuration'), mainThreadBusyPercent: busy('TaskDuration') })
        if (!m.longTasks.length) break
      }
      const best = windows[windows.length - 1]
      budgets.servoPageLive = { windowMs: 3000, ...best, windows: windows.length > 1 ? windows : undefined, budget: 'no long task > 50 ms' }
      expect(best.observed).toBe(true)
      expect(best.longTasks).toEqual([])
      // The robot sweeps at 20 Hz; the page shows five updates a second, and is sent no more.
      expect(best.perServoHz).toBeGreaterThanOrEqual(4)
      expect(best.perServoHz).toBeLessThanOrEqual(6)
      await shot(page, 'servos-admin')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'an operator moves a servo and sees it reach the target; torque off and on',
    async () => {
      ready()
      const { page, errors } = await as('operator')
      await goTo(page, 'Servos')
      const card = page.locator('[data-servo-id="3"]')
      await card.locator('input[name=target]').fill('700')
      await card.locator('[data-action=move]').click()
      await page.waitForSelector('[data-toast=success]:has-text("Move servo 3 to 700")')
      await page
        .waitForFunction(() => Math.abs(Number(document.querySelector('[data-servo-id="3"]')?.getAttribute('data-position')) - 700) <= 3, null, {
          timeout: 10_000,
        })
        .catch(async (err) => {
          throw new Error(`servo 3 did not reach 700 on the page (shows ${await card.getAttribute('data-position')}): ${err.message}`)
        })
      const s3 = (await status()).servos.find((s) => s.id === 3)!
      expect(Math.abs(s3.position! - 700)).toBeLessThanOrEqual(3)

      // Releasing torque asks for a second click: a standing robot would collapse.
      const torque = card.locator('[data-action=torque]')
      await torque.click()
      await page.waitForSelector('[data-servo-id="3"] [data-action=torque]:has-text("Release?")')
      await torque.click()
      await page.waitForSelector('[data-servo-id="3"][data-torque="false"]', { timeout: 5000 })
      expect((await status()).servos.find((s) => s.id === 3)!.torque).toBe(false)
      await shot(page, 'servos-operator')
      await torque.click()
      await page.waitForSelector('[data-servo-id="3"][data-torque="true"]', { timeout: 5000 })
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'emergency stop (from the keyboard) stops the robot on every page; resume',
    async () => {
      ready()
      const { page, errors } = await as('operator')
      for (const title of NAV_PAGES) {
        await goTo(page, title)
        expect(await page.isVisible('[data-action=estop]')).toBe(true)
      }
      await goTo(page, 'Servos')
      await page.focus('[data-action=estop]')
      await page.keyboard.press('Enter')
      await waitFor('robot estopped', async () => (await status()).estopped)
      await page.waitForSelector('[data-state=estopped]')
      expect(await page.isDisabled('[data-servo-id="1"] [data-action=move]')).toBe(true)
      // The server refuses motion too, whatever the page shows.
      const refused = await h.api('/api/v1/command', {
        token: await h.tokenFor('operator'),
        method: 'POST',
        json: { type: 'servo.move', targets: [{ id: 1, position: 600 }], duration_ms: 200 },
      })
      expect(refused.status).toBe(409)
      await shot(page, 'estop-active')

      await page.click('[data-action=resume]')
      await waitFor('robot resumed', async () => !(await status()).estopped)
      await page.waitForSelector('[data-state=estopped]', { state: 'detached' })
      expect(await page.isDisabled('[data-servo-id="1"] [data-action=move]')).toBe(false)
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'action groups: an operator runs squat, then stand (the servos reach its pose), then wave until stopped',
    async () => {
      ready()
      const { page, errors } = await as('operator')
      await goTo(page, 'Servos')
      const launcher = page.locator('[data-card=actions]')
      await launcher.locator('[data-action-group=stand]').waitFor()
      const listed = (await (await h.api('/api/v1/actions', { token: await h.tokenFor('operator') })).json()) as { names: string[] }
      expect(await launcher.locator('[data-action-group]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action-group')))).toEqual(
        [...listed.names].sort((a, b) => a.localeCompare(b)),
      )
      // Every state the panel shows, recorded in the page: a one-frame group plays for 500 ms.
      await page.evaluate(() => {
        const w = window as unknown as { __plays: string[] }
        w.__plays = []
        const root = document.querySelector('[data-card=actions]')!
        const record = () => {
          const el = root.querySelector('[data-playing]')
          if (!el) return
          const rec = ['playing', 'frame', 'frames', 'repetition', 'repeat'].map((a) => el.getAttribute(`data-${a}`)).join(' ')
          if (w.__plays[w.__plays.length - 1] !== rec) w.__plays.push(rec)
        }
        new MutationObserver(record).observe(root, { subtree: true, childList: true, attributes: true })
      })
      const plays = () => page.evaluate(() => (window as unknown as { __plays: string[] }).__plays)
      const atPose = (pose: number[]) =>
        page.waitForFunction(
          (p) => p.every((pos, i) => Math.abs(Number(document.querySelector(`[data-servo-id="${i + 1}"]`)?.getAttribute('data-position')) - pos) <= 3),
          pose,
          { timeout: 5000 },
        )

      // Somewhere other than standing first (the simulator starts in the stand pose).
      await launcher.locator('[data-action-group=squat] [data-action=action-run]').click()
      await page.waitForSelector('[data-toast=success]:has-text("Run squat: done")')
      await atPose(SQUAT_POSE)

      await launcher.locator('[data-action-group=stand] [data-action=action-run]').click()
      await page.waitForSelector('[data-toast=success]:has-text("Run stand: done"):has-text("1 frame played")')
      await launcher.locator('[data-last=stand][data-last-state=done]').waitFor()
      expect(await plays()).toContain('stand 1 1 1 1')
      await atPose(STAND_POSE).catch(async (err) => {
        const shown = await page.$$eval('[data-servo-id]', (els) => els.map((e) => Number(e.getAttribute('data-position'))))
        throw new Error(`the page does not show the stand pose: ${JSON.stringify(shown)}: ${err.message}`)
      })
      const robot = (await status()).servos.sort((a, b) => a.id - b.id)
      expect(robot.map((s, i) => (Math.abs(s.position! - STAND_POSE[i]) <= 3 ? 'ok' : `${s.id}: ${s.position}`))).toEqual(STAND_POSE.map(() => 'ok'))

      // Until stopped: it loops until Stop, and nothing else may start meanwhile.
      await page.selectOption('[data-card=actions] select[name=repeat]', '0')
      await launcher.locator('[data-action-group=wave] [data-action=action-run]').click()
      await launcher.locator('[data-playing=wave][data-repeat="0"]:not([data-frame="0"])').waitFor()
      expect(await launcher.locator('[data-progress]').textContent()).toMatch(/^frame \d+ \/ 11, repetition 1 \(until stopped\)$/)
      expect(await launcher.locator('[data-why=playing]').textContent()).toContain('wave is playing')
      expect(await launcher.locator('[data-action=action-run]:not([disabled])').count()).toBe(0)
      await shot(page, 'servos-actions', false)
      await launcher.locator('[data-playing=wave][data-repetition="2"]').waitFor({ timeout: 8000 })
      await launcher.locator('[data-action=action-stop]').click()
      await page.waitForSelector('[data-toast=success]:has-text("Run wave until stopped: done"):has-text("stopped after")')
      await launcher.locator('[data-last=wave][data-last-state=stopped]').waitFor()
      expect((await (await h.api('/api/v1/actions', { token: await h.tokenFor('operator') })).json()).playing).toBeNull()
      expect(await launcher.locator('[data-action=action-run][disabled]').count()).toBe(0)
      const seen = await plays()
      expect(seen.some((p) => /^wave \d+ 11 1 0$/.test(p))).toBe(true)
      expect(seen.some((p) => /^wave \d+ 11 2 0$/.test(p))).toBe(true)
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'action groups while e-stopped: the stop aborts the play, Run is disabled and says why until resume',
    async () => {
      ready()
      const { page, errors } = await as('operator')
      await goTo(page, 'Servos')
      const launcher = page.locator('[data-card=actions]')
      await page.selectOption('[data-card=actions] select[name=repeat]', '0')
      await launcher.locator('[data-action-group=wave] [data-action=action-run]').click()
      await page.waitForSelector('[data-card=actions] [data-playing=wave]:not([data-frame="0"])')
      await page.click('[data-action=estop]')
      await page.waitForSelector('[data-toast=error]:has-text("Run wave until stopped: failed"):has-text("emergency stop")')
      await launcher.locator('[data-last=wave][data-last-state=aborted]').waitFor()
      await page.waitForSelector('[data-card=actions][data-estopped=true] [data-why=estopped]')
      expect(await launcher.locator('[data-action=action-run]').count()).toBeGreaterThan(0)
      expect(await launcher.locator('[data-action=action-run]:not([disabled])').count()).toBe(0)
      expect(await launcher.locator('[data-action=action-run]').first().getAttribute('aria-describedby')).toBe('action-why')
      await shot(page, 'servos-actions-estopped', false)

      await page.click('[data-action=resume]')
      await launcher.locator('[data-why]').waitFor({ state: 'detached' })
      // The e-stop's abort is not left in red after the resume.
      await launcher.locator('[data-last-state=aborted]').waitFor({ state: 'detached' })
      expect(await launcher.locator('[data-action=action-run][disabled]').count()).toBe(0)
      // Leave the robot standing for the tests after this one.
      await page.selectOption('[data-card=actions] select[name=repeat]', '1')
      await launcher.locator('[data-action-group=stand] [data-action=action-run]').click()
      await page.waitForSelector('[data-toast=success]:has-text("Run stand: done")')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'a servo that stops answering, and answers again, is told in a toast (to viewers too)',
    async () => {
      ready()
      const { page, errors } = await as('viewer')
      await goTo(page, 'Servos')
      const model = (h.edge.driver as SimDriver).model
      model.setSilent(5, true)
      try {
        await page.waitForSelector('[data-toast=warn]:has-text("Servo 5 ("):has-text("is not answering")')
        await page.waitForSelector('[data-servo-id="5"][data-stale="true"]')
        await shot(page, 'servo-silent', false)
      } finally {
        model.setSilent(5, false)
      }
      await page.waitForSelector('[data-toast=success]:has-text("Servo 5 ("):has-text("is answering again")')
      await page.waitForSelector('[data-servo-id="5"][data-stale="false"]')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'a viewer sees no command controls on any page (and the robot refuses them anyway)',
    async () => {
      ready()
      const { page, errors } = await as('viewer')
      for (const title of NAV_PAGES) {
        await goTo(page, title)
        expect(await page.locator(COMMAND_CONTROLS).count()).toBe(0)
      }
      expect(await page.locator('nav a:text-is("Users")').count()).toBe(0)
      await goTo(page, 'Servos')
      await page.waitForFunction(() => document.querySelectorAll('[data-servo-id]').length === 16)
      expect(await page.locator('[data-card=actions], [data-action-group]').count()).toBe(0)
      await shot(page, 'servos-viewer')
      const r = await h.api('/api/v1/command', { token: await h.tokenFor('viewer'), method: 'POST', json: { type: 'estop' } })
      expect(r.status).toBe(403)
      const run = await h.api('/api/v1/command', { token: await h.tokenFor('viewer'), method: 'POST', json: { type: 'action.run', name: 'wave' } })
      expect(run.status).toBe(403)
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'theme follows the system, switches, and the choice is remembered',
    async () => {
      ready()
      const { page, errors } = await as('admin', { colorScheme: 'dark' })
      const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor)
      const luminance = (rgb: string) => {
        const [r, g, b] = rgb.match(/\d+/g)!.map(Number)
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
      }
      expect(await page.getAttribute('html', 'data-theme')).toBe('dark')
      expect(luminance(await bg())).toBeLessThan(0.2)
      await page.waitForSelector('[data-card=battery] :text("%")')
      await shot(page, 'overview-dark')
      await page.click('[data-action=theme]')
      expect(await page.getAttribute('html', 'data-theme')).toBe('light')
      expect(luminance(await bg())).toBeGreaterThan(0.8)
      await page.reload()
      await page.waitForSelector('main h1.page-title')
      expect(await page.getAttribute('html', 'data-theme')).toBe('light')
      await page.waitForSelector('[data-card=battery] :text("%")')
      await shot(page, 'overview-light')
      await goTo(page, 'Settings')
      await page.check('input[name=theme][value=system]')
      expect(await page.getAttribute('html', 'data-theme')).toBe('dark')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'phone (360 x 740): no horizontal scroll on any page, estop always in view',
    async () => {
      ready()
      const { page, errors } = await as('operator', { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 })
      for (const title of NAV_PAGES) {
        await goTo(page, title)
        await page.waitForTimeout(title === 'Servos' || title === 'History' ? 600 : 150)
        const m = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: innerWidth }))
        expect({ title, ...m, overflow: m.scroll > m.width }).toEqual({ title, ...m, overflow: false })
        const box = (await page.locator('[data-action=estop]').boundingBox())!
        expect(box.x).toBeGreaterThanOrEqual(0)
        expect(box.x + box.width).toBeLessThanOrEqual(360)
        expect(box.y).toBeGreaterThanOrEqual(0)
        await shot(page, `phone-${title.toLowerCase()}`, false)
      }
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'sensors: attitude indicator and the fallen state',
    async () => {
      ready()
      const { page, errors } = await as('admin')
      await goTo(page, 'Sensors')
      await page.waitForSelector('[data-card=attitude] [data-posture=upright]')
      const model = (h.edge.driver as SimDriver).model
      model.fall('front', Date.now())
      await page.waitForSelector('[data-card=attitude] [data-posture=fallen-front]', { timeout: 5000 })
      expect(await page.getAttribute('svg.attitude', 'aria-label')).toContain('fallen')
      await shot(page, 'sensors-fallen')
      model.standUp(Date.now())
      await page.waitForSelector('[data-card=attitude] [data-posture=upright]', { timeout: 6000 })
      await shot(page, 'sensors')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'monitoring, history, users (admin) and honest empty states; every control labelled',
    async () => {
      ready()
      const { page, errors } = await as('admin')
      await goTo(page, 'Monitoring')
      await page.waitForSelector('[data-card=cpu] .meter-num:text("%")')
      await shot(page, 'monitoring')

      await goTo(page, 'History')
      await page.waitForSelector('[data-card=history-chart] canvas')
      expect(Number((await page.textContent('[data-card=history-chart] .reading:has-text("Points") .reading-value'))!.replace(/\D/g, ''))).toBeGreaterThan(10)
      await page.selectOption('select[name=stream]', 'battery')
      await page.waitForSelector('[data-card=history-chart] h2:text("Battery voltage")')
      await page.waitForSelector('[data-card=history-chart] canvas')
      await shot(page, 'history')

      await goTo(page, 'Users')
      await page.fill('input[name=new-username]', 'field-tech')
      await page.fill('input[name=new-password]', 'field-tech-password')
      await page.selectOption('select[name=role]', 'operator')
      await page.click('button:text("Add user")')
      await page.waitForSelector('tr[data-user=field-tech]')
      await page.selectOption('tr[data-user=field-tech] select', 'viewer')
      await waitFor('role changed', async () => {
        const users = (await (await h.api('/api/v1/users', { token: await h.tokenFor('admin') })).json()) as { username: string; role: string }[]
        return users.find((u) => u.username === 'field-tech')?.role === 'viewer'
      })
      await shot(page, 'users')
      await page.click('tr[data-user=field-tech] button:text("Delete")')
      await page.click('tr[data-user=field-tech] .btn-danger')
      await page.waitForSelector('tr[data-user=field-tech]', { state: 'detached' })

      // A page whose API this edge does not have says so; one whose API it has shows its records.
      for (const title of ['Jobs', 'Alerts', 'Logs', 'Reports']) {
        const probe = await h.api(`/api/v1/${title.toLowerCase()}`, { token: await h.tokenFor('admin') })
        const missing = probe.status === 404 && /no such route/i.test((await probe.json()).message ?? '')
        await goTo(page, title)
        // (A shape this dashboard does not read yet is said plainly too: not-available.)
        await page.waitForSelector(missing ? 'main [data-state=not-available]' : 'main .table, main [data-state=empty], main [data-state=not-available]')
        if (title === 'Jobs') await shot(page, 'jobs-empty')
      }
      await goTo(page, 'Settings')
      await page.waitForSelector('[data-card=storage] .reading')
      await shot(page, 'settings')
      await page.click('a.user-link')
      await page.waitForSelector('main h1.page-title:text-is("Account")')
      await shot(page, 'account')

      const unlabelled: Record<string, string[]> = {}
      for (const title of [...NAV_PAGES, 'Users']) {
        await goTo(page, title)
        if (title === 'Alerts' || title === 'Logs' || title === 'Reports') await shot(page, `${title.toLowerCase()}-empty`)
        await page.waitForTimeout(100)
        const u = await unlabelledControls(page)
        if (u.length) unlabelled[title] = u
      }
      expect(unlabelled).toEqual({})
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'consistent words: the battery charge said once, a fall rule by its state, log times to the second',
    async () => {
      ready()
      const { page, errors } = await as('viewer')
      await page.waitForSelector('[data-card=battery] .meter-num:text("%")')
      expect(await page.locator('[data-card=battery]').getByText('Charge', { exact: true }).count()).toBe(1)
      await goTo(page, 'Settings')
      const fall = page.locator('[data-card=thresholds] tr[data-rule=fall]')
      await fall.waitFor()
      expect(await fall.textContent()).toContain('Robot has fallen')
      expect(await fall.textContent()).toContain('when it has fallen')
      expect(await fall.textContent()).not.toContain('above')
      expect(await page.textContent('[data-card=thresholds] tr[data-rule=servo_silent]')).toContain('Servo not answering')
      await goTo(page, 'Logs')
      const time = await page.textContent('tr[data-log] td[data-label=Time]')
      expect(time).toMatch(/\d{1,2}:\d\d:\d\d/)
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'history from a shared link: the servo list is filled on a direct load and after a reload, the linked servo chosen',
    async () => {
      ready()
      const { page, errors } = await as('viewer')
      // The robot's state answering after the chart's data (a busy robot): what left the list empty.
      const order = await answerAfter(page, '**/api/v1/robot/status', '/api/v1/robot/sensors')
      const link = `${h.base}/history?stream=servos&servo=3&field=temperature_c&window=900000`
      for (const open of [() => page.goto(link), () => page.reload()]) {
        order.reset()
        await open()
        await page.waitForSelector('[data-card=history-chart] canvas')
        await page.waitForFunction(() => document.querySelectorAll('select[name=servo] option').length === 16)
        expect(await page.inputValue('select[name=servo]')).toBe('3')
        expect(await page.textContent('select[name=servo] option:checked')).toBe('3: Left knee pitch')
        expect(await page.textContent('[data-card=history-chart] h2')).toBe('Servo 3 temperature')
      }
      // The chart fetched the one field it draws, at about a point per pixel.
      await page.selectOption('select[name=servo]', '5')
      await page.waitForSelector('[data-card=history-chart] h2:text("Servo 5 temperature")')
      // The address follows the choice once the page has drawn it: wait for it, not for the heading alone.
      await page.waitForFunction(() => new URL(location.href).searchParams.get('servo') === '5')
      expect(order.outOfOrder).toBe(0)
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'keyboard: the skip link, the page list and the emergency stop are reachable with Tab',
    async () => {
      ready()
      const { page } = await as('operator')
      // A fresh load (still logged in) starts keyboard focus at the top of the document.
      await page.reload()
      await page.waitForSelector('main h1.page-title')
      const seen: string[] = []
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press('Tab')
        seen.push(
          await page.evaluate(() => {
            const e = document.activeElement as HTMLElement
            return e.dataset.action ? `action:${e.dataset.action}` : (e.textContent?.trim().slice(0, 30) ?? e.tagName)
          }),
        )
      }
      expect(seen[0]).toBe('Skip to content')
      expect(seen).toContain('action:estop')
      expect(seen).toContain('Servos')
      await page.focus('nav a:text-is("Servos")')
      await page.keyboard.press('Enter')
      await page.waitForSelector('main h1.page-title:text-is("Servos")')
    },
    TEST_MS,
  )

  test(
    'connection loss shows "reconnecting", and the page recovers when the robot comes back; the token is in no URL and no console line',
    async () => {
      ready()
      const { page, errors } = await as('admin')
      const token = await page.evaluate(() => JSON.parse(localStorage.getItem('tonypi.session')!).token as string)
      const seen: string[] = []
      page.on('console', (m) => seen.push(`console: ${m.text()}`))
      page.on('request', (r) => seen.push(`request: ${r.url()}`))
      page.on('websocket', (ws) => seen.push(`websocket: ${ws.url()}`))
      await page.reload()
      await page.waitForSelector('[data-connection=open]')
      await goTo(page, 'Servos')
      await page.waitForFunction(() => document.querySelectorAll('[data-servo-id]').length === 16)
      const { httpPort, mqttPort } = h.edge
      const dataDir = h.dataDir

      // The robot's service goes away (a restart, a crash, the Wi-Fi): the real thing, not a mock.
      await h.stop({ keepData: true })
      await page.waitForSelector('[data-state=reconnecting]:has-text("Connection lost, reconnecting")', { timeout: 5000 })
      await page.waitForSelector('[data-servo-id="1"][data-stale="true"]', { timeout: 5000 })
      expect(await page.getAttribute('[data-connection]', 'data-connection')).toBe('reconnecting')
      await shot(page, 'connection-lost')

      h = await startTestEdge({ TONYPI_HTTP_PORT: String(httpPort), TONYPI_MQTT_PORT: String(mqttPort) }, { dataDir })
      const t0 = Date.now()
      await page.waitForSelector('[data-state=reconnecting]', { state: 'detached', timeout: 10_000 })
      budgets.reconnectAfterRestartMs = Date.now() - t0
      const before = await servoTimes(page)
      await page.waitForTimeout(400)
      const after = await servoTimes(page)
      for (const id of Object.keys(before)) expect(after[id]).not.toBe(before[id])
      expect(await page.getAttribute('[data-connection]', 'data-connection')).toBe('open')
      expect(await page.locator('[data-servo-id][data-stale="true"]').count()).toBe(0)
      // Network errors while the robot was away are expected in the console; nothing may throw.
      expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([])
      // The failed attempts are in the console (Chromium logs each with its URL): none names the token.
      expect(seen.some((l) => l.startsWith('console:') && l.includes('/api/v1/live'))).toBe(true)
      expect(seen.some((l) => l.startsWith('websocket:'))).toBe(true)
      expect(seen.filter((l) => l.includes(token))).toEqual([])
    },
    TEST_MS,
  )
})
