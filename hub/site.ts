// The fleet dashboard at the hub's `/`: the same Preact + htm UI the edge serves, told it is
// on the hub (fleet mode) and, when TONYPI_HUB_GRAFANA_URL is set, which Grafana panels it may
// embed. The config travels in index.html, so the first render needs no extra request.
import { createLogger, type Logger } from '../core/log.ts'
import type { GrafanaConfig, GrafanaDashboardRef, UiConfig } from '../ui/lib/ui-config.ts'
import { dashboardResponder } from '../ui/server/dashboard-site.ts'
import type { HubConfig } from './config.ts'
import { FLEET_OVERVIEW, ROBOT_DETAIL, SERVO_HEALTH } from './grafana/dashboards.ts'
import type { Dashboard } from './grafana/panels.ts'
import type { StaticSite } from './server.ts'

/** Panels the dashboard embeds, by title: a few time series per page, not whole dashboards. */
export const EMBEDDED_PANELS = {
  fleet: { dashboard: FLEET_OVERVIEW, titles: ['Battery', 'Pi CPU temperature', 'Pi CPU usage'] },
  robot: { dashboard: ROBOT_DETAIL, titles: ['Battery level', 'Servo temperatures', 'Pi CPU, memory and disk', 'Network throughput'] },
  servos: { dashboard: SERVO_HEALTH, titles: ['Servo temperature', 'Servo voltage'] },
} as const

/** Grafana's own slug for a title (`TonyPi robot detail` -> `tonypi-robot-detail`). */
export function grafanaSlug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
}

function dashboardRef(d: Dashboard, titles: readonly string[]): GrafanaDashboardRef {
  const panels = titles.flatMap((t) => {
    const p = d.panels.find((x) => x.title === t)
    return p ? [{ id: p.id, title: p.title }] : []
  })
  return { uid: d.uid, slug: grafanaSlug(d.title), title: d.title, panels }
}

export function grafanaConfig(url: string): GrafanaConfig {
  return {
    url: url.replace(/\/+$/, ''),
    fleet: dashboardRef(EMBEDDED_PANELS.fleet.dashboard, EMBEDDED_PANELS.fleet.titles),
    robot: dashboardRef(EMBEDDED_PANELS.robot.dashboard, EMBEDDED_PANELS.robot.titles),
    servos: dashboardRef(EMBEDDED_PANELS.servos.dashboard, EMBEDDED_PANELS.servos.titles),
  }
}

export function fleetUiConfig(grafanaUrl: string | undefined): UiConfig {
  return { mode: 'fleet', grafana: grafanaUrl ? grafanaConfig(grafanaUrl) : null }
}

export function hubSite(cfg: Pick<HubConfig, 'grafanaUrl'>, log: Logger = createLogger({ component: 'dashboard' })): StaticSite {
  const site = dashboardResponder(undefined, {
    config: fleetUiConfig(cfg.grafanaUrl),
    // The page frames Grafana's panels; everything else stays same-origin.
    frameOrigins: cfg.grafanaUrl ? [new URL(cfg.grafanaUrl).origin] : [],
  })
  site.ready.then(
    (b) => log.debug('fleet dashboard built', { files: b.files.size, grafana: cfg.grafanaUrl ?? null }),
    (err) => log.error('the dashboard did not build; / answers 503 until it does', { error: err as Error }),
  )
  return site
}
