// A robot's alerts, the same page on the edge and the hub (one record on both): filters kept
// in the URL, the list kept current by the live feed's alert events (open, escalated,
// acknowledged, resolved) as they happen, and for operators acknowledge and resolve.
import { useEffect, useRef, useState } from 'preact/hooks'
import { Card } from '../components/card.ts'
import { num } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { api, canCommand, session } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import type { AlertMessage, AlertRow } from '../lib/types.ts'
import { useApi } from '../lib/use-api.ts'
import { alertRecord, newestFirst } from '../robot/open-alerts.ts'
import { useRobotSession, type RobotSession } from '../robot/robot-session.ts'
import { AlertTools } from './alert-tools.ts'
import { act, loaded, RecordTable, Status, useQueryParam, value, when } from './page-parts.ts'

type Severity = AlertRow['severity']
const SEVERITY_TONE: Record<Severity, string> = { critical: 'bad', warning: 'warn', info: 'muted' }
const LIMIT = 200

export function SeverityBadge(props: { severity: Severity }) {
  return html`<span class=${`pill tone-${SEVERITY_TONE[props.severity] ?? 'muted'}`} data-severity=${props.severity}>${props.severity}</span>`
}

/** Acknowledge and resolve: the id being worked on, and the action, which toasts the outcome. */
function useAlertActions(reload: () => void): [number | null, (a: { id: number }, verb: 'acknowledge' | 'resolve') => Promise<void>] {
  const [busy, setBusy] = useState<number | null>(null)
  const run = async (a: { id: number }, verb: 'acknowledge' | 'resolve') => {
    setBusy(a.id)
    const done = await act(`${verb} the alert`, () => api<AlertRow>(`/alerts/${a.id}/${verb}`, { method: 'POST' }))
    setBusy(null)
    if (done) toast('success', verb === 'acknowledge' ? 'Alert acknowledged' : 'Alert resolved', done.title)
    // The live feed brings the change too; this covers a feed that is down.
    reload()
  }
  return [busy, run]
}

/** Severity, what, value against its line, when, state, and for operators acknowledge and resolve. */
export function AlertsTable(props: { rows: AlertRow[]; reload: () => void }) {
  const role = useObservable(session)?.user.role
  const operator = canCommand(role)
  const [busy, run] = useAlertActions(props.reload)
  return html`<${RecordTable} label="Alerts">
      <thead><tr><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">Value</th><th scope="col">Raised</th><th scope="col">State</th>${operator ? html`<th scope="col">Actions</th>` : null}</tr></thead>
      <tbody>${props.rows.map(
        (
          a,
        ) => html`<tr key=${a.id} data-alert=${a.id} data-type=${a.type} data-severity-now=${a.severity} data-state=${a.resolved ? 'resolved' : a.acknowledged ? 'acknowledged' : 'open'}>
        <td data-label="Severity"><${SeverityBadge} severity=${a.severity} /></td>
        <td data-label="Alert"><strong>${a.title}</strong><div class="muted small">${a.message}</div></td>
        <td data-label="Value">${a.value !== null ? `${num(a.value, 1)}${a.threshold !== null ? ` / ${num(a.threshold, 1)}` : ''}` : '\u2014'}</td>
        <td data-label="Raised" class="nowrap">${when(a.created_at)}</td>
        <td data-label="State">${a.resolved ? `Resolved ${when(a.resolved_at)}` : a.acknowledged ? `Acknowledged${a.acknowledged_by ? ` by ${a.acknowledged_by}` : ''}` : 'Open'}</td>
        ${
          operator
            ? html`<td data-label="" class="cell-actions">
          ${!a.acknowledged && !a.resolved ? html`<button type="button" class="btn btn-small" data-action="alert-ack" disabled=${busy === a.id} onClick=${() => run(a, 'acknowledge')}>Acknowledge</button>` : null}
          ${!a.resolved ? html`<button type="button" class="btn btn-small" data-action="alert-resolve" disabled=${busy === a.id} onClick=${() => run(a, 'resolve')}>Resolve</button>` : null}
        </td>`
            : null
        }
      </tr>`,
      )}</tbody>
    <//>
    ${!operator ? html`<p class="muted small">Operators acknowledge and resolve alerts; your role (${role}) can read them.</p>` : null}`
}

/** The alert as `rows` should now show it: in place, added, or gone when it no longer matches. */
function folded(rows: AlertRow[], m: AlertMessage, matches: (a: AlertRow) => boolean): AlertRow[] {
  const row = alertRecord(m)
  const rest = rows.filter((r) => r.id !== row.id)
  return matches(row) ? [...rest, row].sort(newestFirst).slice(0, LIMIT) : rest
}

/**
 * The alerts a filtered list shows: loaded once per filter, then kept by the live feed (and
 * loaded again after a reconnection, since events sent meanwhile are gone).
 */
function useAlertRows(rs: RobotSession, params: Record<string, string>, matches: (a: AlertRow) => boolean) {
  const [res, reload] = useApi<AlertRow[]>(rs.path('/alerts', { ...params, limit: String(LIMIT) }))
  const [rows, setRows] = useState<AlertRow[] | undefined>(undefined)
  const match = useRef(matches)
  match.current = matches
  useEffect(() => {
    if (res.state === 'ok') setRows(res.data)
    else if (res.state === 'loading') setRows(undefined)
  }, [res])
  useEffect(() => rs.alerts.onChange((m) => setRows((prev) => (prev ? folded(prev, m, match.current) : prev))), [rs])
  const link = useObservable(rs.live.status).state
  const wasOpen = useRef(link === 'open')
  useEffect(() => {
    if (link === 'open' && !wasOpen.current) reload()
    wasOpen.current = link === 'open'
  }, [link])
  return { res, rows: rows ?? loaded(res), reload }
}

export function AlertsPage() {
  const rs = useRobotSession()
  const [state, setState] = useQueryParam('state', 'open')
  const [severity, setSeverity] = useQueryParam('severity', '')
  const params: Record<string, string> = {}
  if (state !== 'all') params.resolved = state === 'resolved' ? 'true' : 'false'
  if (severity) params.severity = severity
  const matches = (a: AlertRow) => (state === 'all' || a.resolved === (state === 'resolved')) && (!severity || a.severity === severity)
  const { res, rows, reload } = useAlertRows(rs, params, matches)
  const whose = rs.robotId ? ` of ${rs.robotId}` : ''
  const title = state === 'open' ? `Open alerts${whose}` : state === 'resolved' ? `Resolved alerts${whose}` : `All alerts${whose}`
  return html`<div class="stack">
    <${AlertTools} rs=${rs} severity=${severity} reload=${reload} />
    <form class="filters" onSubmit=${(e: Event) => {
      e.preventDefault()
      reload()
    }}>
      <label class="field"><span>Show</span>
        <select name="state" value=${state} onChange=${(e: Event) => setState(value(e))}>
          <option value="open">Open</option><option value="resolved">Resolved</option><option value="all">All</option>
        </select></label>
      <label class="field"><span>Severity</span>
        <select name="severity" value=${severity} onChange=${(e: Event) => setSeverity(value(e))}>
          <option value="">Any</option><option value="critical">Critical</option><option value="warning">Warning</option><option value="info">Info</option>
        </select></label>
      <div class="filter-actions"><button type="submit" class="btn">Refresh</button></div>
    </form>
    <${Status} res=${res} what="alerts" reload=${reload} />
    ${
      rows
        ? html`<${Card} title=${title} data-card="alerts-list">
      ${
        !rows.length
          ? html`<p class="muted" data-state="empty">${state === 'open' ? 'No open alerts: every rule is within its limits.' : 'No alerts match.'}</p>`
          : html`<${AlertsTable} rows=${rows} reload=${reload} />`
      }
      ${rows.length >= LIMIT ? html`<p class="muted small">The newest ${LIMIT} are shown.</p>` : null}
    <//>`
        : null
    }
  </div>`
}
