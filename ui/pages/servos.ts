// All servos live, and for operators the action-group launcher. The page itself redraws only
// when the servo list, the e-stop or the connection changes; each card writes its own readings
// as they come (servo-card.ts), and the feed sends no more than the cards can show.
import { useEffect, useState } from 'preact/hooks'
import { ActionLauncher } from '../components/action-launcher.ts'
import { ServoCard } from '../components/servo-card.ts'
import { html } from '../lib/html.ts'
import { canCommand } from '../lib/session.ts'
import { requestFrame } from '../live/frame-clock.ts'
import { useLive } from '../live/use-live.ts'
import type { RobotLive } from '../robot/robot-live.ts'
import { useRobotLink } from '../robot/robot-link.ts'
import { useRobotSession } from '../robot/robot-session.ts'
import { LINK_REASON_ID } from '../components/connection-banner.ts'

const DURATIONS = [300, 500, 1000, 2000]

/** "16 servos, 2 not answering": counted twice a second, and as servos go quiet without a word. */
function ServoSummary(props: { robot: RobotLive; offline: boolean }) {
  const robot = useLive(props.robot, 2, ['servos', 'roster'], { ageing: true })
  const stale = robot.servos.filter((s) => robot.isStale(s)).length
  return html`<p class="muted">${robot.servos.length} servos${props.offline ? html`, <strong>no live data</strong>` : stale ? html`, <strong class="tone-bad">${stale} not answering</strong>` : ''}. Positions in servo units (0..1000 over 240\u00b0); angles from centre.</p>`
}

export function ServosPage() {
  const rs = useRobotSession()
  const robot = useLive(rs.robot, 10, ['roster', 'state'])
  const [durationMs, setDuration] = useState(500)
  const controls = canCommand(rs.role)
  const link = useRobotLink(rs)
  const offline = !link.live
  const blocked = robot.estopped || !link.canCommand
  // A servo that goes quiet sends nothing that would wake the frame loop: look once a second.
  useEffect(() => {
    const t = setInterval(requestFrame, 1_000)
    return () => clearInterval(t)
  }, [])

  return html`<div class="page-servos">
    <div class="toolbar">
      <${ServoSummary} robot=${robot} offline=${offline} />
      ${
        controls
          ? html`<div class="toolbar-actions">
        <label class="inline-field"><span>Move time</span>
          <select value=${durationMs} onChange=${(e: Event) => setDuration(Number((e.target as HTMLSelectElement).value))}>
            ${DURATIONS.map((d) => html`<option key=${d} value=${d}>${d / 1000} s</option>`)}
          </select></label>
        <button type="button" class="btn btn-small" data-action="stop" disabled=${blocked}
          aria-describedby=${!link.canCommand && link.reason ? LINK_REASON_ID : undefined}
          onClick=${() => rs.commands.send({ type: 'stop' }, 'Stop motion')}>Stop motion</button>
      </div>`
          : null
      }
    </div>
    ${controls && !rs.fleet ? html`<${ActionLauncher} />` : null}
    ${!robot.seeded ? html`<p class="muted" role="status">Loading servos\u2026</p>` : null}
    <div class="servo-grid">
      ${robot.servos.map(
        (s) => html`<${ServoCard} key=${s.id} servo=${s} robot=${robot} offline=${offline} controls=${controls}
        durationMs=${durationMs} commands=${rs.commands} estopped=${blocked} />`,
      )}
    </div>
  </div>`
}
