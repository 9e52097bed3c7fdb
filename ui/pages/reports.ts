// Reports, the same page on the edge (one robot) and the hub (the fleet): generate one, read
// it, download its PDF, export the list (CSV, JSON), and for admins delete one. A report reads as its PDF does: the same sections, labels and digits
// (core/reports/report-layout.ts), tables that become cards on a phone.
import { useState } from 'preact/hooks'
import { REPORT_TYPE_LABEL, reportTypeLabel } from '../../core/reports/labels.ts'
import { REPORT_TYPES } from '../../core/reports/figures.ts'
import { reportBlocks, type ReportBlock } from '../../core/reports/report-layout.ts'
import type { AnyReport } from '../../core/reports/report.ts'
import { Card } from '../components/card.ts'
import { html } from '../lib/html.ts'
import { FLEET } from '../lib/mode.ts'
import { useObservable } from '../lib/observable.ts'
import { api, canCommand, session } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import { useApi } from '../lib/use-api.ts'
import { act, DownloadLink, loaded, RecordTable, Status, value, when } from './page-parts.ts'

interface ReportSummary {
  id: number
  report_type: string
  time_range: { from: number; to: number }
  created_at: number
  created_by: string
  has_narrative: boolean
  narrative_error: string | null
  /** The hub reports on one robot or on the fleet; the edge only on itself. */
  scope?: 'robot' | 'fleet'
  robot_id?: string | null
}

const WINDOWS = [
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
]

function Block(props: { b: ReportBlock }) {
  const { b } = props
  if (b.kind === 'facts') {
    return html`<section class="figures" data-figures=${b.key}><h3>${b.title}</h3>
      <${RecordTable} label=${b.title} class="table-kv" cards=${false}>
        <tbody>${b.rows.map(([k, v]) => html`<tr key=${k}><th scope="row">${k}</th><td>${v}</td></tr>`)}</tbody>
      <//>
      ${b.note ? html`<p class="muted small">${b.note}</p>` : null}</section>`
  }
  if (b.kind !== 'table') return null // the PDF's charts
  return html`<section class="figures" data-figures=${b.key}><h3>${b.title}</h3>
    ${b.intro ? html`<p>${b.intro}</p>` : null}
    ${
      b.rows.length
        ? html`<${RecordTable} label=${b.title}>
        <thead><tr>${b.columns.map((c) => html`<th scope="col" key=${c.title} class=${c.align === 'right' ? 'num' : ''}>${c.title}</th>`)}</tr></thead>
        <tbody>${b.rows.map((r, i) => html`<tr key=${i}>${r.map((cell, k) => html`<td key=${k} data-label=${b.columns[k].title} class=${b.columns[k].align === 'right' ? 'num' : ''}>${cell}</td>`)}</tr>`)}</tbody>
      <//>`
        : b.empty
          ? html`<p class="muted small">${b.empty}</p>`
          : null
    }
    ${b.note ? html`<p class="muted small">${b.note}</p>` : null}</section>`
}

function ReportView(props: { id: number; onClose: () => void }) {
  const [res, reload] = useApi<AnyReport>(`/reports/${props.id}`)
  const r = loaded(res)
  return html`<${Card} title=${`Report ${props.id}`} data-card="report" data-report=${props.id}
    actions=${html`<${DownloadLink} path=${`/reports/${props.id}/pdf`} data-action="report-pdf">Download PDF<//>
      <button type="button" class="btn btn-small btn-ghost" onClick=${props.onClose}>Close</button>`}>
    <${Status} res=${res} what="report" reload=${reload} />
    ${
      r
        ? html`<p class="muted small">${reportTypeLabel(r.report_type)} report${r.scope === 'fleet' ? ' on the fleet' : ''}, ${when(r.time_range.from)} to ${when(r.time_range.to)} (${r.figures.window.hours} h); made by ${r.created_by} at ${when(r.created_at)}.</p>
      <section class="narrative" data-narrative=${r.narrative ? 'yes' : 'no'}><h3>Summary</h3>
        ${
          r.narrative
            ? r.narrative.split(/\n{2,}/).map((p, i) => html`<p key=${i}>${p}</p>`)
            : html`<p class="muted">There is no written summary${r.narrative_error ? `: ${r.narrative_error.replace(/[.\s]*$/, '')}.` : '.'} The figures below are complete.</p>`
        }
      </section>
      ${reportBlocks(r).map((b, i) => html`<${Block} key=${i} b=${b} />`)}
      <p class="muted small">Times in the tables are UTC, as in the PDF${r.scope === 'fleet' ? ', which also has bar charts of the fleet' : ', which also charts each servo\u2019s temperature'}.</p>`
        : null
    }
  <//>`
}

/** Delete, after a second click that names the report. */
function DeleteReport(props: { id: number; onDeleted: () => void }) {
  const [asking, setAsking] = useState(false)
  const [busy, setBusy] = useState(false)
  const remove = async () => {
    setBusy(true)
    const ok = await act(`delete report ${props.id}`, () => api(`/reports/${props.id}`, { method: 'DELETE' }))
    setBusy(false)
    setAsking(false)
    if (ok) {
      toast('success', `Report ${props.id} deleted`)
      props.onDeleted()
    }
  }
  return asking
    ? html`<span class="inline-form">Delete #${props.id}? <button type="button" class="btn btn-small btn-danger" data-action="report-delete-confirm" disabled=${busy} onClick=${remove}>Delete</button>
        <button type="button" class="btn btn-small btn-ghost" onClick=${() => setAsking(false)}>Cancel</button></span>`
    : html`<button type="button" class="btn btn-small btn-ghost" data-action="report-delete" aria-label=${`Delete report ${props.id}`} onClick=${() => setAsking(true)}>Delete</button>`
}

export function ReportsPage() {
  const role = useObservable(session)?.user.role
  const operator = canCommand(role)
  const admin = role === 'admin'
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
    const r = await act('generate the report', () => api<AnyReport>('/reports/generate', { method: 'POST', json: { report_type: type, time_range: range } }))
    setGenerating(false)
    if (r) {
      toast('success', `Report ${r.id} ready`, r.narrative ? undefined : 'Figures only: no written summary.')
      reload()
      show(r.id)
    }
  }
  return html`<div class="stack">
    ${
      operator
        ? html`<${Card} title="Generate a report" data-card="report-generate">
      <form class="filters" onSubmit=${generate} aria-busy=${generating ? 'true' : 'false'}>
        <label class="field"><span>Type</span><select name="report_type" value=${type} disabled=${generating} onChange=${(e: Event) => setType(value(e))}>
          ${REPORT_TYPES.map((t) => html`<option key=${t} value=${t}>${REPORT_TYPE_LABEL[t]}</option>`)}</select></label>
        <label class="field"><span>Window</span><select name="time_range" value=${range} disabled=${generating} onChange=${(e: Event) => setRange(value(e))}>
          ${WINDOWS.map((w) => html`<option key=${w.value} value=${w.value}>${w.label}</option>`)}</select></label>
        ${FLEET ? html`<p class="muted small">On the hub this reports on the whole fleet: a row per robot and the robots needing attention first.</p>` : null}
        <div class="filter-actions"><button type="submit" class="btn btn-primary" data-action="report-generate" disabled=${generating}>${generating ? 'Generating\u2026' : 'Generate'}</button></div>
      </form>
      ${generating ? html`<p class="muted small" role="status" data-state="generating"><span class="spinner" aria-hidden="true"></span> Collecting the figures and writing the summary; this can take up to half a minute.</p>` : null}
    <//>`
        : null
    }
    ${open ? html`<${ReportView} key=${open} id=${open} onClose=${() => show(null)} />` : null}
    <${Status} res=${res} what="reports" reload=${reload} />
    ${
      rows
        ? html`<${Card} title="Reports" data-card="reports" actions=${html`<${DownloadLink} path="/reports/export/csv" data-export="reports-csv">Export CSV<//>
      <${DownloadLink} path="/reports/export/json" data-export="reports-json">Export JSON<//>`}>
      ${
        !rows.length
          ? html`<p class="muted" data-state="empty">No reports yet.${operator ? ' Generate one above.' : ''}</p>`
          : html`<${RecordTable} label="Reports">
          <thead><tr><th scope="col">Report</th><th scope="col">Window</th><th scope="col">Made</th><th scope="col">Summary</th><th scope="col"><span class="sr-only">Open</span></th></tr></thead>
          <tbody>${rows.map(
            (r) => html`<tr key=${r.id} data-report-row=${r.id}>
            <td data-label="Report">${reportTypeLabel(r.report_type)} #${r.id}${FLEET ? html` <span class="muted small" data-report-scope=${r.scope ?? 'robot'}>${r.scope === 'fleet' ? 'fleet' : r.robot_id}</span>` : null}</td>
            <td data-label="Window" class="nowrap">${when(r.time_range.from)} \u2013 ${when(r.time_range.to)}</td>
            <td data-label="Made" class="nowrap">${when(r.created_at)} <span class="muted small">by ${r.created_by}</span></td>
            <td data-label="Summary">${r.has_narrative ? 'yes' : html`<span class="muted">none</span>`}</td>
            <td data-label="" class="cell-actions"><button type="button" class="btn btn-small" data-action="report-open" aria-label=${`Open report ${r.id}`} onClick=${() => show(r.id)}>Open</button>
              ${
                admin
                  ? html`<${DeleteReport} id=${r.id} onDeleted=${() => {
                      if (open === r.id) show(null)
                      reload()
                    }} />`
                  : null
              }</td>
          </tr>`,
          )}</tbody>
        <//>`
      }
    <//>`
        : null
    }
  </div>`
}
