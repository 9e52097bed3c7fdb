// Settings: what this device remembers (theme), the robot's storage as it stands, and its
// alert thresholds (admins edit them). Retention and the hub connection are set in the robot's
// configuration file in this version; there is no API to change them, so none is pretended here.
import { Card, Reading } from '../components/card.ts'
import { NotAvailable } from '../components/not-available.ts'
import { bytes } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { FLEET, uiConfig } from '../lib/mode.ts'
import { useObservable } from '../lib/observable.ts'
import { chooseTheme, themeChoice, type ThemeChoice } from '../lib/theme.ts'
import type { EdgeStats } from '../lib/types.ts'
import { useApi } from '../lib/use-api.ts'
import { ThresholdsCard } from './thresholds.ts'

const CHOICES: { value: ThemeChoice; label: string }[] = [
  { value: 'system', label: 'Follow the system setting' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
]

function Appearance() {
  const choice = useObservable(themeChoice)
  return html`<${Card} title="Appearance" data-card="appearance">
    <fieldset class="radio-group"><legend>Theme on this device</legend>
      ${CHOICES.map((c) => html`<label key=${c.value} class="radio"><input type="radio" name="theme" value=${c.value} checked=${choice === c.value} onChange=${() => chooseTheme(c.value)} />${c.label}</label>`)}
    </fieldset>
  <//>`
}

/** The hub's settings: what it is configured with, said plainly (set in its environment). */
function FleetSettings() {
  const g = uiConfig.grafana
  return html`<div class="grid-cards">
    <${Appearance} />
    <${Card} title="Grafana" data-card="grafana-config">
      ${
        g
          ? html`<div class="readings"><${Reading} label="Grafana" value=${html`<a href=${g.url} target="_blank" rel="noopener noreferrer">${g.url}</a>`} /></div>
        <p class="muted small">Its panels are embedded on the robots list, each robot's overview and history. Grafana must allow embedding (<code>allow_embedding = true</code>) and this browser must be able to log in to it.</p>`
          : html`<p class="muted">No Grafana is configured. Set <code>TONYPI_HUB_GRAFANA_URL</code> on the hub to embed its panels here; the hub writes Grafana's provisioning (data sources and dashboards) either way.</p>`
      }
    <//>
    <${ThresholdsCard} />
    <${Card} title="Robot sync" data-card="sync"><${NotAvailable} what="Sync state">Robots do not sync their history to the hub in this version, so there is no sync lag to show, and the sync rules above have nothing to judge yet.<//><//>
  </div>`
}

export function SettingsPage() {
  return FLEET ? html`<${FleetSettings} />` : html`<${EdgeSettings} />`
}

function EdgeSettings() {
  const [stats] = useApi<EdgeStats>('/stats')
  const st = stats.state === 'ok' ? stats.data : undefined
  return html`<div class="grid-cards">
    <${Appearance} />
    <${Card} title="Storage" data-card="storage">
      ${
        st
          ? html`<div class="readings">
        <${Reading} label="Database size" value=${bytes(st.store.db_bytes)} />
        <${Reading} label="Disk quota" value=${bytes(st.store.quota_bytes)} />
        <${Reading} label="Dropped for quota" value=${`${st.store.dropped_chunks} chunks`} tone=${st.store.dropped_chunks ? 'warn' : undefined} />
      </div>
      <p class="muted small">Retention and the quota are set in the robot's configuration (TONYPI_RETENTION_RAW_HOURS, TONYPI_DISK_QUOTA_MB) and take effect on restart.</p>`
          : html`<p class="muted">Loading\u2026</p>`
      }
    <//>
    <${ThresholdsCard} />
    <${Card} title="Hub connection" data-card="hub"><${NotAvailable} what="Hub sync">This robot has no hub connection in this version; its data stays on the robot.<//><//>
  </div>`
}
