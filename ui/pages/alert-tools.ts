// Above a robot's alert list, on the edge and the hub: the counts (GET alerts/stats), and for
// operators acknowledging every open alert the list's severity filter shows, and raising an
// alert of their own about something no rule can see.
import { useEffect, useState } from 'preact/hooks'
import { Card } from '../components/card.ts'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { api, canCommand, session } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import type { AlertRow } from '../lib/types.ts'
import { useApi } from '../lib/use-api.ts'
import type { RobotSession } from '../robot/robot-session.ts'
import { act, loaded, value } from './page-parts.ts'
import { AlertCounts, type AlertStats } from './record-stats.ts'

function RaiseAlert(props: { rs: RobotSession; onRaised: () => void }) {
  const [severity, setSeverity] = useState('warning')
  const [busy, setBusy] = useState(false)
  const submit = async (e: SubmitEvent) => {
    e.preventDefault()
    const form = e.currentTarget as HTMLFormElement
    const f = new FormData(form)
    const message = String(f.get('alert-message') ?? '').trim()
    const json = {
      ...(props.rs.robotId ? { robot_id: props.rs.robotId } : {}),
      severity,
      title: String(f.get('alert-title')).trim(),
      ...(message ? { message } : {}),
    }
    setBusy(true)
    const a = await act('raise the alert', () => api<AlertRow>('/alerts', { method: 'POST', json }))
    setBusy(false)
    if (a) {
      toast('success', 'Alert raised', a.title)
      form.reset()
      props.onRaised()
    }
  }
  return html`<form class="filters" onSubmit=${submit} aria-label="Raise an alert" data-form="raise-alert">
    <label class="field"><span>Severity</span><select name="alert-severity" value=${severity} onChange=${(e: Event) => setSeverity(value(e))}>
      <option value="info">Info</option><option value="warning">Warning</option><option value="critical">Critical</option></select></label>
    <label class="field"><span>What you saw</span><input name="alert-title" required maxlength="200" autocomplete="off" /></label>
    <label class="field"><span>Details (optional)</span><input name="alert-message" maxlength="2000" autocomplete="off" /></label>
    <div class="filter-actions"><button type="submit" class="btn" data-action="alert-raise" disabled=${busy}>Raise alert</button></div>
  </form>`
}

export function AlertTools(props: { rs: RobotSession; severity: string; reload: () => void }) {
  const { rs, severity } = props
  const operator = canCommand(useObservable(session)?.user.role)
  const [res, reloadStats] = useApi<AlertStats>(rs.path('/alerts/stats'))
  useEffect(() => rs.alerts.onChange(() => reloadStats()), [rs])
  const [busy, setBusy] = useState(false)
  const stats = loaded(res)
  const both = () => {
    reloadStats()
    props.reload()
  }
  const ackAll = async () => {
    setBusy(true)
    const json = { ...(rs.robotId ? { robot_id: rs.robotId } : {}), ...(severity ? { severity } : {}) }
    const r = await act('acknowledge the alerts', () => api<{ acknowledged: number }>('/alerts/acknowledge-all', { method: 'POST', json }))
    setBusy(false)
    if (r) toast('success', r.acknowledged ? `${r.acknowledged} alert${r.acknowledged === 1 ? '' : 's'} acknowledged` : 'Nothing to acknowledge')
    both()
  }
  const open = stats?.unacknowledged ?? 0
  return html`<${Card} title="Counts" data-card="alert-stats"
    actions=${
      operator
        ? html`<button type="button" class="btn btn-small" data-action="alert-ack-all" disabled=${busy || !open} onClick=${ackAll}
      title="Every open alert not yet acknowledged${severity ? ` of severity ${severity}` : ''}, recorded with your name">Acknowledge all${severity ? ` ${severity}` : ''}</button>`
        : null
    }>
    ${stats ? html`<${AlertCounts} stats=${stats} />` : html`<p class="muted" role="status">Loading\u2026</p>`}
    ${operator ? html`<details class="raise-alert"><summary>Raise an alert</summary><${RaiseAlert} rs=${rs} onRaised=${both} /></details>` : null}
  <//>`
}
