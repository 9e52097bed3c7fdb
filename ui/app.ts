// The dashboard: the login page until someone logs in, then the pages. On the edge, one
// robot's pages, with a robot session (live connection and all) that lives exactly as long
// as the login. On the hub (fleet mode), the robots list and the fleet's pages, and under
// /robots/<id>/ the same robot pages scoped to the chosen robot, with a session per robot.
import type { ComponentType } from 'preact'
import { useEffect, useMemo } from 'preact/hooks'
import { Shell, type NavItem } from './components/shell.ts'
import { FleetContext, FleetSession } from './fleet/fleet-session.ts'
import { html } from './lib/html.ts'
import { FLEET } from './lib/mode.ts'
import { useObservable } from './lib/observable.ts'
import { route } from './lib/router.ts'
import { session } from './lib/session.ts'
import type { Role } from './lib/types.ts'
import { LoginPage } from './pages/login.ts'
import {
  allowed,
  FLEET_LIST_RATES,
  FLEET_ROBOT_ROUTES,
  FLEET_ROUTES,
  PAGE_RATES,
  parseRobotPath,
  robotPagePath,
  ROUTES,
  type PageRoute,
} from './pages/routes.ts'
import { RobotContext, RobotSession } from './robot/robot-session.ts'
import type { Session } from './lib/session.ts'

function usePageTitle(title: string) {
  useEffect(() => {
    document.title = `${title} \u00b7 TonyPi Monitor`
  }, [title])
}

function Content(props: { current: PageRoute | undefined; role: Role; path: string; home: string }) {
  const { current, role } = props
  const Page: ComponentType | null = current && allowed(current, role) ? current.page : null
  return Page
    ? html`<${Page} />`
    : current
      ? html`<p>This page is for ${current.minRole}s. Your role is ${role}.</p>`
      : html`<p>There is no page at <code>${props.path}</code>. <a href=${props.home}>Go to the ${FLEET ? 'robots list' : 'overview'}</a>.</p>`
}

function Dashboard(props: { session: Session }) {
  const path = useObservable(route)
  // Keyed on the token: a role change refreshes the user, not the connection.
  const rs = useMemo(() => new RobotSession(props.session), [props.session.token])
  useEffect(() => {
    rs.start()
    return () => rs.stop()
  }, [rs])
  const role = props.session.user.role
  const visible = ROUTES.filter((r) => allowed(r, role))
  const current = ROUTES.find((r) => r.path === path)
  const title = !current ? 'Page not found' : allowed(current, role) ? current.title : 'Not allowed'
  usePageTitle(title)
  const rates = current?.live ?? PAGE_RATES
  useEffect(() => rs.setLiveRates(rates), [rs, rates])

  return html`<${RobotContext.Provider} value=${rs}>
    <${Shell} nav=${visible.filter((r) => !r.hidden)} current=${path} title=${title} live=${rs.live}>
      <${Content} current=${current} role=${role} path=${path} home="/" />
    <//>
  <//>`
}

/** Hub: a robot page whose robot the hub does not know. */
function RobotGate(props: { rs: RobotSession; current: PageRoute | undefined; role: Role; path: string }) {
  const info = useObservable(props.rs.info)
  if (info === 'missing') {
    return html`<div class="not-available" data-state="no-robot"><strong>There is no robot ${props.rs.robotId} on this hub.</strong>
      <p class="muted">It may have been deleted, or the link is mistyped. <a href="/">See all robots</a>.</p></div>`
  }
  return html`<${Content} current=${props.current} role=${props.role} path=${props.path} home="/" />`
}

function FleetDashboard(props: { session: Session }) {
  const path = useObservable(route)
  const robotPath = parseRobotPath(path)
  const robotId = robotPath?.robotId ?? null
  const onList = !robotPath && (path === '/' || path === '/robots')
  // One session per chosen robot (its live feed filtered to it); the fleet's feed only while
  // the robots list is open: nothing else needs every robot's samples.
  const rs = useMemo(() => (robotId ? new RobotSession(props.session, robotId) : null), [props.session.token, robotId])
  const fleet = useMemo(() => (onList ? new FleetSession(props.session) : null), [props.session.token, onList])
  useEffect(() => {
    if (!rs) return
    rs.start()
    return () => rs.stop()
  }, [rs])
  useEffect(() => {
    if (!fleet) return
    fleet.start()
    return () => fleet.stop()
  }, [fleet])

  const role = props.session.user.role
  const page = robotPath ? robotPath.page : null
  const current = page !== null ? FLEET_ROBOT_ROUTES.find((r) => r.path === page) : FLEET_ROUTES.find((r) => r.path === (onList ? '/' : path))
  const title = !current ? 'Page not found' : allowed(current, role) ? current.title : 'Not allowed'
  usePageTitle(robotId ? `${title} \u00b7 ${robotId}` : title)
  const rates = current?.live ?? PAGE_RATES
  useEffect(() => rs?.setLiveRates(rates), [rs, rates])
  useEffect(() => fleet?.live.setRates(FLEET_LIST_RATES), [fleet])

  const fleetNav = FLEET_ROUTES.filter((r) => allowed(r, role) && !r.hidden)
  const nav: NavItem[] = [
    fleetNav[0],
    ...(robotId ? FLEET_ROBOT_ROUTES.map((r, i) => ({ path: robotPagePath(robotId, r.path), title: r.title, heading: i === 0 ? robotId : undefined })) : []),
    ...fleetNav.slice(1).map((r, i) => ({ ...r, heading: robotId && i === 0 ? 'Fleet' : undefined })),
  ]
  const currentPath = robotId && current ? robotPagePath(robotId, current.path) : onList ? '/' : path

  const shell = html`<${Shell} nav=${nav} current=${currentPath} title=${title} live=${rs?.live ?? fleet?.live ?? null}>
    ${rs ? html`<${RobotGate} rs=${rs} current=${current} role=${role} path=${path} />` : html`<${Content} current=${current} role=${role} path=${path} home="/" />`}
  <//>`
  return html`<${RobotContext.Provider} value=${rs}>
    <${FleetContext.Provider} value=${fleet}>${shell}<//>
  <//>`
}

export function App() {
  const s = useObservable(session)
  useEffect(() => {
    if (!s) document.title = 'Log in \u00b7 TonyPi Monitor'
  }, [s])
  if (!s) return html`<${LoginPage} />`
  return FLEET ? html`<${FleetDashboard} session=${s} />` : html`<${Dashboard} session=${s} />`
}
