// The robot's own jobs on the edge: statistics, the list, and a new job that can run an action
// group. The edge's API uses snake_case and epoch milliseconds; the hub's record pages are
// records.ts.
import { useEffect, useState } from 'preact/hooks'
import { Card } from '../components/card.ts'
import { num } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { api, canCommand, session } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import { useApi } from '../lib/use-api.ts'
import { useRobotSession } from '../robot/robot-session.ts'
import { act, loaded, RecordTable, Status, useReloadOn, value, when } from './page-parts.ts'
import { JobStatsReadings, type JobStats } from './record-stats.ts'
import type { JobRecord as EdgeJob, JobStatus } from '../../core/job-record.ts'

const JOB_TONE: Record<JobStatus, string> = { queued: 'muted', started: 'muted', in_progress: 'warn', completed: 'ok', cancelled: 'muted', failed: 'bad' }
/** In the lifecycle's order; the type keeps it to the statuses core/job-event.ts declares. */
const JOB_STATUSES = Object.keys(JOB_TONE) as JobStatus[]

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
