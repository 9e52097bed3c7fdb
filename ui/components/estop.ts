// The emergency stop, on every page for operators and admins, and the banner that says the
// robot is stopped (to everyone) with the way back for those allowed to take it.
import { useState } from 'preact/hooks'
import { html } from '../lib/html.ts'
import { canCommand } from '../lib/session.ts'
import { useLive } from '../live/use-live.ts'
import { useRobotLink } from '../robot/robot-link.ts'
import { useRobotSession } from '../robot/robot-session.ts'
import { LINK_REASON_ID } from './connection-banner.ts'

export function EstopButton() {
  const rs = useRobotSession()
  const link = useRobotLink(rs)
  const [sending, setSending] = useState(false)
  if (!canCommand(rs.role)) return null
  // Never disabled while a press is in flight (pressing again must still go out); only when no
  // command can reach the robot (the hub says it is offline), and then it says why.
  const unreachable = !link.canCommand
  const press = async () => {
    setSending(true)
    try {
      await rs.commands.send({ type: 'estop' }, 'Emergency stop')
    } finally {
      setSending(false)
    }
  }
  return html`<button type="button" class="estop" data-action="estop" onClick=${press} disabled=${unreachable}
    aria-label="Emergency stop: halt all servos now" title=${unreachable ? (link.reason ?? undefined) : 'Emergency stop: halt all servos now'}
    aria-describedby=${unreachable && link.reason ? LINK_REASON_ID : undefined}>
    <span class="estop-icon" aria-hidden="true"></span><span class="estop-text">${sending ? 'Stopping' : 'Stop'}</span>
  </button>`
}

export function EstopBanner() {
  const rs = useRobotSession()
  const robot = useLive(rs.robot, 10, ['state'])
  const link = useRobotLink(rs)
  if (!robot.estopped) return null
  const resume = () => rs.commands.send({ type: 'resume' }, 'Resume')
  return html`<div class="estop-banner" role="alert" data-state="estopped">
    <strong>Emergency stop active.</strong>
    <span>${robot.estopReason ? `Stopped ${robot.estopReason}.` : 'The robot is stopped.'} Only resume is accepted.</span>
    ${
      canCommand(rs.role)
        ? html`<button type="button" class="btn" data-action="resume" onClick=${resume} disabled=${!link.canCommand}
      aria-describedby=${!link.canCommand && link.reason ? LINK_REASON_ID : undefined}>Resume robot</button>`
        : null
    }
  </div>`
}
