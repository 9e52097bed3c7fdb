// What every browser test file needs around its tests: one Chromium, the pages the current
// test has open, the setup's failure, screenshots and budgets in test-artifacts/ui/.
import { afterAll, beforeAll } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContextOptions, Page } from 'playwright-core'
import { launchChromium } from './browser.ts'
import { openDashboard, type DashboardPage, type UiRole } from './dashboard-page.ts'

export const ARTIFACTS = join(import.meta.dir, '..', '..', 'test-artifacts', 'ui')
/** Per test: a browser test must not be killed (with its browser) by the runner's 5 s default. */
export const TEST_MS = 30_000

export interface SuiteOptions {
  /** Read at each open, since a test may restart the server (on the same port). */
  base(): string
  /** Logs in as `role` on a page at the login form and waits for the first page. */
  enter(page: Page, role: UiRole): Promise<void>
  /** Runs once the browser is up, so a missing browser fails before a server is started. */
  start(): Promise<void>
  stop(): Promise<void>
  shotPrefix?: string
  startMs?: number
  stopMs?: number
}

/** Call at a test file's top level: it registers the file's beforeAll and afterAll. */
export function browserSuite(o: SuiteOptions) {
  let browser: Browser | null = null
  let setupError: Error | null = null
  const open: DashboardPage[] = []

  beforeAll(async () => {
    try {
      mkdirSync(ARTIFACTS, { recursive: true })
      await browserUp()
      await o.start()
    } catch (err) {
      setupError = err as Error
    }
  }, o.startMs ?? 30_000)

  afterAll(async () => {
    await closeAll()
    await browser?.close().catch(() => {})
    await o.stop()
  }, o.stopMs ?? 20_000)

  function ready() {
    // A missing browser or a broken server fails every test with its reason; nothing passes silently.
    if (setupError) throw setupError
  }

  /** The runner kills a timed-out test's child processes, browser included: one slow test
   * must not fail the rest, so a lost browser is started again. */
  async function browserUp(): Promise<Browser> {
    if (!browser?.isConnected()) browser = await launchChromium()
    return browser
  }

  async function closeAll() {
    for (const d of open.splice(0)) await d.close().catch(() => {})
  }

  /** The login page in a fresh context; the previous test's pages are closed first, since
   * every open page renders live data and a pile of them would starve the two CPUs. */
  async function fresh(contextOpts: BrowserContextOptions = {}): Promise<DashboardPage> {
    await closeAll()
    const d = await openDashboard(await browserUp(), o.base(), contextOpts)
    open.push(d)
    return d
  }

  async function as(role: UiRole, contextOpts: BrowserContextOptions = {}): Promise<DashboardPage> {
    const d = await fresh(contextOpts)
    await o.enter(d.page, role)
    return d
  }

  async function shot(page: Page, name: string, fullPage = true) {
    await page.screenshot({ path: join(ARTIFACTS, `${o.shotPrefix ?? ''}${name}.png`), fullPage })
  }

  /** The suite's browser, for a test that opens its own contexts (closed by that test). */
  function current(): Browser {
    if (!browser) throw new Error('the browser is not up')
    return browser
  }

  return { ready, fresh, as, shot, browser: current }
}

export function writeBudgets(file: string, label: string, budgets: Record<string, unknown>) {
  if (!Object.keys(budgets).length) return
  writeFileSync(join(ARTIFACTS, file), JSON.stringify(budgets, null, 2) + '\n')
  console.log(label, JSON.stringify(budgets, null, 2))
}
