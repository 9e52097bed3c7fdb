// Says plainly when the live connection is down, so nobody mistakes frozen numbers for a
// still robot, and offers to retry at once.
import { useEffect, useState } from 'preact/hooks'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import type { LiveConnection } from '../live/live-connection.ts'
import { useRobotLink, type RobotLink, type RobotLinkState } from '../robot/robot-link.ts'
import type { RobotSession } from '../robot/robot-session.ts'

export function ConnectionBanner(props: { live: LiveConnection }) {
  const status = useObservable(props.live.status)
  const [, tick] = useState(0)
  useEffect(() => {
    if (status.state !== 'reconnecting') return
    const t = setInterval(() => tick((n) => n + 1), 500)
    return () => clearInterval(t)
  }, [status.state])
  if (status.state !== 'reconnecting') return null
  const secs = status.retryAt ? Math.max(0, Math.ceil((status.retryAt - Date.now()) / 1000)) : 0
  const lostFor = status.lostAt ? Math.round((Date.now() - status.lostAt) / 1000) : 0
  return html`<div class="conn-banner" role="status" data-state="reconnecting">
    <span class="spinner" aria-hidden="true"></span>
    <span><strong>Connection lost, reconnecting\u2026</strong>
      <span class="muted"> Live data stopped ${lostFor}s ago; attempt ${status.attempt}${secs ? `, next in ${secs}s` : ''}. Values shown may be out of date.</span></span>
    <button type="button" class="btn btn-small" onClick=${() => props.live.retryNow()}>Retry now</button>
  </div>`
}

const LINK_LABEL: Record<RobotLinkState, string> = {
  live: 'Live',
  connecting: 'Connecting',
  lost: 'Offline',
  offline: 'Robot offline',
  never: 'Never connected',
  revoked: 'Revoked',
}

function Dot(props: { state: string; link: RobotLink | null; label: string; tone: string }) {
  return html`<span class=${`conn-dot conn-${props.tone}`} data-connection=${props.state} data-link=${props.link?.state ?? ''} title=${props.link?.reason ?? `Live connection: ${props.label}`}>
    <span class="dot" aria-hidden="true"></span><span class="conn-label">${props.label}</span>
  </span>`
}

/** A dot in the header: live, connecting or offline. */
export function ConnectionDot(props: { live: LiveConnection }) {
  const { state } = useObservable(props.live.status)
  const label = state === 'open' ? 'Live' : state === 'reconnecting' ? 'Offline' : 'Connecting'
  return html`<${Dot} state=${state} link=${null} label=${label} tone=${state} />`
}

/** The dot for a robot's pages: live only when its readings are (on the hub: the robot is online). */
export function RobotConnectionDot(props: { rs: RobotSession }) {
  const { state } = useObservable(props.rs.live.status)
  const link = useRobotLink(props.rs)
  const tone = link.live ? 'open' : link.state === 'connecting' ? 'connecting' : 'reconnecting'
  return html`<${Dot} state=${state} link=${link} label=${LINK_LABEL[link.state]} tone=${tone} />`
}

/** Hub: the robot is offline, never connected or revoked. Said above every page of it, as the
 * edge says a lost connection: what is shown is its last word, and commands cannot reach it. */
export function RobotLinkBanner(props: { rs: RobotSession }) {
  const link = useRobotLink(props.rs)
  const [, tick] = useState(0)
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 10_000) // "last seen 5 min ago" ages
    return () => clearInterval(t)
  }, [])
  if (link.state !== 'offline' && link.state !== 'never' && link.state !== 'revoked') return null
  return html`<div class="conn-banner" role="status" data-state=${`robot-${link.state}`} id=${LINK_REASON_ID}>
    <span><strong>${LINK_LABEL[link.state]}.</strong> <span class="muted">${link.reason}</span></span>
  </div>`
}

/** The element that says why commands are off, for controls to point at (aria-describedby). */
export const LINK_REASON_ID = 'robot-link-reason'
