// Every page of the edge's dashboard through axe-core (from npm): no violation of serious or
// critical impact, in the light and the dark theme, on a laptop (1366 x 768) and a phone
// (390 x 844), with records on the pages (an open alert, a job, a report) and the login form.
import { describe, expect, test } from 'bun:test'
import { ADMIN_PASSWORD, waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { axeViolations, type AxeViolation } from './axe.ts'
import { browserSuite } from './browser-suite.ts'
import { EDGE_PAGES, enterEdge, sessionInit, startUiEdge, stopUiEdge, type LoginAnswer } from './dashboard-page.ts'

let h: EdgeHarness
const { ready, browser } = browserSuite({
  base: () => h.base,
  enter: enterEdge,
  start: async () => {
    h = await startUiEdge()
    const token = await h.tokenFor('admin')
    await h.api('/api/v1/jobs', { token, method: 'POST', json: { task_name: 'Carry the tray to bench 2' } })
    await h.api('/api/v1/reports/generate', { token, method: 'POST', json: { report_type: 'maintenance', time_range: '1h' } })
    // An open alert, so its pills, toasts and rows are on the pages too.
    await h.api('/api/v1/sim/fault', { token, method: 'POST', json: { kind: 'overheat', servo_id: 2 } })
    await waitFor('an open alert', async () => (await (await h.api('/api/v1/alerts?resolved=false', { token })).json()).length > 0, 15_000)
  },
  stop: () => stopUiEdge(h),
})

const PAGES = [...EDGE_PAGES, { path: '/account', ready: 'input[name=current_password]' }]
const SIZES = { laptop: { width: 1366, height: 768 }, phone: { width: 390, height: 844 } } as const

async function audit(size: keyof typeof SIZES): Promise<Record<string, AxeViolation[]>> {
  const login = (await (await h.api('/api/v1/auth/login', { method: 'POST', json: { username: 'admin', password: ADMIN_PASSWORD } })).json()) as LoginAnswer
  const found: Record<string, AxeViolation[]> = {}
  for (const theme of ['light', 'dark'] as const) {
    const context = await browser().newContext({ viewport: SIZES[size], colorScheme: theme, isMobile: size === 'phone', hasTouch: size === 'phone' })
    try {
      const page = await context.newPage()
      await page.goto(h.base + '/')
      await page.waitForSelector('input[name=username]')
      const atLogin = await axeViolations(page)
      if (atLogin.length) found[`${theme} /login`] = atLogin
      await context.addInitScript(sessionInit(login))
      for (const p of PAGES) {
        await page.goto(h.base + p.path)
        await page.waitForSelector(p.ready)
        const v = await axeViolations(page)
        if (v.length) found[`${theme} ${p.path}`] = v
      }
    } finally {
      await context.close()
    }
  }
  return found
}

describe('accessibility (axe-core)', () => {
  for (const size of Object.keys(SIZES) as (keyof typeof SIZES)[]) {
    test(`every page, both themes, ${size} (${SIZES[size].width} x ${SIZES[size].height}): no serious or critical violation`, async () => {
      ready()
      expect(await audit(size)).toEqual({})
    }, 120_000)
  }

  test('the live states too: the e-stop banner and a toast', async () => {
    ready()
    const login = (await (await h.api('/api/v1/auth/login', { method: 'POST', json: { username: 'admin', password: ADMIN_PASSWORD } })).json()) as LoginAnswer
    const context = await browser().newContext({ viewport: SIZES.laptop })
    try {
      await context.addInitScript(sessionInit(login))
      const page = await context.newPage()
      await page.goto(h.base + '/servos')
      await page.waitForSelector('[data-connection=open]')
      await page.click('.topbar [data-action=estop]')
      await page.waitForSelector('[data-state=estopped]')
      await page.waitForSelector('.toast')
      const stopped = await axeViolations(page)
      await page.click('[data-action=resume]')
      await page.waitForSelector('[data-state=estopped]', { state: 'detached' })
      expect(stopped).toEqual([])
    } finally {
      await context.close()
    }
  }, 60_000)
})
