// The robot's own records on the edge: jobs (statistics, a new job that can run an action
// group), logs (search, paging, notes, export) and reports (generate, read, PDF; on the hub
// too), plus the alert thresholds card of the settings page. The edge's API uses snake_case and
// epoch milliseconds; the hub's record pages (records.ts) read the hub's. Alerts: alerts.ts.
import { useEffect, useState } from 'preact/hooks'
import { Card, Reading } from '../components/card.ts'
import { num } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { FLEET } from '../lib/mode.ts'
import { api, canCommand, session } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import { useApi } from '../lib/use-api.ts'
import { useRobotSession } from '../robot/robot-session.ts'
import { act, DownloadLink, loaded, Status, useReloadOn, value, when } from './page-parts.ts'

// --- shapes (edge API) -------------------------------------------------------------------

interface EdgeRule {
  metric: string; direction: 'high' | 'low'; warning: number | null; critical: number | null; min_duration_s: number
  hysteresis: number; auto_resolve: boolean; enabled: boolean; updated_at: number; unit: string; meaning: string
}
interface EdgeJob {
  id: number; task_name: string; status: string; items_done: number | null; items_total: number | null; percent: number | null
  reason: string | null; action: { name: string; repeat?: number } | null; source: string; started_at: number
  finished_at: number | null; duration_ms: number | null
}
interface JobStats { total: number; by_status: Record<string, number>; success_rate: number | null; mean_duration_ms: number | null }
interface EdgeLog { seq: number; ts: number; level: string; category: string; message: string; details: Record<string, unknown> }
interface ReportSummary {
  id: number; report_type: string; time_range: { from: number; to: number }; created_at: number; created_by: string
  has_narrative: boolean; narrative_error: string | null
  /** The hub reports on one robot or on the fleet; the edge only on itself. */
  scope?: 'robot' | 'fleet'; robot_id?: string | null
}
interface Report extends Omit<ReportSummary, 'has_narrative'> { figures: Record<string, unknown>; narrative: string | null }

// --- alert thresholds (settings) -------------------------------------------------------------

const numOrNull = (s: string): number | null => (s.trim() === '' ? null : Number(s))

function RuleRow(props: { rule: EdgeRule; admin: boolean; onSaved: (r: EdgeRule) => void }) {
  const r = props.rule
  const [draft, setDraft] = useState({ warning: r.warning?.toString() ?? '', critical: r.critical?.toString() ?? '', min_duration_s: String(r.min_duration_s), enabled: r.enabled })
  const [error, setError] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  useEffect(() => setDraft({ warning: r.warning?.toString() ?? '', critical: r.critical?.toString() ?? '', min_duration_s: String(r.min_duration_s), enabled: r.enabled }), [r.updated_at])
  const label = r.metric.replace(/_/g, ' ')
  if (!props.admin) {
    return html`<tr data-rule=${r.metric}><td><strong>${label}</strong><div class="muted small">${r.meaning}</div></td>
      <td>${r.direction === 'high' ? 'above' : 'below'}</td><td>${num(r.warning, 1, r.unit)}</td><td>${num(r.critical, 1, r.unit)}</td>
      <td class="hide-narrow">${r.min_duration_s} s</td><td>${r.enabled ? 'on' : 'off'}</td></tr>`
  }
  const save = async (e: Event) => {
    e.preventDefault()
    const warning = numOrNull(draft.warning), critical = numOrNull(draft.critical), min = Number(draft.min_duration_s)
    if ([warning, critical, min].some((v) => v !== null && !Number.isFinite(v))) return setError('Thresholds must be numbers.')
    setSaving(true)
    setError(null)
    try {
      const saved = await api<EdgeRule>(`/alerts/rules/${encodeURIComponent(r.metric)}`, { method: 'PUT', json: { warning, critical, min_duration_s: min, enabled: draft.enabled } })
      props.onSaved(saved)
      toast('success', `Rule saved: ${label}`)
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setSaving(false)
    }
  }
  const field = (k: 'warning' | 'critical' | 'min_duration_s', what: string) => html`<input class="input-num" inputmode="decimal" name=${`${r.metric}-${k}`}
    aria-label=${`${label}: ${what}`} value=${draft[k]} onInput=${(e: Event) => setDraft({ ...draft, [k]: value(e) })} />`
  return html`<tr data-rule=${r.metric}>
    <td><strong>${label}</strong><div class="muted small">${r.meaning}${r.unit ? ` (${r.unit})` : ''}</div>${error ? html`<div class="form-error small" role="alert">${error}</div>` : null}</td>
    <td>${r.direction === 'high' ? 'above' : 'below'}</td>
    <td>${field('warning', `warning ${r.unit}`)}</td><td>${field('critical', `critical ${r.unit}`)}</td>
    <td class="hide-narrow">${field('min_duration_s', 'minimum duration, seconds')}</td>
    <td><input type="checkbox" aria-label=${`${label}: enabled`} name=${`${r.metric}-enabled`} checked=${draft.enabled} onChange=${(e: Event) => setDraft({ ...draft, enabled: (e.target as HTMLInputElement).checked })} /></td>
    <td><button type="button" class="btn btn-small" data-action="rule-save" disabled=${saving} onClick=${save}>Save</button></td>
  </tr>`
}

export function ThresholdsCard() {
  const role = useObservable(session)?.user.role
  const admin = role === 'admin'
  const [res, reload] = useApi<EdgeRule[]>('/alerts/rules')
  const [rules, setRules] = useState<EdgeRule[] | null>(null)
  useEffect(() => { if (res.state === 'ok') setRules(res.data) }, [res])
  return html`<${Card} title="Alert thresholds" data-card="thresholds" class="card-wide">
    <${Status} res=${res} what="alert rules" reload=${reload} />
    ${rules ? html`<div class="table-wrap"><table class="table table-rules" aria-label="Alert thresholds">
      <thead><tr><th scope="col">Rule</th><th scope="col">When</th><th scope="col">Warning</th><th scope="col">Critical</th><th scope="col" class="hide-narrow">For at least (s)</th><th scope="col">Enabled</th>${admin ? html`<th scope="col"><span class="sr-only">Save</span></th>` : null}</tr></thead>
      <tbody>${rules.map((r) => html`<${RuleRow} key=${r.metric} rule=${r} admin=${admin} onSaved=${(s: EdgeRule) => setRules(rules.map((x) => (x.metric === s.metric ? s : x)))} />`)}</tbody>
    </table></div>
    <p class="muted small">${FLEET ? "The hub's fleet rules, for every robot (a robot's own values are set through the API, PUT alerts/rules/{metric}?robot_id=). " : ''}${admin ? 'Leave a threshold empty to turn that level off. Changes apply at once and are kept across restarts.' : 'Admins change thresholds.'}</p>` : null}
  <//>`
}

// --- jobs ----------------------------------------------------------------------------------

const JOB_TONE: Record<string, string> = { queued: 'muted', started: 'muted', in_progress: 'warn', completed: 'ok', cancelled: 'muted', failed: 'bad' }
const JOB_STATUSES = ['queued', 'started', 'in_progress', 'completed', 'cancelled', 'failed']

function NewJobForm(props: { onCreated: () => void }) {
  const rs = useRobotSession()
  const view = useObservable(rs.actions.view)
  useEffect(() => { void rs.actions.load() }, [rs])
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
  const both = () => { reload(); reloadStats() }
  useReloadOn(useObservable(rs.jobEvents), both)
  const rows = loaded(res)
  const stats = loaded(statsRes)
  return html`<div class="stack">
    ${stats ? html`<${Card} title="Statistics" data-card="job-stats"><div class="readings">
      <${Reading} label="Jobs" value=${String(stats.total)} data-stat="total" />
      <${Reading} label="Running" value=${String((stats.by_status.started ?? 0) + (stats.by_status.in_progress ?? 0) + (stats.by_status.queued ?? 0))} />
      <${Reading} label="Completed" value=${String(stats.by_status.completed ?? 0)} tone="ok" />
      <${Reading} label="Failed" value=${String(stats.by_status.failed ?? 0)} tone=${stats.by_status.failed ? 'bad' : undefined} />
      <${Reading} label="Success rate" value=${stats.success_rate === null ? '\u2014' : num(stats.success_rate * 100, 0, '%')} />
      <${Reading} label="Mean duration" value=${stats.mean_duration_ms === null ? '\u2014' : num(stats.mean_duration_ms / 1000, 1, 's')} />
    </div><//>` : null}
    ${operator ? html`<${NewJobForm} onCreated=${both} />` : null}
    <form class="filters" onSubmit=${(e: Event) => { e.preventDefault(); both() }}>
      <label class="field"><span>Status</span>
        <select name="status" value=${status} onChange=${(e: Event) => setStatus(value(e))}>
          <option value="">Any</option>${JOB_STATUSES.map((s) => html`<option key=${s} value=${s}>${s.replace('_', ' ')}</option>`)}
        </select></label>
      <div class="filter-actions"><button type="submit" class="btn">Refresh</button></div>
    </form>
    <${Status} res=${res} what="jobs" reload=${reload} />
    ${rows ? html`<${Card} title="Jobs" data-card="jobs">
      ${!rows.length ? html`<p class="muted" data-state="empty">No jobs recorded${status ? ` with status ${status.replace('_', ' ')}` : ''}.</p>`
        : html`<div class="table-wrap"><table class="table" aria-label="Jobs">
          <thead><tr><th scope="col">Task</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col" class="hide-narrow">Action</th><th scope="col">Started</th><th scope="col" class="hide-narrow">Duration</th></tr></thead>
          <tbody>${rows.map((j) => html`<tr key=${j.id} data-job=${j.id} data-status=${j.status}>
            <td>${j.task_name}${j.reason ? html`<div class="muted small">${j.reason}</div>` : null}</td>
            <td><span class=${`pill tone-${JOB_TONE[j.status] ?? 'muted'}`}>${j.status.replace('_', ' ')}</span></td>
            <td>${j.percent !== null ? num(j.percent, 0, '%') : j.items_total ? `${j.items_done ?? 0} / ${j.items_total}` : '\u2014'}</td>
            <td class="hide-narrow">${j.action ? `${j.action.name}${j.action.repeat && j.action.repeat > 1 ? ` \u00d7${j.action.repeat}` : ''}` : '\u2014'}</td>
            <td class="nowrap">${when(j.started_at)}</td>
            <td class="hide-narrow">${j.duration_ms !== null ? num(j.duration_ms / 1000, 1, 's') : '\u2014'}</td>
          </tr>`)}</tbody></table></div>`}
    <//>` : null}
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
    if (ok) { setMessage(''); toast('success', 'Note added to the log'); props.onAdded() }
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
  const [res, reload] = useApi<{ total: number; logs: EdgeLog[] }>(`/logs${qs({ limit: String(PAGE), offset: String(offset) })}`, { refreshMs: offset ? undefined : 15_000 })
  const data = loaded(res)
  const refilter = (f: () => void) => { f(); setOffset(0) }
  return html`<div class="stack">
    ${operator ? html`<${NoteForm} onAdded=${() => { setOffset(0); reload() }} />` : null}
    <form class="filters" role="search" onSubmit=${(e: Event) => { e.preventDefault(); if (draft.trim() === q && !offset) reload(); else refilter(() => setQ(draft.trim())) }}>
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
    ${data ? html`<${Card} title="Log" data-card="logs">
      <p class="muted small" data-total=${data.total}>${data.total.toLocaleString()} matching ${data.total === 1 ? 'entry' : 'entries'}${data.total ? `; ${offset + 1}\u2013${offset + data.logs.length} shown, newest first` : ''}.</p>
      ${!data.logs.length ? html`<p class="muted" data-state="empty">No log entries match.</p>`
        : html`<div class="table-wrap"><table class="table table-logs" aria-label="Logs">
          <thead><tr><th scope="col">Time</th><th scope="col">Level</th><th scope="col" class="hide-narrow">Category</th><th scope="col">Message</th></tr></thead>
          <tbody>${data.logs.map((l) => html`<tr key=${l.seq} data-log=${l.seq} data-category=${l.category}>
            <td class="nowrap">${when(l.ts)}</td><td><span class=${`pill tone-${LEVEL_TONE[l.level] ?? 'muted'}`}>${l.level}</span></td>
            <td class="hide-narrow">${l.category}</td><td class="log-message">${l.message}</td>
          </tr>`)}</tbody></table></div>`}
      <div class="pager">
        <button type="button" class="btn btn-small" data-action="logs-newer" disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - PAGE))}>Newer</button>
        <button type="button" class="btn btn-small" data-action="logs-older" disabled=${offset + PAGE >= data.total} onClick=${() => setOffset(offset + PAGE)}>Older</button>
      </div>
    <//>` : null}
  </div>`
}

// --- reports -------------------------------------------------------------------------------

const REPORT_TYPES = [
  { value: 'performance', label: 'Performance' },
  { value: 'job', label: 'Jobs' },
  { value: 'maintenance', label: 'Maintenance' },
]
const WINDOWS = [{ value: '1h', label: 'Last hour' }, { value: '24h', label: 'Last 24 hours' }, { value: '7d', label: 'Last 7 days' }]
const HIDDEN_FIGURES = new Set(['robot_id', 'report_type', 'limits', 'window', 'scope'])

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const label = (k: string) => k.replace(/_/g, ' ')

/** One figure as text: min/mean/max triples compactly, small maps as "k: v", lists by count. */
function figure(v: unknown): string {
  if (v === null || v === undefined) return '\u2014'
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : num(v, 2)
  if (typeof v === 'boolean') return v ? 'yes' : 'no'
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.length ? v.join('; ') : '\u2014'
  if (Array.isArray(v)) return `${v.length} item${v.length === 1 ? '' : 's'}`
  if (isObj(v)) {
    if ('min' in v && 'max' in v && 'mean' in v) return `${figure(v.min)} \u2013 ${figure(v.max)} (mean ${figure(v.mean)}, last ${figure(v.last)})`
    const entries = Object.entries(v)
    return entries.length ? entries.map(([k, x]) => `${label(k)}: ${figure(x)}`).join(', ') : '\u2014'
  }
  return String(v)
}

function FigureSection(props: { name: string; data: unknown }) {
  const { name, data } = props
  if (data === null || data === undefined) {
    return html`<section class="figures" data-figures=${name}><h3>${label(name)}</h3><p class="muted small">${name === 'sync' ? 'This robot does not sync to a hub.' : 'No data in this window.'}</p></section>`
  }
  if (Array.isArray(data)) {
    const rows = data.filter(isObj)
    if (!rows.length) return html`<section class="figures" data-figures=${name}><h3>${label(name)}</h3><p class="muted small">None.</p></section>`
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 7)
    return html`<section class="figures" data-figures=${name}><h3>${label(name)}</h3><div class="table-wrap"><table class="table" aria-label=${label(name)}>
      <thead><tr>${keys.map((k) => html`<th scope="col" key=${k}>${label(k)}</th>`)}</tr></thead>
      <tbody>${rows.map((r, i) => html`<tr key=${i}>${keys.map((k) => html`<td key=${k}>${figure(r[k])}</td>`)}</tr>`)}</tbody></table></div></section>`
  }
  const entries = isObj(data) ? Object.entries(data).filter(([k, v]) => !Array.isArray(v) || k !== 'items') : [[name, data] as [string, unknown]]
  const items = isObj(data) && Array.isArray(data.items) ? data.items : null
  return html`<section class="figures" data-figures=${name}><h3>${label(name)}</h3><div class="table-wrap"><table class="table table-kv" aria-label=${label(name)}>
    <tbody>${entries.map(([k, v]) => html`<tr key=${k}><th scope="row">${label(k)}</th><td>${figure(v)}</td></tr>`)}</tbody></table></div>
    ${items?.length ? html`<${FigureSection} name=${`${name} items`} data=${items} />` : null}</section>`
}

function ReportView(props: { id: number; onClose: () => void }) {
  const [res, reload] = useApi<Report>(`/reports/${props.id}`)
  const r = loaded(res)
  const f = r?.figures ?? {}
  const win = isObj(f.window) ? f.window : null
  return html`<${Card} title=${`Report ${props.id}`} data-card="report" data-report=${props.id}
    actions=${html`<${DownloadLink} path=${`/reports/${props.id}/pdf`} data-action="report-pdf">Download PDF<//>
      <button type="button" class="btn btn-small btn-ghost" onClick=${props.onClose}>Close</button>`}>
    <${Status} res=${res} what="report" reload=${reload} />
    ${r ? html`<p class="muted small">${label(r.report_type)} report, ${when(r.time_range.from)} to ${when(r.time_range.to)}${win ? ` (${figure(win.hours)} h)` : ''}; made by ${r.created_by} at ${when(r.created_at)}.</p>
      <section class="narrative" data-narrative=${r.narrative ? 'yes' : 'no'}><h3>Summary</h3>
        ${r.narrative ? r.narrative.split(/\n{2,}/).map((p, i) => html`<p key=${i}>${p}</p>`)
          : html`<p class="muted">There is no written summary${r.narrative_error ? `: ${r.narrative_error.replace(/[.\s]*$/, '')}.` : '.'} The figures below are complete.</p>`}
      </section>
      ${Object.entries(f).filter(([k]) => !HIDDEN_FIGURES.has(k)).map(([k, v]) => html`<${FigureSection} key=${k} name=${k} data=${v} />`)}` : null}
  <//>`
}

export function EdgeReportsPage() {
  const operator = canCommand(useObservable(session)?.user.role)
  const [type, setType] = useState('performance')
  const [range, setRange] = useState('1h')
  const [generating, setGenerating] = useState(false)
  const [open, setOpen] = useState<number | null>(() => Number(new URLSearchParams(location.search).get('report')) || null)
  const [res, reload] = useApi<ReportSummary[]>('/reports?limit=50')
  const rows = loaded(res)
  const show = (id: number | null) => {
    history.replaceState(null, '', id ? `${location.pathname}?report=${id}` : location.pathname)
    setOpen(id)
  }
  const generate = async (e: Event) => {
    e.preventDefault()
    setGenerating(true)
    const r = await act('generate the report', () => api<Report>('/reports/generate', { method: 'POST', json: { report_type: type, time_range: range } }))
    setGenerating(false)
    if (r) {
      toast('success', `Report ${r.id} ready`, r.narrative ? undefined : 'Figures only: no written summary.')
      reload()
      show(r.id)
    }
  }
  return html`<div class="stack">
    ${operator ? html`<${Card} title="Generate a report" data-card="report-generate">
      <form class="filters" onSubmit=${generate} aria-busy=${generating ? 'true' : 'false'}>
        <label class="field"><span>Type</span><select name="report_type" value=${type} disabled=${generating} onChange=${(e: Event) => setType(value(e))}>
          ${REPORT_TYPES.map((t) => html`<option key=${t.value} value=${t.value}>${t.label}</option>`)}</select></label>
        <label class="field"><span>Window</span><select name="time_range" value=${range} disabled=${generating} onChange=${(e: Event) => setRange(value(e))}>
          ${WINDOWS.map((w) => html`<option key=${w.value} value=${w.value}>${w.label}</option>`)}</select></label>
        ${FLEET ? html`<p class="muted small">On the hub this reports on the whole fleet: a row per robot and the robots needing attention first.</p>` : null}
        <div class="filter-actions"><button type="submit" class="btn btn-primary" data-action="report-generate" disabled=${generating}>${generating ? 'Generating\u2026' : 'Generate'}</button></div>
      </form>
      ${generating ? html`<p class="muted small" role="status" data-state="generating"><span class="spinner" aria-hidden="true"></span> Collecting the figures and writing the summary; this can take up to half a minute.</p>` : null}
    <//>` : null}
    ${open ? html`<${ReportView} key=${open} id=${open} onClose=${() => show(null)} />` : null}
    <${Status} res=${res} what="reports" reload=${reload} />
    ${rows ? html`<${Card} title="Reports" data-card="reports">
      ${!rows.length ? html`<p class="muted" data-state="empty">No reports yet.${operator ? ' Generate one above.' : ''}</p>`
        : html`<div class="table-wrap"><table class="table" aria-label="Reports">
          <thead><tr><th scope="col">Report</th><th scope="col" class="hide-narrow">Window</th><th scope="col">Made</th><th scope="col" class="hide-narrow">Summary</th><th scope="col"><span class="sr-only">Open</span></th></tr></thead>
          <tbody>${rows.map((r) => html`<tr key=${r.id} data-report-row=${r.id}>
            <td>${label(r.report_type)} #${r.id}${FLEET ? html` <span class="muted small" data-report-scope=${r.scope ?? 'robot'}>${r.scope === 'fleet' ? 'fleet' : r.robot_id}</span>` : null}</td>
            <td class="hide-narrow nowrap">${when(r.time_range.from)} \u2013 ${when(r.time_range.to)}</td>
            <td class="nowrap">${when(r.created_at)} <span class="muted small">by ${r.created_by}</span></td>
            <td class="hide-narrow">${r.has_narrative ? 'yes' : html`<span class="muted">none</span>`}</td>
            <td><button type="button" class="btn btn-small" data-action="report-open" aria-label=${`Open report ${r.id}`} onClick=${() => show(r.id)}>Open</button></td>
          </tr>`)}</tbody></table></div>`}
    <//>` : null}
  </div>`
}
