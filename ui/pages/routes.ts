// The dashboard's pages, in navigation order. On the hub (fleet mode) the
// robots list is the home page and every robot page sits under /robots/<id>/.
import type { ComponentType } from 'preact'
import type { LiveRates, Role } from '../lib/types.ts'
import { AccountPage } from './account.ts'
import { HistoryPage } from './history.ts'
import { MonitoringPage } from './monitoring.ts'
import { AlertsPage } from './alerts.ts'
import { EdgeJobsPage } from './edge-jobs.ts'
import { EdgeLogsPage } from './edge-logs.ts'
import { ReportsPage } from './reports.ts'
import { OverviewPage } from './overview.ts'
import { JobsPage, LogsPage } from './records.ts'
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
  /** The live samples the page can show, per stream a second (core/live/protocol.ts); otherwise PAGE_RATES. */
  live?: LiveRates
}

/** A page that draws no live samples still shows the robot's name, its e-stop and whether its servos answer. */
export const PAGE_RATES: LiveRates = { servos: 1, imu: 0 }
/** The robots list shows each robot's state and battery: no servo or IMU samples at all. */
export const FLEET_LIST_RATES: LiveRates = { servos: 0, imu: 0 }
/** Numbers a person reads, and a posture: four a second. */
const OVERVIEW_RATES: LiveRates = { servos: 4, imu: 4 }
/** Sixteen sparklines 12 s wide (a few hundred pixels): ten points a second draw a smooth line. */
const SERVO_RATES: LiveRates = { servos: 5, imu: 0 }
/** The artificial horizon moves smoothly at 25 frames a second. */
const SENSOR_RATES: LiveRates = { servos: 1, imu: 25 }

export const ROUTES: PageRoute[] = [
  { path: '/', title: 'Overview', page: OverviewPage, live: OVERVIEW_RATES },
  { path: '/servos', title: 'Servos', page: ServosPage, live: SERVO_RATES },
  { path: '/sensors', title: 'Sensors', page: SensorsPage, live: SENSOR_RATES },
  { path: '/monitoring', title: 'Monitoring', page: MonitoringPage },
  { path: '/history', title: 'History', page: HistoryPage },
  { path: '/jobs', title: 'Jobs', page: EdgeJobsPage },
  { path: '/alerts', title: 'Alerts', page: AlertsPage },
  { path: '/logs', title: 'Logs', page: EdgeLogsPage },
  { path: '/reports', title: 'Reports', page: ReportsPage },
  { path: '/users', title: 'Users', page: UsersPage, minRole: 'admin' },
  { path: '/settings', title: 'Settings', page: SettingsPage },
  { path: '/account', title: 'Account', page: AccountPage, hidden: true },
]

/** Hub: the fleet's own pages. */
export const FLEET_ROUTES: PageRoute[] = [
  { path: '/', title: 'Robots', page: RobotsPage },
  { path: '/reports', title: 'Reports', page: ReportsPage },
  { path: '/users', title: 'Users', page: UsersPage, minRole: 'admin' },
  { path: '/settings', title: 'Settings', page: SettingsPage },
  { path: '/account', title: 'Account', page: AccountPage, hidden: true },
]

/** Hub: one robot's pages, at /robots/<id><path> (the overview at /robots/<id>). */
export const FLEET_ROBOT_ROUTES: PageRoute[] = [
  { path: '', title: 'Overview', page: OverviewPage, live: OVERVIEW_RATES },
  { path: '/servos', title: 'Servos', page: ServosPage, live: SERVO_RATES },
  { path: '/sensors', title: 'Sensors', page: SensorsPage, live: SENSOR_RATES },
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
