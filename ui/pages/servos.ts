// All servos live, and for operators the action-group launcher. The page re-renders at
// most once per frame however fast samples come; the launcher only on action events.
import { useState } from 'preact/hooks'
import { ActionLauncher } from '../components/action-launcher.ts'
import { ServoCard } from '../components/servo-card.ts'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { canCommand } from '../lib/session.ts'
import { useLive } from '../live/use-live.ts'
import { useRobotSession } from '../robot/robot-session.ts'

const DURATIONS = [300, 500, 1000, 2000]

export function ServosPage() {
  const rs = useRobotSession()
  const robot = useLive(rs.robot, 60, ['servos', 'state'])
  const [durationMs, setDuration] = useState(500)
  const controls = canCommand(rs.role)
  // The hub cannot list a robot's action groups (no such API): the launcher is on the robot's own dashboard.
  const now = performance.now()
  const stale = robot.servos.filter((s) => robot.isStale(s, now)).length
  const offline = useObservable(rs.live.status).state !== 'open'

  return html`<div class="page-servos">
    <div class="toolbar">
      <p class="muted">${robot.servos.length} servos${offline ? html`, <strong>no live data</strong>` : stale ? html`, <strong class="tone-bad">${stale} not answering</strong>` : ''}. Positions in servo units (0..1000 over 240\u00b0); angles from centre.</p>
      ${controls ? html`<div class="toolbar-actions">
        <label class="inline-field"><span>Move time</span>
          <select value=${durationMs} onChange=${(e: Event) => setDuration(Number((e.target as HTMLSelectElement).value))}>
            ${DURATIONS.map((d) => html`<option key=${d} value=${d}>${d / 1000} s</option>`)}
          </select></label>
        <button type="button" class="btn btn-small" data-action="stop" disabled=${robot.estopped}
          onClick=${() => rs.commands.send({ type: 'stop' }, 'Stop motion')}>Stop motion</button>
      </div>` : null}
    </div>
    ${controls && !rs.fleet ? html`<${ActionLauncher} />` : null}
    ${robot.unheard ? html`<p class="muted" role="status" data-state="unheard">Nothing heard from ${rs.robotId} since the hub started. Its servos appear here as soon as it reports.</p>`
      : !robot.seeded ? html`<p class="muted" role="status">Loading servos\u2026</p>` : null}
    <div class="servo-grid">
      ${robot.servos.map((s) => html`<${ServoCard} key=${s.id} servo=${s} stale=${robot.isStale(s, now)} offline=${offline} controls=${controls}
        durationMs=${durationMs} commands=${rs.commands} estopped=${robot.estopped} />`)}
    </div>
  </div>`
}
