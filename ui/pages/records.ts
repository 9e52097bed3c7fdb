// The hub's records of one robot: jobs and logs from its Postgres, with filters in the URL (so
// a filtered view can be shared) and logs exported as CSV by the hub. The edge's own record
// pages are edge-jobs.ts and edge-logs.ts; alerts, the same page on both, in alerts.ts.
import { useState } from 'preact/hooks'
import { Card } from '../components/card.ts'
import { dateTime, num } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import type { JobRow, LogRow } from '../lib/types.ts'
import { useApi } from '../lib/use-api.ts'
import { useRobotSession } from '../robot/robot-session.ts'
import { DownloadLink, loaded, RecordTable, Status, useQueryParam } from './page-parts.ts'
import { LogTable } from './log-table.ts'
import { JobStatsReadings, LogCounts, type JobStats, type LogStats } from './record-stats.ts'

const LIMIT = 200
const REFRESH_MS = 15_000

const JOB_STATUSES = ['started', 'in_progress', 'completed', 'cancelled', 'failed'] as const
const JOB_TONE: Record<JobRow['status'], string> = {
  queued: 'muted',
  started: 'muted',
  in_progress: 'warn',
  completed: 'ok',
  cancelled: 'muted',
  failed: 'bad',
}

export function JobsPage() {
  const rs = useRobotSession()
  const [status, setStatus] = useQueryParam('status', '')
  const [res, reload] = useApi<JobRow[]>(rs.path('/jobs', { limit: String(LIMIT), ...(status ? { status } : {}) }), { refreshMs: REFRESH_MS })
  const [statsRes] = useApi<JobStats>(rs.path('/jobs/stats'), { refreshMs: REFRESH_MS })
  const rows = loaded(res)
  const stats = loaded(statsRes)
  return html`<div class="stack">
    ${stats ? html`<${Card} title="Statistics" data-card="job-stats"><${JobStatsReadings} stats=${stats} /><//>` : null}
    <form class="filters" onSubmit=${(e: Event) => {
      e.preventDefault()
      reload()
    }}>
      <label class="field"><span>Status</span>
        <select name="status" value=${status} onChange=${(e: Event) => setStatus((e.target as HTMLSelectElement).value)}>
          <option value="">Any</option>
          ${JOB_STATUSES.map((s) => html`<option key=${s} value=${s}>${s.replace('_', ' ')}</option>`)}
        </select></label>
      <div class="filter-actions"><button type="submit" class="btn">Refresh</button></div>
    </form>
    <${Status} res=${res} what="jobs" reload=${reload} />
    ${
      rows
        ? html`<${Card} title=${`Jobs of ${rs.robotId}`} data-card="jobs">
      ${
        !rows.length
          ? html`<p class="muted" data-state="empty">No jobs${status ? ` with status ${status.replace('_', ' ')}` : ''} recorded for this robot.</p>`
          : html`<${RecordTable} label="Jobs">
          <thead><tr><th scope="col">Task</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Started</th><th scope="col">Finished</th><th scope="col">Note</th></tr></thead>
          <tbody>${rows.map(
            (j) => html`<tr key=${j.id} data-job=${j.id}>
            <td data-label="Task">${j.task_name ?? '\u2014'}</td>
            <td data-label="Status"><span class=${`pill tone-${JOB_TONE[j.status]}`}>${j.status.replace('_', ' ')}</span></td>
            <td data-label="Progress">${j.percent !== null ? num(j.percent, 0, '%') : j.items_total ? `${j.items_done ?? 0} / ${j.items_total}` : '\u2014'}</td>
            <td data-label="Started">${dateTime(j.started_at)}</td><td data-label="Finished">${j.finished_at !== null ? dateTime(j.finished_at) : '\u2014'}</td><td data-label="Note">${j.reason ?? ''}</td>
          </tr>`,
          )}</tbody>
        <//>`
      }
      ${rows.length >= LIMIT ? html`<p class="muted small">The newest ${LIMIT} are shown.</p>` : null}
    <//>`
        : null
    }
  </div>`
}

const LEVELS = ['debug', 'info', 'warn', 'error', 'critical'] as const

export function LogsPage() {
  const rs = useRobotSession()
  const [level, setLevel] = useQueryParam('level', '')
  const [q, setQ] = useQueryParam('q', '')
  const [draft, setDraft] = useState(q)
  const params: Record<string, string> = { limit: String(LIMIT) }
  if (level) params.level = level
  if (q) params.q = q
  // The hub writes the file (formula-safe cells, up to 10,000 entries), filtered like the list.
  const { limit: _limit, ...exportParams } = params
  const [res, reload] = useApi<{ total: number; logs: LogRow[] }>(rs.path('/logs', params), { refreshMs: REFRESH_MS })
  const [statsRes] = useApi<LogStats>(rs.path('/logs/stats', exportParams), { refreshMs: REFRESH_MS })
  const data = loaded(res)
  const stats = loaded(statsRes)
  return html`<div class="stack">
    <form class="filters" role="search" onSubmit=${(e: Event) => {
      e.preventDefault()
      if (draft.trim() === q) reload()
      else setQ(draft.trim())
    }}>
      <label class="field"><span>Level</span>
        <select name="level" value=${level} onChange=${(e: Event) => setLevel((e.target as HTMLSelectElement).value)}>
          <option value="">Any</option>
          ${LEVELS.map((l) => html`<option key=${l} value=${l}>${l}</option>`)}
        </select></label>
      <label class="field"><span>Message contains</span>
        <input type="search" name="q" value=${draft} maxlength="200" onInput=${(e: Event) => setDraft((e.target as HTMLInputElement).value)} /></label>
      <div class="filter-actions">
        <button type="submit" class="btn">Search</button>
        <${DownloadLink} path=${rs.path('/logs/export/csv', exportParams)} data-action="logs-export">Export CSV<//>
      </div>
    </form>
    <${Status} res=${res} what="logs" reload=${reload} />
    ${
      data
        ? html`<${Card} title=${`Logs of ${rs.robotId}`} data-card="logs">
      <p class="muted small" data-total=${data.total}>${data.total.toLocaleString()} matching ${data.total === 1 ? 'entry' : 'entries'}${data.total > data.logs.length ? `; the newest ${data.logs.length} are shown` : ''}.</p>
      ${stats ? html`<${LogCounts} stats=${stats} />` : null}
      <${LogTable} lines=${data.logs.map((l) => ({ ...l, key: l.id }))} />
    <//>`
        : null
    }
  </div>`
}
