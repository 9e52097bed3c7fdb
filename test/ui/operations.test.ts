// The edge's records in a real browser: an overheating servo raises an alert (toast and list),
// an operator acknowledges and resolves it while a viewer only reads; a report is generated,
// read and downloaded as PDF; a log note is added and found; an admin edits a threshold and it
// sticks; an operator starts a job that runs an action group. Screenshots to test-artifacts/ui/.
import { describe, expect, test } from 'bun:test'
import { waitFor, type EdgeHarness } from '../support/edge-harness.ts'
import { browserSuite, TEST_MS } from './browser-suite.ts'
import { enterEdge, goTo, startUiEdge, stopUiEdge, unlabelledControls } from './dashboard-page.ts'

let h: EdgeHarness
const { ready, as, shot } = browserSuite({
  base: () => h.base,
  enter: enterEdge,
  start: async () => {
    h = await startUiEdge()
  },
  stop: () => stopUiEdge(h),
})

async function adminApi<T>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> {
  const r = await h.api(path, { ...init, token: await h.tokenFor('admin') })
  expect(r.ok).toBe(true)
  return r.json() as Promise<T>
}

interface Alert {
  id: number
  type: string
  source: string
  acknowledged: boolean
  acknowledged_by: string | null
  resolved: boolean
}

describe('alerts', () => {
  let alertId = 0

  test(
    'an overheating servo: a toast for the new alert, and the alert listed with its severity',
    async () => {
      ready()
      const { page, errors } = await as('operator')
      await goTo(page, 'Alerts')
      await page.waitForSelector('[data-card=alerts-list] [data-state=empty]')
      await adminApi('/api/v1/sim/fault', { method: 'POST', json: { kind: 'overheat', servo_id: 3 } })
      const toast = await page.waitForSelector('.toast:has-text("Alert:")', { timeout: 15_000 })
      expect(await toast.textContent()).toMatch(/Alert:/)
      const row = await page.waitForSelector('tr[data-alert][data-state=open]')
      alertId = Number(await row.getAttribute('data-alert'))
      const alerts = await adminApi<Alert[]>('/api/v1/alerts?resolved=false')
      expect(alerts.find((a) => a.id === alertId)?.source).toBe('3')
      expect(await page.textContent(`tr[data-alert="${alertId}"] [data-severity]`)).toMatch(/warning|critical/)
      await shot(page, 'alerts')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'a viewer sees the alert but no acknowledge or resolve buttons',
    async () => {
      ready()
      const { page, errors } = await as('viewer')
      await goTo(page, 'Alerts')
      await page.waitForSelector(`tr[data-alert="${alertId}"]`)
      expect(await page.$$('[data-action=alert-ack], [data-action=alert-resolve]')).toHaveLength(0)
      expect(await page.textContent('[data-card=alerts-list]')).toContain('Operators acknowledge')
      await shot(page, 'alerts-viewer')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'an operator acknowledges, then resolves it',
    async () => {
      ready()
      const { page, errors } = await as('operator')
      await goTo(page, 'Alerts')
      const row = `tr[data-alert="${alertId}"]`
      await page.click(`${row} [data-action=alert-ack]`)
      await page.waitForSelector(`${row}[data-state=acknowledged]`)
      expect(await page.textContent(row)).toContain('by operator-user')
      await shot(page, 'alerts-acknowledged')
      // The condition is cleared first: a resolved alert whose condition persists opens anew.
      await adminApi('/api/v1/sim/fault', { method: 'DELETE' })
      // (A rule that resolves itself may beat the click; either way the alert ends resolved.)
      const resolve = await page.$(`${row} [data-action=alert-resolve]`)
      if (resolve) await resolve.click().catch(() => {})
      await page.waitForSelector(row, { state: 'detached' })
      const a = await waitFor('resolved', async () => (await adminApi<Alert[]>('/api/v1/alerts?limit=100')).find((x) => x.id === alertId && x.resolved))
      expect(a.acknowledged_by).toBe('operator-user')
      await page.selectOption('select[name=state]', 'all')
      await page.waitForSelector(`${row}[data-state=resolved]`)
      expect(new URL(page.url()).search).toBe('?state=all')
      await shot(page, 'alerts-resolved')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test('one truth from the live feed: the overview shows the alert with its toast, an escalation toasts, the list follows, nothing polls', async () => {
    ready()
    const { page, errors } = await as('viewer')
    await page.waitForSelector('[data-card=alerts] [data-open-alerts="0"]')
    const asked: string[] = []
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/alerts') asked.push(r.url())
    })
    await adminApi('/api/v1/sim/fault', { method: 'POST', json: { kind: 'overheat', servo_id: 4 } })
    try {
      // The servo named as everywhere else on the dashboard, not by its configuration key.
      await page.waitForSelector('.toast:has-text("Alert: Servo 4 (Left hip pitch) temperature")', { timeout: 15_000 })
      // The card beside the toast says so at once, not at its next poll.
      await page.waitForSelector('[data-card=alerts] [data-open-alerts="1"]', { timeout: 1500 })
      // Warning, then critical as it keeps heating: the escalation is told too.
      await page.waitForSelector('.toast:has-text("Alert now critical: Servo 4")', { timeout: 15_000 })
      await page.waitForSelector('[data-card=alerts] li[data-severity=critical]', { timeout: 1500 })
      await shot(page, 'overview-alert-escalated', false)
      await goTo(page, 'Alerts')
      await page.waitForSelector('tr[data-alert][data-severity-now=critical][data-state=open]')
    } finally {
      await adminApi('/api/v1/sim/fault', { method: 'DELETE' })
    }
    // It cools and resolves itself: the open list drops it without being asked.
    const listed = asked.length
    await page.waitForSelector('[data-card=alerts-list] [data-state=empty]', { timeout: 20_000 })
    expect(asked.length).toBe(listed)
    // The only alert requests were the two pages' own first loads.
    expect(asked.length).toBe(1)
    expect(errors).toEqual([])
  }, 60_000)
})

describe('reports', () => {
  test('generate a report (with a progress state), read its figures, download the PDF', async () => {
    ready()
    const { page, errors } = await as('operator')
    await goTo(page, 'Reports')
    await page.waitForSelector('[data-card=reports]')
    // Held back until the progress state has been seen, so it is not raced.
    let release = () => {}
    const seen = new Promise<void>((r) => (release = r))
    await page.route('**/api/v1/reports/generate', async (route) => {
      await seen
      await route.continue()
    })
    await page.selectOption('select[name=report_type]', 'performance')
    await page.selectOption('select[name=time_range]', '1h')
    await page.click('[data-action=report-generate]')
    await page.waitForSelector('[data-state=generating]')
    expect(await page.textContent('[data-action=report-generate]')).toContain('Generating')
    release()
    await page.waitForSelector('[data-card=report] [data-figures] table', { timeout: 25_000 })
    await page.waitForSelector('[data-state=generating]', { state: 'detached' })
    const id = Number(await page.getAttribute('[data-card=report]', 'data-report'))
    expect(id).toBeGreaterThan(0)
    expect(await page.$$('[data-card=report] [data-figures=servos] tbody tr')).not.toHaveLength(0)
    // The same words as the PDF: labels with units, servos by name, never a field's raw name.
    const shown = (await page.textContent('[data-card=report]'))!
    for (const label of [
      'Temperature min / mean / max (°C)',
      'Hours to 75 °C',
      'Samples',
      '3 Left knee pitch',
      'CPU temperature (°C)',
      'Battery charge (%)',
      'Window (h)',
    ])
      expect(shown).toContain(label)
    expect(shown.match(/\b[a-z]+_[a-z0-9_]+\b/g)).toBeNull()
    expect(shown).not.toMatch(/Window H|Cpu Temp|Time To Limit|\d{4}-\d\d-\d\dT\d\d:/)
    // No model key in tests: the report says why there is no narrative.
    const narrative = await page.textContent('[data-card=report] .narrative')
    expect(narrative!.length).toBeGreaterThan(20)
    await page.waitForSelector(`tr[data-report-row="${id}"]`)

    const href = await page.getAttribute('[data-action=report-pdf]', 'href')
    expect(href).toBe(`/api/v1/reports/${id}/pdf`)
    const pdf = await h.api(href!, { token: await h.tokenFor('operator') })
    expect(pdf.status).toBe(200)
    expect(new TextDecoder().decode((await pdf.arrayBuffer()).slice(0, 5))).toBe('%PDF-')
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 25_000 }), page.click('[data-action=report-pdf]')])
    expect(download.suggestedFilename()).toBe(`tonypi-report-${id}.pdf`)
    const file = await download.path()
    expect((await Bun.file(file!).text()).startsWith('%PDF-')).toBe(true)
    await shot(page, 'reports')
    expect(await unlabelledControls(page)).toEqual([])
    expect(errors).toEqual([])
  }, 60_000)
})

describe('logs and jobs', () => {
  test(
    'an operator adds a note and finds it by search; export links carry the filter',
    async () => {
      ready()
      const { page, errors } = await as('operator')
      await goTo(page, 'Logs')
      await page.waitForSelector('[data-card=logs] [data-total]')
      const note = `gripper recalibrated at bench ${Date.now().toString(36)}`
      await page.fill('input[name=note]', note)
      await page.click('[data-action=log-note]')
      await page.waitForSelector(`[data-card=logs] td:has-text("${note}")`)
      await page.fill('input[name=q]', note.split(' ').pop()!)
      await page.click('button:text-is("Search")')
      await page.waitForSelector('[data-card=logs] [data-total="1"]')
      expect(await page.textContent('[data-card=logs] tbody')).toContain(note)
      const csv = await page.getAttribute('[data-export=csv]', 'href')
      expect(csv).toContain('/api/v1/logs/export/csv?q=')
      const body = await (await h.api(csv!, { token: await h.tokenFor('operator') })).text()
      expect(body).toContain(note)
      expect(await page.getAttribute('[data-export=json]', 'href')).toContain('/api/v1/logs/export/json?q=')
      await shot(page, 'logs')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'an operator starts a job that runs an action group; the list and the statistics show it',
    async () => {
      ready()
      const { page, errors } = await as('operator')
      await goTo(page, 'Jobs')
      await page.waitForSelector('[data-card=job-stats]')
      // (Preact sets an option's value as a property: found by its text.)
      await page.waitForSelector('select[name=job-action] option:text-is("stand")', { state: 'attached' })
      await page.fill('input[name=task_name]', 'Stand up for inspection')
      await page.selectOption('select[name=job-action]', 'stand')
      await page.click('[data-action=job-create]')
      await page.waitForSelector('[data-card=jobs] tr[data-job]:has-text("Stand up for inspection")')
      await page.waitForSelector('[data-card=jobs] tr[data-job][data-status=completed]:has-text("Stand up for inspection")', { timeout: 15_000 })
      await page.waitForSelector('[data-card=job-stats] [data-stat=total] .reading-value:text-is("1")')
      await shot(page, 'jobs')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )
})

describe('settings', () => {
  test(
    'an admin edits an alert threshold and it sticks; an inconsistent one is refused with the reason',
    async () => {
      ready()
      const rules = await adminApi<{ metric: string; direction: string; warning: number | null; critical: number | null }[]>('/api/v1/alerts/rules')
      const rule = rules.find((r) => r.direction === 'high' && r.warning !== null && r.critical !== null && r.metric !== 'servo_temperature')!
      expect(rule).toBeDefined()
      // Further from critical: the rule's hysteresis must fit between the two levels.
      const next = rule.warning! - 1
      const { page, errors } = await as('admin')
      await goTo(page, 'Settings')
      const row = `[data-card=thresholds] tr[data-rule="${rule.metric}"]`
      await page.waitForSelector(row)
      await page.fill(`${row} input[name="${rule.metric}-warning"]`, String(rule.critical! + 10))
      await page.click(`${row} [data-action=rule-save]`)
      await page.waitForSelector(`${row} [role=alert]`)
      await page.fill(`${row} input[name="${rule.metric}-warning"]`, String(next))
      await page.click(`${row} [data-action=rule-save]`)
      await page.waitForSelector(`${row} [role=alert]`, { state: 'detached' })
      await waitFor('rule saved', async () => (await adminApi<typeof rules>('/api/v1/alerts/rules')).find((r) => r.metric === rule.metric)?.warning === next)
      await page.reload()
      await page.waitForSelector(row)
      expect(await page.inputValue(`${row} input[name="${rule.metric}-warning"]`)).toBe(String(next))
      await shot(page, 'settings-thresholds')
      expect(await unlabelledControls(page)).toEqual([])
      // The refused save is a 400 in the console; nothing else may be.
      expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([])

      const viewer = await as('viewer')
      await goTo(viewer.page, 'Settings')
      await viewer.page.waitForSelector(row)
      expect(await viewer.page.$$('[data-card=thresholds] input, [data-action=rule-save]')).toHaveLength(0)
    },
    TEST_MS,
  )
})

describe('on a phone', () => {
  /** Runs in the page: what a phone user would find wrong with the record tables of this page. */
  function tableProblems(actions: string) {
    const problems: string[] = []
    const vw = innerWidth
    if (document.documentElement.scrollWidth > vw) problems.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${vw} px screen`)
    for (const tr of document.querySelectorAll('table.table-cards tbody tr')) {
      if (getComputedStyle(tr).display !== 'block') problems.push(`a row is not a card: ${tr.textContent?.slice(0, 40)}`)
    }
    for (const el of document.querySelectorAll<HTMLElement>(actions)) {
      const r = el.getBoundingClientRect()
      const wrap = el.closest('.table-wrap')?.getBoundingClientRect()
      const name = `${el.tagName.toLowerCase()} "${el.textContent?.trim() || el.getAttribute('aria-label')}"`
      if (r.width === 0 || r.height === 0) problems.push(`${name} is not shown`)
      else if (r.left < 0 || r.right > vw) problems.push(`${name} is off-screen (${Math.round(r.left)}..${Math.round(r.right)})`)
      else if (wrap && (r.left < wrap.left - 1 || r.right > wrap.right + 1))
        problems.push(`${name} is cut by its table (${Math.round(r.right)} > ${Math.round(wrap.right)})`)
    }
    // A word broken across two lines has two boxes (after its hyphen is where a word may break).
    for (const cell of document.querySelectorAll('.log-message')) {
      const text = cell.firstChild
      if (!text || text.nodeType !== Node.TEXT_NODE) continue
      const s = text.textContent ?? ''
      for (const m of s.matchAll(/[^\s-]+-?/g)) {
        const range = document.createRange()
        range.setStart(text, m.index!)
        range.setEnd(text, m.index! + m[0].length)
        if (range.getClientRects().length > 1) problems.push(`"${m[0]}" is broken across lines`)
      }
    }
    return problems
  }

  test('390 x 844: every record table is a card per row, its actions in view; an open report fits; log words whole', async () => {
    ready()
    // One of each record, whatever ran before.
    await adminApi('/api/v1/logs', {
      method: 'POST',
      json: { message: 'Replaced the left ankle servo after recalibration; the gripper assembly responds normally again', level: 'info' },
    })
    await adminApi('/api/v1/jobs', { method: 'POST', json: { task_name: 'Inspect the shelves of aisle four for misplaced boxes' } })
    await adminApi('/api/v1/reports/generate', { method: 'POST', json: { report_type: 'performance', time_range: '1h' } })
    await adminApi('/api/v1/sim/fault', { method: 'POST', json: { kind: 'overheat', servo_id: 6 } })
    try {
      await waitFor('an open alert', async () => (await adminApi<Alert[]>('/api/v1/alerts?resolved=false')).length > 0, 15_000)
      const { page, errors } = await as('admin', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 })
      const found: Record<string, string[]> = {}
      const visit = async (title: string, ready: string, actions: string) => {
        await goTo(page, title)
        await page.waitForSelector(ready)
        const p = await page.evaluate(tableProblems, actions)
        if (p.length) found[title] = p
        await shot(page, `phone-cards-${title.toLowerCase()}`, false)
      }
      await visit('Alerts', 'tr[data-alert]', '[data-action=alert-ack], [data-action=alert-resolve]')
      await visit('Jobs', 'tr[data-job]', 'tr[data-job] td')
      await visit('Logs', 'tr[data-log]', '[data-action=logs-older], [data-export]')
      await visit('Users', 'tr[data-user]', 'tr[data-user] button, tr[data-user] select')
      await visit(
        'Settings',
        '[data-card=thresholds] tr[data-rule]',
        '[data-card=thresholds] [data-action=rule-save], [data-card=thresholds] input[type=checkbox]',
      )
      await visit('Reports', 'tr[data-report-row]', '[data-action=report-open]')
      await page.click('[data-action=report-open]')
      await page.waitForSelector('[data-card=report] [data-figures=servos] tbody tr')
      const opened = await page.evaluate(tableProblems, '[data-action=report-pdf], [data-card=report] td')
      if (opened.length) found['an open report'] = opened
      await shot(page, 'phone-cards-report-open', false)
      expect(found).toEqual({})
      expect(errors).toEqual([])
    } finally {
      await adminApi('/api/v1/sim/fault', { method: 'DELETE' })
    }
  }, 60_000)
})

describe("the earlier system's conveniences", () => {
  test(
    "an admin writes the robot's name and location on its overview, and deactivates then reactivates a user",
    async () => {
      ready()
      await adminApi('/api/v1/users', { method: 'POST', json: { username: 'temp-user', password: 'temp-user-password', role: 'viewer' } })
      const { page, errors } = await as('admin')
      await page.waitForSelector('[data-card=robot-details] [data-state=empty]')
      await page.click('[data-action=robot-details-edit]')
      await page.fill('input[name=robot-name]', 'Tony of bench 2')
      await page.fill('input[name=robot-location]', 'Lab 2, bench 2')
      // Live frames keep re-rendering the overview while the admin types: what was typed must survive them.
      await page.evaluate(() => {
        const w = window as unknown as { liveChanges: number }
        w.liveChanges = 0
        new MutationObserver(() => w.liveChanges++).observe(document.querySelector('[data-card=pi]')!, {
          subtree: true,
          childList: true,
          attributes: true,
          characterData: true,
        })
      })
      await page.waitForFunction(() => (window as unknown as { liveChanges: number }).liveChanges >= 3)
      expect(await page.inputValue('input[name=robot-name]')).toBe('Tony of bench 2')
      await page.click('[data-action=robot-details-save]')
      await page.waitForSelector('[data-card=robot-details] [data-detail=name]:has-text("Tony of bench 2")')
      expect(await adminApi('/api/v1/robots/testbot')).toMatchObject({ name: 'Tony of bench 2', location: 'Lab 2, bench 2', notes: null })

      await goTo(page, 'Users')
      await page.click('tr[data-user=temp-user] [data-action=user-deactivate]')
      await page.waitForSelector('tr[data-user=temp-user][data-active=false]')
      expect((await h.api('/api/v1/auth/login', { method: 'POST', json: { username: 'temp-user', password: 'temp-user-password' } })).status).toBe(403)
      await page.click('tr[data-user=temp-user] [data-action=user-reactivate]')
      await page.waitForSelector('tr[data-user=temp-user][data-active=true]')
      expect((await h.api('/api/v1/auth/login', { method: 'POST', json: { username: 'temp-user', password: 'temp-user-password' } })).status).toBe(200)
      expect(await page.isDisabled('tr[data-user=admin] [data-action=user-deactivate]')).toBe(true)
      await shot(page, 'users-deactivate')
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'an operator raises an alert, sees it counted, and acknowledges all; logs show counts by level',
    async () => {
      ready()
      const { page, errors } = await as('operator')
      await goTo(page, 'Alerts')
      await page.waitForSelector('[data-card=alert-stats] [data-alert-stats]')
      await page.click('[data-card=alert-stats] summary')
      await page.selectOption('select[name=alert-severity]', 'critical')
      await page.fill('input[name=alert-title]', 'Smoke near the left knee')
      await page.click('[data-action=alert-raise]')
      await page.waitForSelector('tr[data-alert][data-type=manual]:has-text("Smoke near the left knee")')
      await page.waitForSelector('[data-card=alert-stats] [data-stat=unacknowledged] .reading-value:text-is("1")')
      await page.click('[data-action=alert-ack-all]')
      await page.waitForSelector('tr[data-alert][data-type=manual][data-state=acknowledged]')
      await page.waitForSelector('[data-card=alert-stats] [data-stat=unacknowledged] .reading-value:text-is("0")')
      await shot(page, 'alerts-manual')
      await goTo(page, 'Logs')
      await page.waitForSelector('[data-card=logs] [data-log-stats]')
      expect(await page.textContent('[data-card=logs] [data-log-stats]')).toMatch(/By level: .*\d+ info/)
      expect(errors).toEqual([])
    },
    TEST_MS,
  )

  test(
    'reports: the list exports as CSV and JSON; an admin deletes one after confirming, a viewer cannot',
    async () => {
      ready()
      const made = await adminApi<{ id: number }>('/api/v1/reports/generate', { method: 'POST', json: { report_type: 'job', time_range: '1h' } })
      const viewer = await as('viewer')
      await goTo(viewer.page, 'Reports')
      await viewer.page.waitForSelector(`tr[data-report-row="${made.id}"]`)
      expect(await viewer.page.$$('[data-action=report-delete]')).toHaveLength(0)
      expect(await viewer.page.getAttribute('[data-export=reports-csv]', 'href')).toBe('/api/v1/reports/export/csv')
      expect(await viewer.page.getAttribute('[data-export=reports-json]', 'href')).toBe('/api/v1/reports/export/json')
      const { page, errors } = await as('admin')
      await goTo(page, 'Reports')
      await page.click(`tr[data-report-row="${made.id}"] [data-action=report-delete]`)
      await page.click(`tr[data-report-row="${made.id}"] [data-action=report-delete-confirm]`)
      await page.waitForSelector(`tr[data-report-row="${made.id}"]`, { state: 'detached' })
      expect((await h.api(`/api/v1/reports/${made.id}`, { token: await h.tokenFor('admin') })).status).toBe(404)
      expect(errors).toEqual([])
      expect(viewer.errors).toEqual([])
    },
    TEST_MS,
  )
})
