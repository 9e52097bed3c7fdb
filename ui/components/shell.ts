// The frame around every logged-in page: header with the robot, connection, theme, user
// and the emergency stop; page navigation; banners; toasts.
import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { html } from '../lib/html.ts'
import { Link } from '../lib/router.ts'
import { logout } from '../lib/session.ts'
import { useLive } from '../live/use-live.ts'
import { useRobotSession } from '../robot/robot-session.ts'
import { ConnectionBanner, ConnectionDot } from './connection-banner.ts'
import { EstopBanner, EstopButton } from './estop.ts'
import { ThemeToggle } from './theme-toggle.ts'
import { ToastRegion } from './toast-region.ts'

export interface NavItem {
  path: string
  title: string
}

function RobotName() {
  const robot = useLive(useRobotSession().robot, 10, ['state'])
  return html`<span class="robot-id" title="Robot">${robot.robotId || '\u2026'}</span>`
}

export function Shell(props: { nav: NavItem[]; current: string; title: string; children?: ComponentChildren }) {
  const rs = useRobotSession()
  const navRef = useRef<HTMLElement>(null)
  // On a phone the page list is a strip that scrolls sideways: keep the current page in view.
  useEffect(() => {
    navRef.current?.querySelector('[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' })
  }, [props.current])
  const user = rs.session.user
  return html`<div class="shell">
    <a class="skip-link" href="#main">Skip to content</a>
    <header class="topbar">
      <div class="brand">
        <${Link} href="/" class="brand-link" aria-label="TonyPi Monitor, overview"><span class="logo" aria-hidden="true"></span><span class="brand-name">TonyPi</span><//>
        <${RobotName} />
        <${ConnectionDot} />
      </div>
      <div class="topbar-actions">
        <${ThemeToggle} />
        <${Link} href="/account" class="user-link" title=${`${user.username} (${rs.role})`} aria-label=${`Account: ${user.username}, ${rs.role}`}>
          <span class="avatar" aria-hidden="true">${user.username.slice(0, 1).toUpperCase()}</span>
          <span class="user-name">${user.username}</span><span class="role-badge">${rs.role}</span>
        <//>
        <button type="button" class="btn btn-ghost btn-small" onClick=${() => logout()}>Log out</button>
        <${EstopButton} />
      </div>
    </header>
    <nav class="sidenav" aria-label="Pages" ref=${navRef}>
      <ul>${props.nav.map((n) => html`<li key=${n.path}><${Link} href=${n.path} current=${n.path === props.current}>${n.title}<//></li>`)}</ul>
    </nav>
    <main id="main" tabindex="-1">
      <${ConnectionBanner} />
      <${EstopBanner} />
      <h1 class="page-title">${props.title}</h1>
      ${props.children}
    </main>
    <${ToastRegion} />
  </div>`
}
