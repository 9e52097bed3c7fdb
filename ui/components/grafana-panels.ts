// Grafana's panels embedded in a card (hub only, when TONYPI_HUB_GRAFANA_URL is set): long
// time ranges and fleet-wide comparisons the live pages do not draw. Each panel is Grafana's
// own `/d-solo/` page in a frame, in this page's theme, scoped to the robot when there is one.
import { html } from '../lib/html.ts'
import { uiConfig } from '../lib/mode.ts'
import { useObservable } from '../lib/observable.ts'
import { theme } from '../lib/theme.ts'
import type { GrafanaDashboardRef } from '../lib/ui-config.ts'
import { Card } from './card.ts'

export type GrafanaDashboardKey = 'fleet' | 'robot' | 'servos'

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v)
  return q.toString()
}

export function grafanaPanelUrl(base: string, d: GrafanaDashboardRef, panelId: number, opts: { robotId?: string; theme: string; from: string }): string {
  return `${base}/d-solo/${encodeURIComponent(d.uid)}/${d.slug}?${query({
    orgId: '1',
    panelId: String(panelId),
    from: opts.from,
    to: 'now',
    theme: opts.theme,
    refresh: '1m',
    'var-robot': opts.robotId,
  })}`
}

export function grafanaDashboardUrl(base: string, d: GrafanaDashboardRef, robotId?: string): string {
  return `${base}/d/${encodeURIComponent(d.uid)}/${d.slug}?${query({ orgId: '1', 'var-robot': robotId })}`
}

/** Nothing at all without a Grafana URL: the page stands on its own. */
export function GrafanaPanels(props: { dashboard: GrafanaDashboardKey; robotId?: string; title?: string; from?: string }) {
  const t = useObservable(theme)
  const g = uiConfig.grafana
  const d = g?.[props.dashboard]
  if (!g || !d?.panels.length) return null
  const from = props.from ?? 'now-6h'
  return html`<${Card} title=${props.title ?? d.title} class="card-grafana" data-card=${`grafana-${props.dashboard}`}
      actions=${html`<a href=${grafanaDashboardUrl(g.url, d, props.robotId)} target="_blank" rel="noopener noreferrer">Open in Grafana</a>`}>
    <div class="grafana-grid">
      ${d.panels.map(
        (p) => html`<iframe key=${`${p.id}-${t}`} class="grafana-panel" title=${`Grafana: ${p.title}`} loading="lazy"
        referrerpolicy="no-referrer" data-grafana-panel=${p.id} src=${grafanaPanelUrl(g.url, d, p.id, { robotId: props.robotId, theme: t, from })}></iframe>`,
      )}
    </div>
    <p class="muted small">From Grafana at ${new URL(g.url).host}; if the panels stay blank, Grafana needs <code>allow_embedding</code> and a login in this browser.</p>
  <//>`
}
