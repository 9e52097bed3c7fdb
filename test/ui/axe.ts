// axe-core (from npm) run in the page: the accessibility violations a page has, by rule. Its
// source is evaluated through the DevTools protocol rather than added as a script tag, which
// the dashboard's Content-Security-Policy rightly refuses.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export interface AxeViolation {
  rule: string
  impact: string
  help: string
  /** Selectors of the elements at fault, the first few. */
  nodes: string[]
}

/** The violations of `impacts` (serious and critical by default) on the page as it is now. */
export async function axeViolations(page: Page, impacts: readonly string[] = ['serious', 'critical']): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE)
  const found = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }>
        }
      }
    ).axe
    const r = await axe.run(document, { resultTypes: ['violations'] })
    return r.violations.map((v) => ({ rule: v.id, impact: v.impact ?? 'unknown', help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }))
  })
  return found.filter((v) => impacts.includes(v.impact))
}
