// The emergency stop, on every page for operators and admins, and the banner that says the
// robot is stopped (to everyone) with the way back for those allowed to take it.
import { useState } from 'preact/hooks'
import { html } from '../lib/html.ts'
import { canCommand } from '../lib/session.ts'
import { useLive } from '../live/use-live.ts'
import { useRobotSession } from '../robot/robot-session.ts'

export function EstopButton() {
  const rs = useRobotSession()
  const [sending, setSending] = useState(false)
  if (!canCommand(rs.role)) return null
  // Never disabled: pressing again while a first press is in flight must still go out.
  const press = async () => {
    setSending(true)
    try {
      await rs.commands.send({ type: 'estop' }, 'Emergency stop')
    } finally {
      setSending(false)
    }
  }
  return html`<button type="button" class="estop" data-action="estop" onClick=${press}
    aria-label="Emergency stop: halt all servos now" title="Emergency stop: halt all servos now">
    <span class="estop-icon" aria-hidden="true"></span><span class="estop-text">${sending ? 'Stopping' : 'Stop'}</span>
  </button>`
}

export function EstopBanner() {
  const rs = useRobotSession()
  const robot = useLive(rs.robot, 10, ['state'])
  if (!robot.estopped) return null
  const resume = () => rs.commands.send({ type: 'resume' }, 'Resume')
  return html`<div class="estop-banner" role="alert" data-state="estopped">
    <strong>Emergency stop active.</strong>
    <span>${robot.estopReason ? `Stopped ${robot.estopReason}.` : 'The robot is stopped.'} Only resume is accepted.</span>
    ${canCommand(rs.role) ? html`<button type="button" class="btn" data-action="resume" onClick=${resume}>Resume robot</button>` : null}
  </div>`
}
