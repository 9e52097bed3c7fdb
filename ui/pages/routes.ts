// The dashboard's pages, in navigation order. On the hub (fleet mode) the
// robots list is the home page and every robot page sits under /robots/<id>/.
import type { ComponentType } from 'preact'
import { html } from '../lib/html.ts'
import type { Role } from '../lib/types.ts'
import { AccountPage } from './account.ts'
import { HistoryPage } from './history.ts'
import { MonitoringPage } from './monitoring.ts'
import { EdgeAlertsPage, EdgeJobsPage, EdgeLogsPage, EdgeReportsPage } from './operations.ts'
import { OverviewPage } from './overview.ts'
import { AlertsPage, JobsPage, LogsPage } from './records.ts'
import { RobotsPage } from './robots.ts'
import { SensorsPage } from './sensors.ts'
import { ServosPage } from './servos.ts'
import { SettingsPage } from './settings.ts'
import { UsersPage } from './users.ts'

export { parseRobotPath, robotPagePath } from '../lib/robot-paths.ts'

export interface PageRoute {
  path: string
  title: string
  page: ComponentType
  minRole?: Role
  /** Reached from the user menu rather than the page list. */
  hidden?: boolean
}

export const ROUTES: PageRoute[] = [
  { path: '/', title: 'Overview', page: OverviewPage },
  { path: '/servos', title: 'Servos', page: ServosPage },
  { path: '/sensors', title: 'Sensors', page: SensorsPage },
  { path: '/monitoring', title: 'Monitoring', page: MonitoringPage },
  { path: '/history', title: 'History', page: HistoryPage },
  { path: '/jobs', title: 'Jobs', page: EdgeJobsPage },
  { path: '/alerts', title: 'Alerts', page: EdgeAlertsPage },
  { path: '/logs', title: 'Logs', page: EdgeLogsPage },
  { path: '/reports', title: 'Reports', page: EdgeReportsPage },
  { path: '/users', title: 'Users', page: UsersPage, minRole: 'admin' },
  { path: '/settings', title: 'Settings', page: SettingsPage },
  { path: '/account', title: 'Account', page: AccountPage, hidden: true },
]

/** Hub: the fleet's own pages. */
export const FLEET_ROUTES: PageRoute[] = [
  { path: '/', title: 'Robots', page: RobotsPage },
  { path: '/reports', title: 'Reports', page: EdgeReportsPage },
  { path: '/users', title: 'Users', page: UsersPage, minRole: 'admin' },
  { path: '/settings', title: 'Settings', page: SettingsPage },
  { path: '/account', title: 'Account', page: AccountPage, hidden: true },
]

/** Hub: one robot's pages, at /robots/<id><path> (the overview at /robots/<id>). */
export const FLEET_ROBOT_ROUTES: PageRoute[] = [
  { path: '', title: 'Overview', page: OverviewPage },
  { path: '/servos', title: 'Servos', page: ServosPage },
  { path: '/sensors', title: 'Sensors', page: SensorsPage },
  { path: '/monitoring', title: 'Monitoring', page: MonitoringPage },
  { path: '/history', title: 'History', page: HistoryPage },
  { path: '/jobs', title: 'Jobs', page: JobsPage },
  { path: '/alerts', title: 'Alerts', page: AlertsPage },
  { path: '/logs', title: 'Logs', page: LogsPage },
]

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 }

export function allowed(route: PageRoute, role: Role): boolean {
  return !route.minRole || RANK[role] >= RANK[route.minRole]
}
