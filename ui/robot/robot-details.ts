// What people wrote about the robot (name, description, location, notes) on its overview, the
// edge's own and each of the hub's; admins edit it here (PUT robots/{id}, a blank clears).
import { useState } from 'preact/hooks'
import type { RobotDetails } from '../../core/robot-details.ts'
import { Card, Reading } from '../components/card.ts'
import type { ApiError } from '../lib/api.ts'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { api, session } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import { useApi } from '../lib/use-api.ts'
import type { RobotSession } from './robot-session.ts'

type Described = RobotDetails & { robot_id: string }

const FIELDS: { key: keyof RobotDetails; label: string; max: number; long?: boolean }[] = [
  { key: 'name', label: 'Name', max: 100 },
  { key: 'location', label: 'Location', max: 200 },
  { key: 'description', label: 'Description', max: 1000, long: true },
  { key: 'notes', label: 'Notes', max: 4000, long: true },
]

// Uncontrolled fields (defaultValue): the overview re-renders with every live frame, and a bound
// value would put back the stored text under the admin's typing.
function EditDetails(props: { robot: Described; onDone: (saved: boolean) => void }) {
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: SubmitEvent) => {
    e.preventDefault()
    const f = new FormData(e.currentTarget as HTMLFormElement)
    const json = Object.fromEntries(FIELDS.map((x) => [x.key, String(f.get(`robot-${x.key}`) ?? '')]))
    setBusy(true)
    setError(null)
    try {
      await api(`/robots/${encodeURIComponent(props.robot.robot_id)}`, { method: 'PUT', json })
      toast('success', 'Robot details saved')
      props.onDone(true)
    } catch (err) {
      setError((err as ApiError).message)
    } finally {
      setBusy(false)
    }
  }
  return html`<form class="form-grid" onSubmit=${submit} aria-label="Edit the robot's details" data-form="robot-details">
    ${error ? html`<p class="form-error" role="alert">${error}</p>` : null}
    ${FIELDS.map(
      (x) =>
        html`<label class="field" key=${x.key}><span>${x.label}</span>${
          x.long
            ? html`<textarea name=${`robot-${x.key}`} maxlength=${x.max} rows="3" defaultValue=${props.robot[x.key] ?? ''}></textarea>`
            : html`<input name=${`robot-${x.key}`} maxlength=${x.max} defaultValue=${props.robot[x.key] ?? ''} autocomplete="off" />`
        }</label>`,
    )}
    <div class="form-actions"><button type="submit" class="btn btn-primary" data-action="robot-details-save" disabled=${busy}>Save</button>
      <button type="button" class="btn btn-ghost" onClick=${() => props.onDone(false)}>Cancel</button></div>
  </form>`
}

export function RobotDetailsCard(props: { rs: RobotSession }) {
  const { rs } = props
  const admin = useObservable(session)?.user.role === 'admin'
  const [editing, setEditing] = useState(false)
  // The edge lists only itself; the hub answers for the robot named.
  const [res, reload] = useApi<Described | Described[]>(rs.robotId ? `/robots/${encodeURIComponent(rs.robotId)}` : '/robots')
  const data = res.state === 'ok' ? res.data : undefined
  const robot = Array.isArray(data) ? data[0] : data
  if (!robot) return null
  const any = FIELDS.some((x) => robot[x.key])
  return html`<${Card} title="About this robot" data-card="robot-details"
    actions=${admin && !editing ? html`<button type="button" class="btn btn-small btn-ghost" data-action="robot-details-edit" onClick=${() => setEditing(true)}>Edit</button>` : null}>
    ${
      editing
        ? html`<${EditDetails} robot=${robot} onDone=${(saved: boolean) => {
            setEditing(false)
            if (saved) reload()
          }} />`
        : any
          ? html`<div class="readings">${FIELDS.filter((x) => robot[x.key]).map((x) => html`<${Reading} key=${x.key} label=${x.label} value=${robot[x.key]} data-detail=${x.key} />`)}</div>`
          : html`<p class="muted small" data-state="empty">No name, location or notes yet.${admin ? ' Edit to add them.' : ' An admin can add them.'}</p>`
    }
  <//>`
}
