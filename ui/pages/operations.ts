// The robot's own records on the edge: jobs (statistics, a new job that can run an action
// group) and logs (search, paging, notes, export). The edge's API uses snake_case and
// epoch milliseconds; the hub's record pages (records.ts) read the hub's. Alerts: alerts.ts;
// reports: reports.ts.
import { useEffect, useState } from 'preact/hooks'
import { Card } from '../components/card.ts'
import { dateTime, num } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { FLEET } from '../lib/mode.ts'
import { api, canCommand, session } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import { useApi } from '../lib/use-api.ts'
import { useRobotSession } from '../robot/robot-session.ts'
import { act, DownloadLink, loaded, RecordTable, Status, useReloadOn, value, when } from './page-parts.ts'
import { JobStatsReadings, LogCounts, type JobStats, type LogStats } from './record-stats.ts'

// --- shapes (edge API) -------------------------------------------------------------------

interface EdgeJob {
  id: number
  task_name: string
  status: string
  items_done: number | null
  items_total: number | null
  percent: number | null
  reason: string | null
  action: { name: string; repeat?: number } | null
  source: string
  started_at: number
  finished_at: number | null
  duration_ms: number | null
}
interface EdgeLog {
  seq: number
  ts: number
  level: string
  category: string
  message: string
  details: Record<string, unknown>
}

// --- jobs ----------------------------------------------------------------------------------

const JOB_TONE: Record<string, string> = { queued: 'muted', started: 'muted', in_progress: 'warn', completed: 'ok', cancelled: 'muted', failed: 'bad' }
const JOB_STATUSES = ['queued', 'started', 'in_progress', 'completed', 'cancelled', 'failed']

function NewJobForm(props: { onCreated: () => void }) {
  const rs = useRobotSession()
  const view = useObservable(rs.actions.view)
  useEffect(() => {
    void rs.actions.load()
  }, [rs])
  const names = view.list.state === 'ok' ? view.list.names : []
  const [task, setTask] = useState('')
  const [items, setItems] = useState('')
  const [action, setAction] = useState('')
  const [repeat, setRepeat] = useState('1')
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    if (!task.trim()) return
    setBusy(true)
    const body: Record<string, unknown> = { task_name: task.trim() }
    if (items.trim()) body.items_total = Math.max(0, Math.round(Number(items)))
    if (action) body.action = { name: action, repeat: Math.max(1, Math.min(100, Math.round(Number(repeat) || 1))) }
    const job = await act('create the job', () => api<EdgeJob>('/jobs', { method: 'POST', json: body }))
    setBusy(false)
    if (job) {
      toast('success', `Job started: ${job.task_name}`, job.action ? `Running ${job.action.name}.` : undefined)
      setTask('')
      setItems('')
      props.onCreated()
    }
  }
  return html`<${Card} title="New job" data-card="new-job">
    <form class="filters" onSubmit=${submit}>
      <label class="field"><span>Task name</span><input name="task_name" required maxlength="200" value=${task} onInput=${(e: Event) => setTask(value(e))} /></label>
      <label class="field"><span>Items (optional)</span><input name="items_total" inputmode="numeric" value=${items} onInput=${(e: Event) => setItems(value(e))} /></label>
      <label class="field"><span>Action group</span>
        <select name="job-action" value=${action} onChange=${(e: Event) => setAction(value(e))}>
          <option value="">None (report progress yourself)</option>
          ${names.map((n) => html`<option key=${n} value=${n}>${n}</option>`)}
        </select></label>
      ${action ? html`<label class="field"><span>Repeat</span><input name="job-repeat" inputmode="numeric" value=${repeat} onInput=${(e: Event) => setRepeat(value(e))} /></label>` : null}
      <div class="filter-actions"><button type="submit" class="btn btn-primary" data-action="job-create" disabled=${busy || !task.trim()}>${busy ? 'Starting\u2026' : 'Start job'}</button></div>
    </form>
  <//>`
}

export function EdgeJobsPage() {
  const rs = useRobotSession()
  const operator = canCommand(useObservable(session)?.user.role)
  const [status, setStatus] = useState('')
  const [res, reload] = useApi<EdgeJob[]>(rs.path('/jobs', { limit: '100', ...(status ? { status } : {}) }), { refreshMs: 15_000 })
  const [statsRes, reloadStats] = useApi<JobStats>('/jobs/stats', { refreshMs: 15_000 })
  const both = () => {
    reload()
    reloadStats()
  }
  useReloadOn(useObservable(rs.jobEvents), both)
  const rows = loaded(res)
  const stats = loaded(statsRes)
  return html`<div class="stack">
    ${stats ? html`<${Card} title="Statistics" data-card="job-stats"><${JobStatsReadings} stats=${stats} /><//>` : null}
    ${operator ? html`<${NewJobForm} onCreated=${both} />` : null}
    <form class="filters" onSubmit=${(e: Event) => {
      e.preventDefault()
      both()
    }}>
      <label class="field"><span>Status</span>
        <select name="status" value=${status} onChange=${(e: Event) => setStatus(value(e))}>
          <option value="">Any</option>${JOB_STATUSES.map((s) => html`<option key=${s} value=${s}>${s.replace('_', ' ')}</option>`)}
        </select></label>
      <div class="filter-actions"><button type="submit" class="btn">Refresh</button></div>
    </form>
    <${Status} res=${res} what="jobs" reload=${reload} />
    ${
      rows
        ? html`<${Card} title="Jobs" data-card="jobs">
      ${
        !rows.length
          ? html`<p class="muted" data-state="empty">No jobs recorded${status ? ` with status ${status.replace('_', ' ')}` : ''}.</p>`
          : html`<${RecordTable} label="Jobs">
          <thead><tr><th scope="col">Task</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Action</th><th scope="col">Started</th><th scope="col">Duration</th></tr></thead>
          <tbody>${rows.map(
            (j) => html`<tr key=${j.id} data-job=${j.id} data-status=${j.status}>
            <td data-label="Task">${j.task_name}${j.reason ? html`<div class="muted small">${j.reason}</div>` : null}</td>
            <td data-label="Status"><span class=${`pill tone-${JOB_TONE[j.status] ?? 'muted'}`}>${j.status.replace('_', ' ')}</span></td>
            <td data-label="Progress">${j.percent !== null ? num(j.percent, 0, '%') : j.items_total ? `${j.items_done ?? 0} / ${j.items_total}` : '\u2014'}</td>
            <td data-label="Action">${j.action ? `${j.action.name}${j.action.repeat && j.action.repeat > 1 ? ` \u00d7${j.action.repeat}` : ''}` : '\u2014'}</td>
            <td data-label="Started" class="nowrap">${when(j.started_at)}</td>
            <td data-label="Duration">${j.duration_ms !== null ? num(j.duration_ms / 1000, 1, 's') : '\u2014'}</td>
          </tr>`,
          )}</tbody>
        <//>`
      }
    <//>`
        : null
    }
  </div>`
}

// --- logs ----------------------------------------------------------------------------------

const PAGE = 50
const LEVELS = ['debug', 'info', 'warn', 'error']
const LEVEL_TONE: Record<string, string> = { debug: 'muted', info: 'muted', warn: 'warn', error: 'bad', critical: 'bad' }

function NoteForm(props: { onAdded: () => void }) {
  const [message, setMessage] = useState('')
  const [level, setLevel] = useState('info')
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    if (!message.trim()) return
    setBusy(true)
    const ok = await act('add the note', () => api('/logs', { method: 'POST', json: { message: message.trim(), level } }))
    setBusy(false)
    if (ok) {
      setMessage('')
      toast('success', 'Note added to the log')
      props.onAdded()
    }
  }
  return html`<${Card} title="Add a note" data-card="log-note">
    <form class="filters" onSubmit=${submit}>
      <label class="field field-grow"><span>Note</span><input name="note" required maxlength="4000" value=${message} onInput=${(e: Event) => setMessage(value(e))} /></label>
      <label class="field"><span>Level</span><select name="note-level" value=${level} onChange=${(e: Event) => setLevel(value(e))}>
        <option value="info">info</option><option value="warn">warn</option><option value="error">error</option></select></label>
      <div class="filter-actions"><button type="submit" class="btn" data-action="log-note" disabled=${busy || !message.trim()}>Add note</button></div>
    </form>
  <//>`
}

export function EdgeLogsPage() {
  const operator = canCommand(useObservable(session)?.user.role)
  const [level, setLevel] = useState('')
  const [category, setCategory] = useState('')
  const [q, setQ] = useState('')
  const [draft, setDraft] = useState('')
  const [offset, setOffset] = useState(0)
  const filters: Record<string, string> = {}
  if (level) filters.level = level
  if (category.trim()) filters.category = category.trim()
  if (q) filters.q = q
  const qs = (extra: Record<string, string> = {}) => {
    const s = new URLSearchParams({ ...filters, ...extra }).toString()
    return s ? `?${s}` : ''
  }
  const [res, reload] = useApi<{ total: number; logs: EdgeLog[] }>(`/logs${qs({ limit: String(PAGE), offset: String(offset) })}`, {
    refreshMs: offset ? undefined : 15_000,
  })
  const [statsRes] = useApi<LogStats>(`/logs/stats${qs()}`, { refreshMs: 15_000 })
  const data = loaded(res)
  const stats = loaded(statsRes)
  const refilter = (f: () => void) => {
    f()
    setOffset(0)
  }
  return html`<div class="stack">
    ${
      operator
        ? html`<${NoteForm} onAdded=${() => {
            setOffset(0)
            reload()
          }} />`
        : null
    }
    <form class="filters" role="search" onSubmit=${(e: Event) => {
      e.preventDefault()
      if (draft.trim() === q && !offset) reload()
      else refilter(() => setQ(draft.trim()))
    }}>
      <label class="field"><span>Level</span>
        <select name="level" value=${level} onChange=${(e: Event) => refilter(() => setLevel(value(e)))}>
          <option value="">Any</option>${LEVELS.map((l) => html`<option key=${l} value=${l}>${l}</option>`)}
        </select></label>
      <label class="field"><span>Category</span>
        <input name="category" placeholder="e.g. alert, note, command" maxlength="256" value=${category} onChange=${(e: Event) => refilter(() => setCategory(value(e)))} /></label>
      <label class="field"><span>Contains</span>
        <input type="search" name="q" value=${draft} maxlength="200" onInput=${(e: Event) => setDraft(value(e))} /></label>
      <div class="filter-actions">
        <button type="submit" class="btn">Search</button>
        <${DownloadLink} path=${`/logs/export/csv${qs()}`} data-export="csv">Export CSV<//>
        <${DownloadLink} path=${`/logs/export/json${qs()}`} data-export="json">Export JSON<//>
      </div>
    </form>
    <${Status} res=${res} what="logs" reload=${reload} />
    ${
      data
        ? html`<${Card} title="Log" data-card="logs">
      <p class="muted small" data-total=${data.total}>${data.total.toLocaleString()} matching ${data.total === 1 ? 'entry' : 'entries'}${data.total ? `; ${offset + 1}\u2013${offset + data.logs.length} shown, newest first` : ''}.</p>
      ${stats ? html`<${LogCounts} stats=${stats} />` : null}
      ${
        !data.logs.length
          ? html`<p class="muted" data-state="empty">No log entries match.</p>`
          : html`<${RecordTable} label="Logs" class="table-logs">
          <thead><tr><th scope="col">Time</th><th scope="col">Level</th><th scope="col">Category</th><th scope="col">Message</th></tr></thead>
          <tbody>${data.logs.map(
            (l) => html`<tr key=${l.seq} data-log=${l.seq} data-category=${l.category}>
            <td data-label="Time" class="nowrap">${dateTime(l.ts, { seconds: true })}</td><td data-label="Level"><span class=${`pill tone-${LEVEL_TONE[l.level] ?? 'muted'}`}>${l.level}</span></td>
            <td data-label="Category">${l.category}</td><td data-label="Message" class="log-message">${l.message}</td>
          </tr>`,
          )}</tbody>
        <//>`
      }
      <div class="pager">
        <button type="button" class="btn btn-small" data-action="logs-newer" disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - PAGE))}>Newer</button>
        <button type="button" class="btn btn-small" data-action="logs-older" disabled=${offset + PAGE >= data.total} onClick=${() => setOffset(offset + PAGE)}>Older</button>
      </div>
    <//>`
        : null
    }
  </div>`
}
