// The operator's action-group launcher: HiWonder's groups installed on the robot, each with
// Run (once, a few times or until stopped), the one playing with its progress and Stop.
// One motion at a time, as the robot enforces: while a group plays, Run waits for Stop.
// Outcomes come back as toasts through the command client.
import { Component } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { useLive } from '../live/use-live.ts'
import { describeFinished, describeProgress, progressPercent, type ActionPlaying } from '../robot/action-groups.ts'
import { useRobotSession } from '../robot/robot-session.ts'
import { Card } from './card.ts'
import { NotAvailable } from './not-available.ts'

const REPEATS: { value: number; label: string }[] = [
  { value: 1, label: 'Once' },
  { value: 2, label: '2 times' },
  { value: 3, label: '3 times' },
  { value: 5, label: '5 times' },
  { value: 10, label: '10 times' },
  { value: 0, label: 'Until stopped' },
]
/** A robot carries tens of groups; past this many the list gets a filter. */
const FILTER_FROM = 9
const WHY_ID = 'action-why'

function repeatText(repeat: number): string {
  return repeat === 0 ? ' until stopped' : repeat === 1 ? '' : ` \u00d7${repeat}`
}

function Playing(props: { p: ActionPlaying; onStop: () => void; stopping: boolean; disabled: boolean }) {
  const { p } = props
  const pct = progressPercent(p)
  const text = describeProgress(p)
  return html`<div class="action-now is-playing" data-playing=${p.name} data-frame=${p.frame} data-frames=${p.frames ?? ''}
      data-repetition=${p.repetition} data-repeat=${p.repeat ?? ''}>
    <div class="action-now-head">
      <span class="action-now-text"><span class="pill tone-ok">Playing</span> <strong>${p.name}</strong>
        <span class="action-frame" data-progress>${text}</span></span>
      <button type="button" class="btn btn-small btn-danger" data-action="action-stop" onClick=${props.onStop}
        disabled=${props.disabled || props.stopping} aria-label=${`Stop action group ${p.name}`}>${props.stopping ? 'Stopping\u2026' : 'Stop'}</button>
    </div>
    <div class="progress-track" role="progressbar" aria-label=${`Progress of ${p.name}`} aria-valuemin="0" aria-valuemax="100"
      aria-valuenow=${pct === null ? undefined : Math.round(pct)} aria-valuetext=${text}>
      <div class=${`progress-fill ${p.repeat === 0 ? 'is-loop' : ''}`} style=${`width:${pct ?? 0}%`}></div>
    </div>
  </div>`
}

function LauncherBody() {
  const rs = useRobotSession()
  const robot = useLive(rs.robot, 10, ['state'])
  const view = useObservable(rs.actions.view)
  const [repeat, setRepeat] = useState(1)
  const [sending, setSending] = useState<string | null>(null)
  const [stopping, setStopping] = useState(false)
  const [filter, setFilter] = useState('')
  useEffect(() => {
    void rs.actions.load()
  }, [rs])

  const { list, playing, last } = view
  // A stop is over when the group is; then the button is for the next one.
  useEffect(() => {
    if (!playing) setStopping(false)
  }, [playing?.name])

  const run = async (name: string) => {
    setSending(name)
    try {
      await rs.commands.send({ type: 'action.run', name, repeat }, `Run ${name}${repeatText(repeat)}`)
    } finally {
      setSending(null)
    }
  }
  const stop = async () => {
    if (!playing) return
    setStopping(true)
    const out = await rs.commands.send({ type: 'action.stop' }, `Stop ${playing.name}`)
    if (!out) setStopping(false)
  }

  const estopped = robot.estopped
  const why = estopped
    ? 'Emergency stop active: resume the robot to run action groups.'
    : playing
      ? `${playing.name} is playing: stop it before starting another (one motion at a time).`
      : null
  const runDisabled = estopped || !!playing || sending !== null

  const repeatControl = html`<label class="inline-field"><span>Repeat</span>
    <select name="repeat" value=${repeat} onChange=${(e: Event) => setRepeat(Number((e.target as HTMLSelectElement).value))}>
      ${REPEATS.map((r) => html`<option key=${r.value} value=${r.value}>${r.label}</option>`)}
    </select></label>`

  let body
  if (list.state === 'missing') {
    body = html`<${NotAvailable} what="Action groups">This robot's software has no action-group API in this version.<//>`
  } else if (list.state === 'error') {
    body = html`<p class="form-error" role="alert">Could not load the action groups: ${list.message}
      <button type="button" class="btn btn-small" onClick=${() => void rs.actions.load()}>Retry</button></p>`
  } else if (list.state !== 'ok') {
    body = html`<p class="muted" role="status">Loading action groups\u2026</p>`
  } else {
    const q = filter.trim().toLowerCase()
    const shown = q ? list.names.filter((n) => n.toLowerCase().includes(q)) : list.names
    body = html`
      ${
        list.error
          ? html`<p class="form-error">Could not read the action-group folder <code>${list.dir}</code>: ${list.error}</p>`
          : !list.names.length
            ? html`<p class="muted">No action groups (<code>.d6a</code> files) in <code>${list.dir}</code>.</p>`
            : null
      }
      ${
        list.names.length >= FILTER_FROM
          ? html`<input type="search" name="action-filter" placeholder="Filter" value=${filter}
        aria-label="Filter action groups by name" onInput=${(e: Event) => setFilter((e.target as HTMLInputElement).value)} />`
          : null
      }
      ${
        list.names.length
          ? html`<ul class="action-list" aria-label="Installed action groups">
        ${shown.map(
          (name) => html`<li key=${name} class=${`action-item ${playing?.name === name ? 'is-playing' : ''}`} data-action-group=${name}>
          <span class="action-name" title=${name}>${name}</span>
          <button type="button" class="btn btn-small" data-action="action-run" disabled=${runDisabled}
            aria-label=${`Run ${name}${repeat === 0 ? ' until stopped' : repeat === 1 ? ' once' : ` ${repeat} times`}`}
            aria-describedby=${why ? WHY_ID : undefined}
            onClick=${() => void run(name)}>${sending === name ? 'Starting\u2026' : 'Run'}</button>
        </li>`,
        )}
        ${q && !shown.length ? html`<li class="muted">No group matches \u201c${filter}\u201d.</li>` : null}
      </ul>`
          : null
      }
      <p class="muted small action-dir">${list.names.length} group${list.names.length === 1 ? '' : 's'} in <code>${list.dir}</code></p>`
  }

  return html`<${Card} title="Action groups" class="action-launcher" data-card="actions" data-estopped=${String(estopped)} actions=${repeatControl}>
    <span class="sr-only" aria-live="polite">${playing ? `Playing ${playing.name}` : last ? `Last: ${describeFinished(last)}` : ''}</span>
    ${why ? html`<p id=${WHY_ID} class=${estopped ? 'form-error' : 'muted small'} data-why=${estopped ? 'estopped' : 'playing'}>${why}</p>` : null}
    ${
      playing
        ? html`<${Playing} p=${playing} onStop=${stop} stopping=${stopping} disabled=${estopped} />`
        : html`<div class="action-now" data-playing="">
          <span class="muted">Nothing playing.</span>
          ${
            last
              ? html` <span class=${`action-last tone-${last.state === 'done' ? 'ok' : last.state === 'stopped' ? 'muted' : 'bad'}`}
            data-last=${last.name} data-last-state=${last.state}>Last: ${describeFinished(last)}.</span>`
              : null
          }
        </div>`
    }
    ${body}
  <//>`
}

/** Without props of its own, the launcher need not redraw with the servo grid around it (up
 * to 60 times a second): it redraws on its own state, action events and the e-stop. */
export class ActionLauncher extends Component {
  override shouldComponentUpdate() {
    return false
  }

  override render() {
    return html`<${LauncherBody} />`
  }
}
