// One request of a page answered only after another has finished: the order a busy robot can
// produce (its state after the chart's data), made certain rather than likely by a fixed delay.
import type { Page } from 'playwright-core'
import { waitFor } from '../support/wait-for.ts'

export interface AnswerOrder {
  /** Call before each load: the next held answer waits for that load's own `first`. */
  reset(): void
  /** Held answers whose `first` never finished (they went out after the timeout): a test expects 0. */
  readonly outOfOrder: number
}

/** Holds requests matching the route pattern `held` until a request whose URL contains `first` has finished. */
export async function answerAfter(page: Page, held: string, first: string, timeoutMs = 10_000): Promise<AnswerOrder> {
  let finished = false
  let outOfOrder = 0
  page.on('requestfinished', (r) => {
    if (r.url().includes(first)) finished = true
  })
  // A request the reload abandoned cannot be continued: that is expected, not a failure.
  await page.route(held, async (route) => {
    await waitFor(`${first} answered`, () => finished, timeoutMs).catch(() => outOfOrder++)
    await route.continue().catch(() => {})
  })
  return {
    reset: () => {
      finished = false
    },
    get outOfOrder() {
      return outOfOrder
    },
  }
}
