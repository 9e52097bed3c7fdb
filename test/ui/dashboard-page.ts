// Opening the dashboard as a given user in a fresh browser context, with the hooks the
// tests read: page errors collected, long tasks observed from the first script on. The edge
// and the hub differ only in their admin's password and in the page that follows a login.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import { seedEdgeHistory } from '../../bench/nominal-load.ts'
import { ADMIN_PASSWORD, startTestEdge, type EdgeHarness } from '../support/edge-harness.ts'

export type UiRole = 'admin' | 'operator' | 'viewer'

export interface DashboardPage {
  context: BrowserContext
  page: Page
  /** Uncaught exceptions and console errors other than expected API 404 probes. */
  errors: string[]
  close(): Promise<void>
}

export type Credentials = Record<UiRole, readonly [username: string, password: string]>

/** The users a test server has: its admin, and the ones its harness creates for a role. */
export function credentials(adminPassword: string): Credentials {
  return {
    admin: ['admin', adminPassword],
    operator: ['operator-user', 'operator-password'],
    viewer: ['viewer-user', 'viewer-password'],
  }
}

const EDGE_USERS = credentials(ADMIN_PASSWORD)

/** Long tasks (> 50 ms on the main thread) from page start, read by the budget checks. */
const OBSERVE_LONG_TASKS = `
  window.__longTasks = [];
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration }) })
      .observe({ type: 'longtask', buffered: true });
  } catch (e) { window.__longTasks = null }
`

export async function openDashboard(browser: Browser, base: string, opts: BrowserContextOptions = {}): Promise<DashboardPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...opts })
  await context.addInitScript(OBSERVE_LONG_TASKS)
  const page = await context.newPage()
  // A wait that fails should fail with its own message, well inside the test's time.
  page.setDefaultTimeout(10_000)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    // The jobs/alerts/logs/reports pages probe the API and expect a 404 on this robot.
    if (m.type() === 'error' && !/status of 404/.test(m.text())) errors.push(`console: ${m.text()}`)
  })
  await page.goto(base + '/')
  return { context, page, errors, close: () => context.close() }
}

export async function logIn(page: Page, role: UiRole, users: Credentials = EDGE_USERS) {
  const [username, password] = users[role]
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', password)
  await page.click('button[type=submit]')
  await page.waitForSelector('main h1.page-title')
}

export async function enterEdge(page: Page, role: UiRole) {
  await logIn(page, role)
  // Live and seeded: what a user sees a moment after logging in.
  await page.waitForSelector('[data-connection=open]')
  await page.waitForSelector('.robot-id:not(:text("\u2026"))')
}

/** A test edge with ten minutes of stored history, as on a robot that has been running. */
export async function startUiEdge(): Promise<EdgeHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tonypi-ui-edge-'))
  seedEdgeHistory(dataDir, 600)
  const h = await startTestEdge({}, { dataDir })
  // The browser logs in as these users: minting their tokens creates them.
  await h.tokenFor('operator')
  await h.tokenFor('viewer')
  return h
}

export async function stopUiEdge(h: EdgeHarness | undefined) {
  if (!h) return
  await h.stop()
  rmSync(h.dataDir, { recursive: true, force: true })
}

/** Every page of the edge's dashboard, and what tells that it has drawn what it shows. */
export const EDGE_PAGES: readonly { path: string; ready: string }[] = [
  { path: '/', ready: '[data-card=battery] .reading-value:has-text("V")' },
  { path: '/servos', ready: '[data-servo-id="16"][data-position]' },
  { path: '/sensors', ready: '[data-card=attitude] [data-posture]' },
  { path: '/monitoring', ready: '[data-card=cpu] canvas' },
  { path: '/history', ready: '[data-card=history-chart] canvas' },
  { path: '/jobs', ready: '[data-card=jobs]' },
  { path: '/alerts', ready: '[data-card=alerts-list]' },
  { path: '/logs', ready: '[data-card=logs]' },
  { path: '/reports', ready: '[data-card=reports]' },
  { path: '/users', ready: 'tr[data-user]' },
  { path: '/settings', ready: '[data-card=thresholds] tr[data-rule]' },
]

/** Goes to a page through the navigation, as a user would. */
export async function goTo(page: Page, title: string) {
  await page.click(`nav[aria-label="Pages"] a:text-is("${title}")`)
  await page.waitForSelector(`main h1.page-title:text-is("${title}")`)
}

export interface FirstLoad {
  /** What the first-load budget counts: the document and every resource as sent (compressed). */
  transferredBytes: number
  document: number
  resources: { name: string; transfer: number; decoded: number }[]
  firstContentfulPaintMs: number | null
  domContentLoadedMs: number
}

export async function measureFirstLoad(page: Page): Promise<FirstLoad> {
  // The paint entries exist only once the first view, the login form, has been drawn.
  await page.waitForSelector('input[name=username]')
  return readFirstLoad(page)
}

/** What the page has loaded so far: the document and every resource, API calls included. */
async function readFirstLoad(page: Page): Promise<FirstLoad> {
  const load = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming
    const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[]
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]
    return {
      document: nav.transferSize,
      resources: res.map((r) => ({ name: new URL(r.name).pathname + new URL(r.name).search, transfer: r.transferSize, decoded: r.decodedBodySize })),
      firstContentfulPaintMs: fcp ? Math.round(fcp.startTime) : null,
      domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd),
    }
  })
  return { transferredBytes: load.document + load.resources.reduce((s, r) => s + r.transfer, 0), ...load }
}

/** `POST auth/login`'s answer, as the dashboard keeps it. */
export interface LoginAnswer {
  access_token: string
  expires_in: number
  user: Record<string, unknown>
}

/** A script that puts a logged-in session where the dashboard keeps it, before any page script. */
export function sessionInit(login: LoginAnswer): string {
  const s = { token: login.access_token, user: login.user, expiresAt: Date.now() + login.expires_in * 1000 }
  return `try { localStorage.setItem('tonypi.session', ${JSON.stringify(JSON.stringify(s))}) } catch (e) {}`
}

/** Counts the page's HTTP requests in flight (WebSockets aside), to wait for a quiet network. */
function trackRequests(page: Page) {
  let inflight = 0
  let lastChange = Date.now()
  const up = () => {
    inflight++
    lastChange = Date.now()
  }
  const down = () => {
    inflight = Math.max(0, inflight - 1)
    lastChange = Date.now()
  }
  page.on('request', up)
  page.on('requestfinished', down)
  page.on('requestfailed', down)
  return {
    /** Resolves once nothing has been in flight for `quietMs`. */
    async quiet(quietMs = 600, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs
      while (Date.now() < end && (inflight > 0 || Date.now() - lastChange < quietMs)) await page.waitForTimeout(100)
    },
    stop() {
      page.off('request', up)
      page.off('requestfinished', down)
      page.off('requestfailed', down)
    },
  }
}

/**
 * A logged-in user opening `path` with an empty cache: the document, the assets and every API
 * call the page makes until it has drawn `ready` and the network is quiet, as transferred.
 */
export async function measurePageLoad(
  browser: Browser,
  base: string,
  path: string,
  ready: string,
  login: LoginAnswer,
  opts: BrowserContextOptions = {},
): Promise<FirstLoad> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...opts })
  try {
    await context.addInitScript(sessionInit(login))
    const page = await context.newPage()
    const requests = trackRequests(page)
    await page.goto(base + path)
    await page.waitForSelector(ready)
    await requests.quiet()
    requests.stop()
    return await readFirstLoad(page)
  } finally {
    await context.close()
  }
}

/** Every servo card's last reading time, by servo id. */
export function servoTimes(page: Page): Promise<Record<string, string>> {
  return page.$$eval('[data-servo-id]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-servo-id')!, e.getAttribute('data-ts') ?? ''])))
}

/** Controls without an accessible name (label, aria-label, text or title). */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.$$eval('button, input, select, textarea, canvas, svg[role=img], [role=meter]', (els) =>
    els
      .filter((el) => {
        const e = el as HTMLInputElement
        if (e.type === 'hidden') return false
        const name =
          e.getAttribute('aria-label') ||
          e.getAttribute('aria-labelledby') ||
          (e.labels && e.labels.length > 0) ||
          e.textContent?.trim() ||
          e.getAttribute('title')
        return !name
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  )
}
