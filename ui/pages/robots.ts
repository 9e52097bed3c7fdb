// The fleet at a glance (hub only): every registered robot with its online state, when it
// was last heard, its battery, open alerts and sync lag; a way into each robot's pages; an
// emergency stop per robot for operators; and for admins, registering robots and rotating or
// revoking their credentials. A credential's token is shown once, right after it is issued.
import { useEffect, useRef, useState } from 'preact/hooks'
import { Card, Reading } from '../components/card.ts'
import { GrafanaPanels } from '../components/grafana-panels.ts'
import { FleetJobStats } from '../fleet/fleet-job-stats.ts'
import { robotLabel, statusView } from '../fleet/fleet-status.ts'
import { useFleetSession, type FleetSession } from '../fleet/fleet-session.ts'
import type { ApiError } from '../lib/api.ts'
import { ago, duration, num } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { Link } from '../lib/router.ts'
import { api, canCommand, session } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import type { FleetRobot, RobotCredential, Role } from '../lib/types.ts'
import { CommandClient } from '../robot/commands.ts'
import { RobotLive } from '../robot/robot-live.ts'
import { catchUpText } from '../robot/sync-card.ts'
import type { RobotSyncStatus } from '../../sync/status.ts'

const CONFIRM_MS = 6_000
const ROBOT_ID_PATTERN = '[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}'

interface IssuedCredential extends RobotCredential {
  robot_id: string
  kind: 'registered' | 'rotated'
}

const robotPath = (id: string, page = '') => `/robots/${encodeURIComponent(id)}${page}`

/** A robot's sync in one line: up to date, catching up (and how long), behind, never synced. */
function SyncReading(props: { sync: RobotSyncStatus | undefined }) {
  const s = props.sync
  if (!s?.synced)
    return html`<${Reading} label="Sync" value="no history yet" tone="muted" hint="The robot has not sent a sync batch to this hub" data-sync="never" />`
  if (s.dropped.total)
    return html`<${Reading} label="Sync" value=${`${s.dropped.total.toLocaleString()} samples lost`} tone="bad" hint=${s.dropped.reason ?? undefined} data-sync="dropped" />`
  if (s.catching_up && s.progress)
    return html`<${Reading} label="Sync" value=${catchUpText(s.progress.records_left, s.rate_per_s)} tone="warn" data-sync="catching-up" />`
  const lag = s.lag_ms ?? 0
  return html`<${Reading} label="Sync" value=${lag > 10_000 ? `${duration(Math.round(lag / 1000))} behind` : 'up to date'} tone=${lag > 60_000 ? 'warn' : 'ok'}
    hint=${`Last batch ${ago(s.last_batch_at)}`} data-sync=${lag > 10_000 ? 'behind' : 'synced'} data-sync-lag=${lag} />`
}

/** A button that asks once more before doing something hard to undo. */
function ConfirmButton(props: {
  label: string
  confirm: string
  action: string
  danger?: boolean
  disabled?: boolean
  onConfirm: () => Promise<void>
  describe: string
}) {
  const [asking, setAsking] = useState(false)
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    if (!asking) return
    const t = setTimeout(() => setAsking(false), CONFIRM_MS)
    return () => clearTimeout(t)
  }, [asking])
  if (!asking) {
    return html`<button type="button" class="btn btn-small btn-ghost" data-action=${props.action} disabled=${props.disabled || busy}
      aria-label=${props.describe} onClick=${() => setAsking(true)}>${props.label}</button>`
  }
  const go = async () => {
    setBusy(true)
    try {
      await props.onConfirm()
    } finally {
      setBusy(false)
      setAsking(false)
    }
  }
  return html`<span class="inline-form confirm-row">
    <button type="button" class=${`btn btn-small ${props.danger ? 'btn-danger' : 'btn-primary'}`} data-action=${`${props.action}-confirm`} disabled=${busy} onClick=${go}>${props.confirm}</button>
    <button type="button" class="btn btn-small btn-ghost" onClick=${() => setAsking(false)}>Cancel</button>
  </span>`
}

/** The one-time display of a robot's credential. */
function CredentialPanel(props: { cred: IssuedCredential; onDone: () => void }) {
  const { cred } = props
  const ref = useRef<HTMLElement>(null)
  const tokenRef = useRef<HTMLElement>(null)
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' })
    ref.current?.focus({ preventScroll: true })
  }, [cred])
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(cred.token)
      toast('success', 'Token copied', `Paste it into ${cred.robot_id}'s configuration now.`)
    } catch {
      // No clipboard (plain http on another host): select it for the user to copy.
      const sel = getSelection()
      if (sel && tokenRef.current) {
        sel.selectAllChildren(tokenRef.current)
      }
      toast('info', 'Token selected', 'Copy it with Ctrl+C (or long-press on a phone).')
    }
  }
  return html`<section class="credential" ref=${ref} tabindex="-1" role="alert" aria-labelledby="credential-title" data-credential=${cred.robot_id}>
    <h2 id="credential-title">${cred.kind === 'registered' ? `${cred.robot_id} is registered.` : `New credential for ${cred.robot_id}.`} Copy its token now.</h2>
    <p><strong>This token is shown only once.</strong> The hub keeps only a hash of it: if it is lost, rotate the credential to issue a new one${cred.kind === 'rotated' ? '; the previous token no longer works' : ''}.</p>
    <dl class="credential-fields">
      <div><dt>Username</dt><dd><code data-credential-username>${cred.username}</code></dd></div>
      <div><dt>Token</dt><dd><code class="credential-token" ref=${tokenRef} data-credential-token>${cred.token}</code></dd></div>
    </dl>
    <p class="muted small">The robot connects to the hub's MQTT broker with this username, and the token as its password; it may publish only under <code>tonypi/${cred.robot_id}/</code>.</p>
    <div class="inline-form">
      <button type="button" class="btn btn-primary" data-action="copy-token" onClick=${copy}>Copy token</button>
      <button type="button" class="btn" data-action="credential-done" onClick=${props.onDone}>I have saved it</button>
    </div>
  </section>`
}

function RobotCard(props: { robot: FleetRobot; fleet: FleetSession; role: Role; onCredential: (c: IssuedCredential) => void }) {
  const { robot: r, fleet } = props
  const status = fleet.statusOf(r)
  const view = statusView(status, r.revoked)
  const seen = fleet.lastSeen(r)
  const battery = fleet.battery.get(r.robot_id)
  const alerts = fleet.alertCounts()
  const open = alerts ? (alerts.byRobot.get(r.robot_id) ?? 0) : undefined
  const capped = alerts?.capped
  const admin = props.role === 'admin'
  const id = r.robot_id
  const commands = useRef<CommandClient | null>(null)
  const estop = () => {
    commands.current ??= new CommandClient(new RobotLive(), id)
    void commands.current.send({ type: 'estop' }, `Emergency stop ${id}`)
  }
  const run = (what: string, fn: () => Promise<unknown>) => async () => {
    try {
      await fn()
      toast('success', what)
    } catch (err) {
      toast('error', `${what}: failed`, (err as ApiError).message)
    }
    void fleet.refresh()
  }
  const rotate = async () => {
    try {
      const res = await api<{ robot_id: string; credential: RobotCredential }>(`${robotPath(id)}/credential/rotate`, { method: 'POST' })
      props.onCredential({ ...res.credential, robot_id: id, kind: 'rotated' })
    } catch (err) {
      toast('error', `Rotate the credential of ${id}: failed`, (err as ApiError).message)
    }
    void fleet.refresh()
  }
  const pct = battery?.percent ?? null
  // A robot that is not online shows its last known battery, greyed: it may have changed since;
  // and takes no command, since none can reach it (the hub never queues one for later).
  const current = status === 'online' || status === 'emergency_stopped'
  const unreachable =
    status === 'unknown' && seen === null ? `${id} has never connected: commands cannot reach it.` : `${id} is offline: commands cannot reach it.`
  return html`<article class=${`robot-card tone-edge-${view.tone}`} data-robot-id=${id} data-status=${r.revoked ? 'revoked' : status} aria-label=${`Robot ${robotLabel(r)}: ${view.label}`}>
    <header class="robot-head">
      <${Link} href=${robotPath(id)} class="robot-link"><strong>${r.name || id}</strong>${r.name && r.name !== id ? html`<span class="robot-sub">${id}</span>` : null}<//>
      <span class=${`pill tone-${view.tone}`} data-status-label title=${r.status_source ?? undefined}>${view.label}</span>
    </header>
    ${r.authenticated === false ? html`<p class="form-error small" role="note" data-unauthenticated>Not authenticated: ${id} runs the earlier Python client and is admitted by its id alone on the hub's listener for earlier clients. Anyone who reaches that port can speak as it.</p>` : null}
    ${r.location ? html`<p class="muted small" data-location>${r.location}</p>` : null}
    <div class="readings">
      <${Reading} label="Last seen" value=${ago(seen)} data-last-seen=${seen ?? ''} />
      <${Reading} label="Battery" value=${battery ? `${num(pct, 0, '%')}${battery.voltage_v !== null ? ` \u00b7 ${num(battery.voltage_v, 2, 'V')}` : ''}` : '\u2014'}
        tone=${!battery || !current ? 'muted' : pct === null ? undefined : pct < 15 ? 'bad' : pct < 30 ? 'warn' : 'ok'} data-battery=${pct ?? ''}
        hint=${battery ? `Reported ${ago(battery.ts)}` : 'Nothing reported since the hub started'} />
      <${Reading} label="Open alerts" value=${open === undefined ? '\u2014' : `${open}${capped ? '+' : ''}`} tone=${open ? 'warn' : open === 0 ? 'ok' : 'muted'} data-open-alerts=${open ?? ''} />
      <${SyncReading} sync=${fleet.sync.get(id)} />
    </div>
    <div class="robot-actions">
      <${Link} href=${robotPath(id)} class="btn btn-small" aria-label=${`Open ${id}`}>Open<//>
      <${Link} href=${robotPath(id, '/servos')} class="btn btn-small btn-ghost" aria-label=${`Servos of ${id}`}>Servos<//>
      ${
        canCommand(props.role) && !r.revoked
          ? html`<button type="button" class="estop estop-small" data-action="estop" data-robot-id=${id}
        aria-label=${`Emergency stop ${id}: halt all its servos now`} title=${current ? `Emergency stop ${id}` : unreachable} onClick=${estop}
        disabled=${!current} aria-describedby=${current ? undefined : `unreachable-${id}`}>
        <span class="estop-icon" aria-hidden="true"></span><span class="estop-text">Stop</span></button>`
          : null
      }
    </div>
    ${canCommand(props.role) && !r.revoked && !current ? html`<p class="muted small" id=${`unreachable-${id}`} data-unreachable>${unreachable}</p>` : null}
    ${
      admin
        ? html`<details class="robot-manage">
      <summary>Manage ${id}</summary>
      <p class="muted small">Broker account <code>${r.credential_username}</code>${r.revoked ? ', revoked: the robot cannot connect until a new credential is issued' : ''}.</p>
      <div class="inline-form">
        <${ConfirmButton} label=${r.revoked ? 'Issue a new credential' : 'Rotate credential'} confirm=${r.revoked ? 'Issue it' : 'Rotate: the old token stops working'} action="rotate"
          describe=${`Rotate the credential of ${id}`} onConfirm=${rotate} />
        ${
          r.revoked
            ? null
            : html`<${ConfirmButton} label="Revoke" confirm=${`Revoke: ${id} is cut off`} action="revoke" danger
          describe=${`Revoke the credential of ${id}`} onConfirm=${run(`Credential of ${id} revoked`, () => api(`${robotPath(id)}/credential/revoke`, { method: 'POST' }))} />`
        }
        <${ConfirmButton} label="Delete" confirm=${`Delete ${id} and its records`} action="delete" danger
          describe=${`Delete robot ${id}`} onConfirm=${run(`Robot ${id} deleted`, () => api(robotPath(id), { method: 'DELETE' }))} />
      </div>
    </details>`
        : null
    }
  </article>`
}

function RegisterRobot(props: { onIssued: (c: IssuedCredential) => void }) {
  const fleet = useFleetSession()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: SubmitEvent) => {
    e.preventDefault()
    const form = e.currentTarget as HTMLFormElement
    const f = new FormData(form)
    const robotId = String(f.get('robot_id') ?? '').trim()
    const name = String(f.get('robot_name') ?? '').trim()
    setBusy(true)
    setError(null)
    try {
      const r = await api<FleetRobot & { credential: RobotCredential }>('/robots', { method: 'POST', json: { robot_id: robotId, ...(name ? { name } : {}) } })
      form.reset()
      props.onIssued({ ...r.credential, robot_id: r.robot_id, kind: 'registered' })
      void fleet.refresh()
    } catch (err) {
      setError((err as ApiError).message)
    } finally {
      setBusy(false)
    }
  }
  return html`<${Card} title="Register a robot" data-card="register-robot">
    <form class="form-grid" onSubmit=${submit} aria-label="Register a robot">
      ${error ? html`<p class="form-error" role="alert">${error}</p>` : null}
      <label class="field"><span>Robot id (as configured on the robot)</span>
        <input name="robot_id" required maxlength="64" pattern=${ROBOT_ID_PATTERN} autocomplete="off" autocapitalize="none" spellcheck=${false}
          title="Letters, digits, dot, dash and underscore; starts with a letter or digit" /></label>
      <label class="field"><span>Name (optional)</span><input name="robot_name" maxlength="100" autocomplete="off" /></label>
      <div class="form-actions"><button type="submit" class="btn btn-primary" disabled=${busy}>Register robot</button></div>
    </form>
    <p class="muted small">The hub issues the robot a broker credential and shows its token once.</p>
  <//>`
}

function Summary(props: { robots: FleetRobot[]; fleet: FleetSession }) {
  const counts = { online: 0, emergency_stopped: 0, offline: 0, unknown: 0, revoked: 0 }
  for (const r of props.robots) {
    if (r.revoked) counts.revoked++
    else counts[props.fleet.statusOf(r)]++
  }
  const parts = [
    [counts.online, 'online', 'ok'],
    [counts.emergency_stopped, 'stopped', 'bad'],
    [counts.offline, 'offline', 'bad'],
    [counts.unknown, 'not connected yet', 'muted'],
    [counts.revoked, 'revoked', 'muted'],
  ] as const
  return html`<p class="fleet-summary" data-summary>
    <strong>${props.robots.length} robot${props.robots.length === 1 ? '' : 's'}</strong>
    ${parts.filter(([n]) => n > 0).map(([n, label, tone]) => html`<span key=${label} class=${`pill tone-${tone}`}>${n} ${label}</span>`)}
  </p>`
}

export function RobotsPage() {
  const fleet = useFleetSession()
  const list = useObservable(fleet.list)
  useObservable(fleet.alerts.view)
  useObservable(fleet.version)
  const role: Role = useObservable(session)?.user.role ?? 'viewer'
  const [cred, setCred] = useState<IssuedCredential | null>(null)
  // "Last seen" ages even when nothing arrives.
  const [, tick] = useState(0)
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 1_000)
    return () => clearInterval(t)
  }, [])
  const robots = list.state === 'loading' ? undefined : list.data
  return html`<div class="stack page-robots">
    ${cred ? html`<${CredentialPanel} cred=${cred} onDone=${() => setCred(null)} />` : null}
    ${
      list.state === 'error'
        ? html`<p class="form-error" role="alert">Could not load the robots: ${list.message}
      <button type="button" class="btn btn-small" onClick=${() => void fleet.refresh()}>Try again</button></p>`
        : null
    }
    ${
      !robots
        ? html`<p class="muted" role="status">Loading robots\u2026</p>`
        : !robots.length
          ? html`<div class="not-available" data-state="empty"><strong>No robots are registered on this hub yet.</strong>
          <p class="muted">${role === 'admin' ? 'Register one below: the hub issues it a credential for the broker.' : 'An admin registers robots; they appear here with their state.'}</p></div>`
          : html`<${Summary} robots=${robots} fleet=${fleet} />
        <div class="robot-grid">${robots.map((r) => html`<${RobotCard} key=${r.robot_id} robot=${r} fleet=${fleet} role=${role} onCredential=${setCred} />`)}</div>
        <${FleetJobStats} />`
    }
    ${role === 'admin' ? html`<${RegisterRobot} onIssued=${setCred} />` : null}
    <${GrafanaPanels} dashboard="fleet" title="The fleet in Grafana" />
  </div>`
}
