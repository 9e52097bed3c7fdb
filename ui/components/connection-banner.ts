// Says plainly when the live connection is down, so nobody mistakes frozen numbers for a
// still robot, and offers to retry at once.
import { useEffect, useState } from 'preact/hooks'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import type { LiveConnection } from '../live/live-connection.ts'

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

/** A dot in the header: live, connecting or offline. */
export function ConnectionDot(props: { live: LiveConnection }) {
  const { state } = useObservable(props.live.status)
  const label = state === 'open' ? 'Live' : state === 'reconnecting' ? 'Offline' : 'Connecting'
  return html`<span class=${`conn-dot conn-${state}`} data-connection=${state} title=${`Live connection: ${label}`}>
    <span class="dot" aria-hidden="true"></span><span class="conn-label">${label}</span>
  </span>`
}
