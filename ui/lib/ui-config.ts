// Which server this page talks to. The edge serves index.html as it is (one robot); the hub
// injects `<meta name="tonypi-config" content="{...}">` saying "fleet" and, when Grafana is
// configured, where its panels are. Read once at start: the server does not change under a page.

export const UI_CONFIG_META = 'tonypi-config'

export interface GrafanaPanelRef {
  id: number
  title: string
}

export interface GrafanaDashboardRef {
  uid: string
  slug: string
  title: string
  /** The panels worth embedding on the dashboard's pages (not every panel of the dashboard). */
  panels: GrafanaPanelRef[]
}

export interface GrafanaConfig {
  /** Grafana's base URL, without a trailing slash (it may have a sub-path). */
  url: string
  fleet?: GrafanaDashboardRef
  /** Has a `robot` template variable. */
  robot?: GrafanaDashboardRef
  /** Has a `robot` template variable. */
  servos?: GrafanaDashboardRef
}

export interface UiConfig {
  mode: 'robot' | 'fleet'
  grafana?: GrafanaConfig | null
}

const ROBOT_MODE: UiConfig = { mode: 'robot' }

export function parseUiConfig(text: string | null | undefined): UiConfig {
  if (!text) return ROBOT_MODE
  try {
    const c = JSON.parse(text) as Partial<UiConfig>
    if (c.mode !== 'fleet') return ROBOT_MODE
    const g = c.grafana
    const grafana = g && typeof g.url === 'string' && /^https?:\/\//.test(g.url) ? g : null
    return { mode: 'fleet', grafana }
  } catch {
    return ROBOT_MODE
  }
}

/** Reads the page's config; without a document (unit tests) or a meta tag: one robot. */
export function readUiConfig(): UiConfig {
  if (typeof document === 'undefined') return ROBOT_MODE
  return parseUiConfig(document.querySelector(`meta[name="${UI_CONFIG_META}"]`)?.getAttribute('content'))
}

/** The `<meta>` tag a server puts into index.html, attribute-escaped. */
export function uiConfigMeta(config: UiConfig): string {
  const json = JSON.stringify(config).replace(/[&"<>]/g, (c) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' })[c]!)
  return `<meta name="${UI_CONFIG_META}" content="${json}">`
}
