// The counts above the record lists, the same on the edge and the hub: jobs (by status, success
// rate, mean duration), alerts (by severity, unacknowledged) and log entries (by level), each
// read from its stats route with the list's filters.
import type { AlertStats } from '../../core/alerts/record.ts'
import type { JobStats } from '../../core/job-stats.ts'
import type { LogStats } from '../../core/log-entry.ts'
import { Reading } from '../components/card.ts'
import { num } from '../lib/format.ts'
import { html } from '../lib/html.ts'

export type { AlertStats, JobStats, LogStats }

export function JobStatsReadings(props: { stats: JobStats }) {
  const s = props.stats
  const running = (s.by_status.started ?? 0) + (s.by_status.in_progress ?? 0) + (s.by_status.queued ?? 0)
  return html`<div class="readings">
    <${Reading} label="Jobs" value=${String(s.total)} data-stat="total" />
    <${Reading} label="Running" value=${String(running)} />
    <${Reading} label="Completed" value=${String(s.by_status.completed ?? 0)} tone="ok" />
    <${Reading} label="Failed" value=${String(s.by_status.failed ?? 0)} tone=${s.by_status.failed ? 'bad' : undefined} />
    <${Reading} label="Success rate" value=${s.success_rate === null ? '\u2014' : num(s.success_rate * 100, 0, '%')} data-stat="success-rate" />
    <${Reading} label="Mean duration" value=${s.mean_duration_ms === null ? '\u2014' : num(s.mean_duration_ms / 1000, 1, 's')} />
  </div>`
}

export function AlertCounts(props: { stats: AlertStats }) {
  const s = props.stats
  return html`<div class="readings" data-alert-stats=${s.total}>
    <${Reading} label="Unacknowledged" value=${String(s.unacknowledged)} tone=${s.unacknowledged ? 'warn' : 'ok'} data-stat="unacknowledged" />
    <${Reading} label="Unresolved" value=${String(s.unresolved)} />
    <${Reading} label="Critical" value=${String(s.by_severity.critical)} tone=${s.by_severity.critical ? 'bad' : undefined} />
    <${Reading} label="Warning" value=${String(s.by_severity.warning)} />
    <${Reading} label="Info" value=${String(s.by_severity.info)} />
    <${Reading} label="All time" value=${String(s.total)} hint=${Object.entries(s.by_type)
      .sort((a, b) => b[1] - a[1])
      .map(([t, n]) => `${t}: ${n}`)
      .join(', ')} />
  </div>`
}

/** "1,204 entries: 1,100 info, 90 warn, 14 error", in the log's level order. */
export function LogCounts(props: { stats: LogStats }) {
  const s = props.stats
  const order = ['critical', 'error', 'warn', 'info', 'debug']
  const parts = Object.entries(s.by_level)
    .sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]))
    .map(([l, n]) => `${n.toLocaleString()} ${l}`)
  return html`<p class="muted small" data-log-stats=${s.total}>By level: ${parts.length ? parts.join(', ') : 'none'}.</p>`
}
