// The frame around every logged-in page: header with the robot (or the fleet), connection,
// theme, user and the emergency stop; page navigation; banners; toasts.
import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { html } from '../lib/html.ts'
import { FLEET } from '../lib/mode.ts'
import { useObservable } from '../lib/observable.ts'
import { Link } from '../lib/router.ts'
import { logout, session } from '../lib/session.ts'
import type { LiveConnection } from '../live/live-connection.ts'
import { useLive } from '../live/use-live.ts'
import { useOptionalRobotSession, type RobotSession } from '../robot/robot-session.ts'
import { ConnectionBanner, ConnectionDot, RobotConnectionDot, RobotLinkBanner } from './connection-banner.ts'
import { EstopBanner, EstopButton } from './estop.ts'
import { ThemeToggle } from './theme-toggle.ts'
import { ToastRegion } from './toast-region.ts'

export interface NavItem {
  path: string
  title: string
  /** Starts a group of pages (the chosen robot's, on the hub). */
  heading?: string
}

function RobotName(props: { rs: RobotSession }) {
  const robot = useLive(props.rs.robot, 10, ['state'])
  const name = props.rs.robotId ?? robot.robotId
  return html`<span class="robot-id" title="Robot">${name || '\u2026'}</span>`
}

/** `live`: the connection this page's data comes over (none on pages without live data). */
export function Shell(props: { nav: NavItem[]; current: string; title: string; live: LiveConnection | null; children?: ComponentChildren }) {
  const rs = useOptionalRobotSession()
  const s = useObservable(session)
  const navRef = useRef<HTMLElement>(null)
  // On a phone the page list is a strip that scrolls sideways: keep the current page in view.
  useEffect(() => {
    navRef.current?.querySelector('[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' })
  }, [props.current])
  if (!s) return null
  const user = s.user
  const role = user.role
  return html`<div class="shell">
    <a class="skip-link" href="#main">Skip to content</a>
    <header class="topbar">
      <div class="brand">
        <${Link} href="/" class="brand-link" aria-label=${FLEET ? 'TonyPi Monitor, all robots' : 'TonyPi Monitor, overview'}><span class="logo" aria-hidden="true"></span><span class="brand-name">TonyPi</span><//>
        ${rs ? html`<${RobotName} rs=${rs} />` : html`<span class="robot-id fleet-label" title="The fleet">Fleet</span>`}
        ${rs ? html`<${RobotConnectionDot} rs=${rs} />` : props.live ? html`<${ConnectionDot} live=${props.live} />` : null}
      </div>
      <div class="topbar-actions">
        <${ThemeToggle} />
        <${Link} href="/account" class="user-link" title=${`${user.username} (${role})`}>
          <span class="avatar" aria-hidden="true">${user.username.slice(0, 1).toUpperCase()}</span>
          <span class="sr-only">Account of </span><span class="user-name">${user.username}</span> <span class="role-badge">${role}</span>
        <//>
        <button type="button" class="btn btn-ghost btn-small" onClick=${() => logout()}>Log out</button>
        ${rs ? html`<${EstopButton} />` : null}
      </div>
    </header>
    <nav class="sidenav" aria-label="Pages" ref=${navRef}>
      <ul>${props.nav.map((n) => [
        n.heading ? html`<li key=${`h:${n.heading}`} class="nav-heading" title=${n.heading}>${n.heading}</li>` : null,
        html`<li key=${n.path}><${Link} href=${n.path} current=${n.path === props.current}>${n.title}<//></li>`,
      ])}</ul>
    </nav>
    <main id="main" tabindex="-1">
      ${props.live ? html`<${ConnectionBanner} live=${props.live} />` : null}
      ${rs?.fleet ? html`<${RobotLinkBanner} rs=${rs} />` : null}
      ${rs ? html`<${EstopBanner} />` : null}
      <h1 class="page-title">${props.title}</h1>
      ${props.children}
    </main>
    <${ToastRegion} />
  </div>`
}
