// The dashboard: the login page until someone logs in, then the robot's pages. A robot
// session (live connection and all) lives exactly as long as the login.
import { useEffect, useMemo } from 'preact/hooks'
import { Shell } from './components/shell.ts'
import { html } from './lib/html.ts'
import { useObservable } from './lib/observable.ts'
import { route } from './lib/router.ts'
import { session } from './lib/session.ts'
import { LoginPage } from './pages/login.ts'
import { allowed, ROUTES } from './pages/routes.ts'
import { RobotContext, RobotSession } from './robot/robot-session.ts'
import type { Session } from './lib/session.ts'

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
  useEffect(() => { document.title = `${title} \u00b7 TonyPi Monitor` }, [title])

  const Page = current && allowed(current, role) ? current.page : null
  return html`<${RobotContext.Provider} value=${rs}>
    <${Shell} nav=${visible.filter((r) => !r.hidden)} current=${path} title=${title}>
      ${Page ? html`<${Page} />`
        : current ? html`<p>This page is for ${current.minRole}s. Your role is ${role}.</p>`
        : html`<p>There is no page at <code>${path}</code>. <a href="/">Go to the overview</a>.</p>`}
    <//>
  <//>`
}

export function App() {
  const s = useObservable(session)
  useEffect(() => { if (!s) document.title = 'Log in \u00b7 TonyPi Monitor' }, [s])
  return s ? html`<${Dashboard} session=${s} />` : html`<${LoginPage} />`
}
