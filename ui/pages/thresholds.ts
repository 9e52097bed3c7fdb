// The alert thresholds on the settings page (edge: the robot's rules; hub: the fleet's rules):
// what each rule watches, on which side and at which levels, for how long; admins edit them.
// A 0/1 rule (a fall, a servo that does not answer) has no threshold, only the level it raises.
import { useEffect, useState } from 'preact/hooks'
import type { RuleRecord } from '../../core/alerts/record.ts'
import { Card } from '../components/card.ts'
import { num } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { FLEET } from '../lib/mode.ts'
import { useObservable } from '../lib/observable.ts'
import { api, session } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import { useApi } from '../lib/use-api.ts'
import { RecordTable, Status, value } from './page-parts.ts'

const numOrNull = (s: string): number | null => (s.trim() === '' ? null : Number(s))

type Level = 'warning' | 'critical' | 'off'

function draftOf(r: RuleRecord) {
  return {
    warning: r.warning?.toString() ?? '',
    critical: r.critical?.toString() ?? '',
    min_duration_s: String(r.min_duration_s),
    enabled: r.enabled,
    level: (r.critical !== null ? 'critical' : r.warning !== null ? 'warning' : 'off') as Level,
  }
}

/** "above", "below", or for a 0/1 rule the state it watches ("when it has fallen"). */
function when(r: RuleRecord): string {
  if (!r.states) return r.direction === 'high' ? 'above' : 'below'
  const on = r.states.on
  return `when it ${/^(has|is) /.test(on) ? on : `is ${on}`}`
}

function RuleRow(props: { rule: RuleRecord; admin: boolean; onSaved: (r: RuleRecord) => void }) {
  const r = props.rule
  const [draft, setDraft] = useState(() => draftOf(r))
  const [error, setError] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  useEffect(() => setDraft(draftOf(r)), [r.updated_at])
  const unit = r.states ? '' : r.unit
  const what = html`<strong>${r.label}</strong><div class="muted small">${r.meaning}${unit ? ` (${unit})` : ''}</div>`
  if (!props.admin) {
    const level = (v: number | null) => (r.states ? (v === null ? 'no' : 'yes') : num(v, 1, unit))
    return html`<tr data-rule=${r.metric}><td data-label="Rule">${what}</td><td data-label="When">${when(r)}</td>
      <td data-label="Warning">${level(r.warning)}</td><td data-label="Critical">${level(r.critical)}</td>
      <td data-label="For at least">${r.min_duration_s} s</td><td data-label="Enabled">${r.enabled ? 'on' : 'off'}</td></tr>`
  }
  const save = async (e: Event) => {
    e.preventDefault()
    const warning = r.states ? (draft.level === 'warning' ? 1 : null) : numOrNull(draft.warning)
    const critical = r.states ? (draft.level === 'critical' ? 1 : null) : numOrNull(draft.critical)
    const min = Number(draft.min_duration_s)
    if ([warning, critical, min].some((v) => v !== null && !Number.isFinite(v))) return setError('Thresholds must be numbers.')
    setSaving(true)
    setError(null)
    try {
      const saved = await api<RuleRecord>(`/alerts/rules/${encodeURIComponent(r.metric)}`, {
        method: 'PUT',
        json: { warning, critical, min_duration_s: min, enabled: draft.enabled },
      })
      props.onSaved(saved)
      toast('success', `Rule saved: ${r.label}`)
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setSaving(false)
    }
  }
  const field = (k: 'warning' | 'critical' | 'min_duration_s', what: string) => html`<input class="input-num" inputmode="decimal" name=${`${r.metric}-${k}`}
    aria-label=${`${r.label}: ${what}`} value=${draft[k]} onInput=${(e: Event) => setDraft({ ...draft, [k]: value(e) })} />`
  const levels = r.states
    ? html`<td data-label="Raises" colspan="2"><select name=${`${r.metric}-level`} aria-label=${`${r.label}: the level it raises`} value=${draft.level}
        onChange=${(e: Event) => setDraft({ ...draft, level: value(e) as Level })}>
        <option value="warning">a warning</option><option value="critical">a critical alert</option></select></td>`
    : html`<td data-label="Warning">${field('warning', `warning ${unit}`)}</td><td data-label="Critical">${field('critical', `critical ${unit}`)}</td>`
  return html`<tr data-rule=${r.metric}>
    <td data-label="Rule">${what}${error ? html`<div class="form-error small" role="alert">${error}</div>` : null}</td>
    <td data-label="When">${when(r)}</td>
    ${levels}
    <td data-label="For at least (s)">${field('min_duration_s', 'minimum duration, seconds')}</td>
    <td data-label="Enabled"><input type="checkbox" aria-label=${`${r.label}: enabled`} name=${`${r.metric}-enabled`} checked=${draft.enabled} onChange=${(e: Event) => setDraft({ ...draft, enabled: (e.target as HTMLInputElement).checked })} /></td>
    <td data-label="" class="cell-actions"><button type="button" class="btn btn-small" data-action="rule-save" disabled=${saving} onClick=${save}
      aria-label=${`Save the rule: ${r.label}`}>Save</button></td>
  </tr>`
}

export function ThresholdsCard() {
  const role = useObservable(session)?.user.role
  const admin = role === 'admin'
  const [res, reload] = useApi<RuleRecord[]>('/alerts/rules')
  const [rules, setRules] = useState<RuleRecord[] | null>(null)
  useEffect(() => {
    if (res.state === 'ok') setRules(res.data)
  }, [res])
  return html`<${Card} title="Alert thresholds" data-card="thresholds" class="card-wide">
    <${Status} res=${res} what="alert rules" reload=${reload} />
    ${
      rules
        ? html`<${RecordTable} label="Alert thresholds" class="table-rules">
      <thead><tr><th scope="col">Rule</th><th scope="col">When</th><th scope="col">Warning</th><th scope="col">Critical</th><th scope="col">For at least (s)</th><th scope="col">Enabled</th>${admin ? html`<th scope="col"><span class="sr-only">Save</span></th>` : null}</tr></thead>
      <tbody>${rules.map((r) => html`<${RuleRow} key=${r.metric} rule=${r} admin=${admin} onSaved=${(s: RuleRecord) => setRules(rules.map((x) => (x.metric === s.metric ? s : x)))} />`)}</tbody>
    <//>
    <p class="muted small">${FLEET ? "The hub's fleet rules, for every robot (a robot's own values are set through the API, PUT alerts/rules/{metric}?robot_id=). " : ''}${admin ? 'Leave a threshold empty to turn that level off. Changes apply at once and are kept across restarts.' : 'Admins change thresholds.'}</p>`
        : null
    }
  <//>`
}
