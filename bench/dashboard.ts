// The dashboard in Chromium on a Raspberry Pi-class CPU: the real edge (a child process, the
// simulated robot at nominal rates) and headless Chromium with the CPU throttled 4x through
// CDP, as the issue measured it. The baseline, in the same run and under the same throttle, is
// an empty page's frame rate: what this machine's renderer gives when the page asks for nothing.
import type { Browser, CDPSession, Page } from 'playwright-core'
import { launchChromium } from '../test/ui/browser.ts'
import { EDGE_PAGES, measurePageLoad, sessionInit, type FirstLoad, type LoginAnswer } from '../test/ui/dashboard-page.ts'
import { startEdgeProcess } from './edge-process.ts'

export const THROTTLE = 4
const ROUNDS = 3
const VIEWPORT = { width: 1366, height: 768 }
export interface FrameWindow {
  seconds: number
  fps: number
  longTasks: number
  /** Sum of each long task's time past 50 ms: what the user waited on. */
  blockedMs: number
  longestTaskMs: number
  scriptMs: number
  layoutMs: number
  styleMs: number
  layouts: number
  /** What the live WebSocket brought in, per second. */
  liveBytesPerS: number
  liveMessagesPerS: number
}

/** Runs in the page: frames and long tasks over `ms`. */
async function countFrames(ms: number) {
  const tasks: { duration: number }[] = []
  const po = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) tasks.push({ duration: e.duration })
  })
  po.observe({ type: 'longtask' })
  let frames = 0
  let running = true
  const loop = () => {
    frames++
    if (running) requestAnimationFrame(loop)
  }
  requestAnimationFrame(loop)
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, ms))
  running = false
  po.disconnect()
  const elapsed = performance.now() - t0
  return { fps: (frames / elapsed) * 1000, durations: tasks.map((t) => t.duration) }
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  return Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]))
}

/** Frames, long tasks and main-thread time of `page` over `seconds`, with the live feed's traffic. */
export async function measureFrames(page: Page, seconds: number): Promise<FrameWindow> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  await cdp.send('Network.enable')
  let bytes = 0
  let messages = 0
  cdp.on('Network.webSocketFrameReceived', (e) => {
    bytes += e.response.payloadData.length
    messages++
  })
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE })
  try {
    // Let the throttled page settle (style caches, the first frames at the new speed).
    await page.waitForTimeout(1500)
    bytes = 0
    messages = 0
    const m0 = await metrics(cdp)
    const w = await page.evaluate(countFrames, seconds * 1000)
    const m1 = await metrics(cdp)
    const d = (k: string) => Math.round((m1[k] - m0[k]) * 1000)
    const long = w.durations
    return {
      seconds,
      fps: Math.round(w.fps * 10) / 10,
      longTasks: long.length,
      blockedMs: Math.round(long.reduce((s, x) => s + Math.max(0, x - 50), 0)),
      longestTaskMs: Math.round(Math.max(0, ...long)),
      scriptMs: d('ScriptDuration'),
      layoutMs: d('LayoutDuration'),
      styleMs: d('RecalcStyleDuration'),
      layouts: Math.round(m1.LayoutCount - m0.LayoutCount),
      liveBytesPerS: Math.round(bytes / seconds),
      liveMessagesPerS: Math.round(messages / seconds),
    }
  } finally {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 }).catch(() => {})
    await cdp.detach().catch(() => {})
  }
}

export interface DashboardBench {
  baseline: FrameWindow
  /** The median round, and every round's frame rate. */
  servos: FrameWindow & { roundsFps: number[] }
  firstLoad: (FirstLoad & { path: string })[]
}

export async function benchDashboard(seconds: number, log: (s: string) => void = () => {}): Promise<DashboardBench> {
  // Ten minutes of history, as on a robot that has been running: what the charts fetch.
  const edge = await startEdgeProcess({ historySeconds: 600 })
  let browser: Browser | null = null
  try {
    browser = await launchChromium()
    const login = (await edge.login()) as LoginAnswer
    const firstLoad: DashboardBench['firstLoad'] = []
    for (const p of EDGE_PAGES) {
      const load = await measurePageLoad(browser, edge.base, p.path, p.ready, login, { viewport: VIEWPORT })
      log(`first load ${p.path}: ${(load.transferredBytes / 1024).toFixed(1)} KB`)
      firstLoad.push({ path: p.path, ...load })
    }

    const context = await browser.newContext({ viewport: VIEWPORT })
    await context.addInitScript(sessionInit(login))
    const blank = await context.newPage()
    await blank.setContent('<!doctype html><title>baseline</title><p>An empty page: the frame rate this machine gives.</p>')
    const page = await context.newPage()
    await page.goto(edge.base + '/servos')
    await page.waitForSelector('[data-connection=open]')
    await page.waitForFunction(() => document.querySelectorAll('[data-servo-id]').length === 16)
    // Alternating rounds, each figure the median: a machine shared with other work stalls a
    // renderer now and then, and one unlucky window must not decide the figure.
    const baselines: FrameWindow[] = []
    const rounds: FrameWindow[] = []
    for (let i = 1; i <= ROUNDS; i++) {
      log(`round ${i}/${ROUNDS}: an empty page, then the Servos page, ${seconds} s each at ${THROTTLE}x CPU throttle...`)
      baselines.push(await measureFrames(blank, seconds))
      rounds.push(await measureFrames(page, seconds))
    }
    await context.close()
    const median = (w: FrameWindow[]) => [...w].sort((a, b) => a.fps - b.fps)[Math.floor(w.length / 2)]
    const baseline = median(baselines)
    const servos = { ...median(rounds), roundsFps: rounds.map((r) => r.fps) }
    return { baseline, servos, firstLoad }
  } finally {
    await browser?.close().catch(() => {})
    await edge.stop()
  }
}
