// The robot's sync with its hub, on its overview: on the robot, what it knows (its link, what
// waits, what the hub has acknowledged, anything it had to drop); on the hub, what the hub
// knows of it (connected, what waits on the robot, catch-up progress and time left, lag, rate).
import { Card, Reading, type Tone } from '../components/card.ts'
import { ago, duration, num } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { useApi } from '../lib/use-api.ts'
import type { EdgeSyncStatus, RobotSyncStatus } from '../../sync/status.ts'
import type { RobotSession } from './robot-session.ts'

const REFRESH_MS = 5_000

const count = (n: number | null | undefined) => (n === null || n === undefined ? '\u2014' : n.toLocaleString())

/** "12,340 records, about 40 s left": what a catch-up still has to send. */
export function catchUpText(recordsLeft: number, ratePerS: number | null | undefined): string {
  const eta = ratePerS && ratePerS > 0 ? ` \u00b7 about ${duration(Math.ceil(recordsLeft / ratePerS))} left` : ''
  return `${count(recordsLeft)} records to go${eta}`
}

function Dropped(props: { dropped: { total: number; by_stream: Record<string, number>; reason: string | null } }) {
  const d = props.dropped
  if (!d.total) return null
  return html`<p class="tone-bad small" data-sync-dropped=${d.total} role="note">
    <strong>${count(d.total)} samples never reached the hub</strong> (${Object.entries(d.by_stream)
      .map(([s, n]) => `${s} ${count(n)}`)
      .join(', ')})${d.reason ? `: ${d.reason}` : ''}.</p>`
}

function StatusLine(props: { text: string; tone: Tone; state: string }) {
  return html`<div class=${`status-line tone-${props.tone}`} data-sync-state=${props.state}><span class="dot" aria-hidden="true"></span>${props.text}</div>`
}

function RobotSide() {
  const [res] = useApi<EdgeSyncStatus>('/sync/status', { refreshMs: REFRESH_MS })
  const s = res.state === 'ok' || res.state === 'error' ? res.data : undefined
  if (!s) return html`<p class="muted" role="status">${res.state === 'error' ? res.error.message : 'Loading\u2026'}</p>`
  if (!s.configured) {
    return html`<${StatusLine} text="No hub" tone="muted" state="unconfigured" />
      <p class="muted small">${s.message}</p>
      <div class="readings"><${Reading} label="Stored, not yet sent" value=${`${count(s.backlog)} records`} /></div>
      <${Dropped} dropped=${{ ...s.dropped, reason: null }} />`
  }
  const state = !s.connected
    ? { text: 'Not connected to the hub', tone: 'bad' as const, key: 'disconnected' }
    : s.catching_up
      ? { text: `Catching up: ${catchUpText(s.backlog, s.rate_per_s)}`, tone: 'warn' as const, key: 'catching-up' }
      : { text: 'Connected and up to date', tone: 'ok' as const, key: 'synced' }
  return html`<${StatusLine} text=${state.text} tone=${state.tone} state=${state.key} />
    ${!s.connected && s.last_error ? html`<p class="muted small" data-sync-error>${s.last_error}${s.last_error_ts ? ` (${ago(s.last_error_ts)})` : ''}</p>` : null}
    <div class="readings">
      <${Reading} label="Waiting to send" value=${`${count(s.backlog)} records`} tone=${s.backlog > 1000 ? 'warn' : undefined} data-sync-backlog=${s.backlog} />
      <${Reading} label="Last acknowledged" value=${ago(s.last_ack_ts)} />
      <${Reading} label="Lag" value=${s.lag_ms ? duration(Math.round(s.lag_ms / 1000)) : 'none'} tone=${s.lag_ms > 60_000 ? 'warn' : undefined} />
      <${Reading} label="Rate" value=${`${num(s.rate_per_s, 1)} records/s`} />
      <${Reading} label="Live link" value=${s.live.connected ? 'connected' : 'down'} tone=${s.live.connected ? 'ok' : 'bad'} hint=${s.live.last_error ?? s.live.broker ?? undefined} />
      ${s.quarantined ? html`<${Reading} label="Set aside by the hub" value=${`${count(s.quarantined)} records`} tone="warn" />` : null}
    </div>
    <${Dropped} dropped=${s.dropped} />
    <p class="muted small">Hub: ${s.hub_url}</p>`
}

function HubSide(props: { robotId: string }) {
  const [res] = useApi<RobotSyncStatus[]>(`/sync/status?robot_id=${encodeURIComponent(props.robotId)}`, { refreshMs: REFRESH_MS })
  const s = res.state === 'ok' || res.state === 'error' ? res.data?.[0] : undefined
  if (!s) return html`<p class="muted" role="status">${res.state === 'error' ? res.error.message : 'Loading\u2026'}</p>`
  if (!s.synced) {
    return html`<${StatusLine} text="No history from this robot yet" tone="muted" state="never" />
      <p class="muted small">It has not sent a sync batch: give it this hub's address and its credential (TONYPI_HUB_URL and TONYPI_HUB_TOKEN), or run <code>npm run edge:register</code> on it. What it sends live still shows here.</p>`
  }
  const state = !s.connected
    ? { text: 'Not connected: history resumes when it is back', tone: 'muted' as const, key: 'disconnected' }
    : s.catching_up && s.progress
      ? { text: `Catching up: ${catchUpText(s.progress.records_left, s.rate_per_s)}`, tone: 'warn' as const, key: 'catching-up' }
      : { text: 'Up to date', tone: 'ok' as const, key: 'synced' }
  return html`<${StatusLine} text=${state.text} tone=${state.tone} state=${state.key} />
    <div class="readings">
      <${Reading} label="Waiting on the robot" value=${`${count(s.backlog)} records`} tone=${(s.backlog ?? 0) > 1000 ? 'warn' : undefined} data-sync-backlog=${s.backlog ?? ''} />
      <${Reading} label="Last batch" value=${ago(s.last_batch_at)} data-sync-last-batch=${s.last_batch_at ?? ''} />
      <${Reading} label="Lag" value=${s.lag_ms ? duration(Math.round(s.lag_ms / 1000)) : 'none'} tone=${(s.lag_ms ?? 0) > 60_000 ? 'warn' : undefined} data-sync-lag=${s.lag_ms ?? ''} />
      <${Reading} label="Rate" value=${s.rate_per_s === null ? '\u2014' : `${num(s.rate_per_s, 1)} records/s`} />
      ${s.quarantined ? html`<${Reading} label="Set aside" value=${`${count(s.quarantined)} records`} tone="warn" hint="Records the hub could not apply, kept in sync_quarantine" />` : null}
      ${s.corrected_samples ? html`<${Reading} label="Clock corrected" value=${`${count(s.corrected_samples)} samples`} hint="Stamped while the robot's clock was wrong, moved to the true time" />` : null}
    </div>
    <${Dropped} dropped=${s.dropped} />`
}

export function SyncCard(props: { rs: RobotSession }) {
  const { rs } = props
  return html`<${Card} title=${rs.fleet ? 'Sync' : 'Hub sync'} data-card="sync">
    ${rs.fleet ? (rs.robotId ? html`<${HubSide} robotId=${rs.robotId} />` : null) : html`<${RobotSide} />`}
  <//>`
}
