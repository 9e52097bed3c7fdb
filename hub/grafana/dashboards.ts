// The fleet's Grafana dashboards: fleet overview, robot detail, servo health, alerts and jobs.
// Time series come from InfluxDB (measurements of hub/influx/line-protocol.ts), fleet records
// from PostgreSQL (tables of hub/db/schema.ts). Every query is raw text, listed in
// PANEL_QUERIES, so a test runs each one against real databases with fixture data.

import {
  INFLUX,
  bargauge,
  barchart,
  dashboard,
  influx,
  piechart,
  queryVariable,
  sql,
  stat,
  table,
  timeseries,
  type Dashboard,
  type DatasourceKind,
  type Threshold,
} from './panels.ts'
import { OPERATIONS } from './operations.ts'

const green = (value: number | null = null): Threshold => ({ color: 'green', value })
const orange = (value: number): Threshold => ({ color: 'orange', value })
const red = (value: number | null = null): Threshold => ({ color: 'red', value })

/**
 * Colour bands, one set for every dashboard.
 * - Servo temperature: warn 60, critical 70 C, well below the LX servos' own over-temperature
 *   cut-out (85 C by default in HiWonder's protocol), so a robot can be stopped before a joint
 *   goes limp mid-step.
 * - Servo voltage (low side): critical under 4.5 V, the LX servos' default input-voltage floor;
 *   warn under 4.8 V, the bottom of the normal readings on the controller board (LEGACY.md), so a
 *   healthy robot is never painted orange (the earlier system's 5.5 V alarm always fired).
 * - Battery (low side): warn 30 %, critical 15 %: time to walk the robot to a charger.
 * - Pi CPU temperature: warn 70, critical 80 C, where the Pi's firmware starts throttling.
 * - CPU 70 / 90 %, memory 75 / 90 %: sustained load that slows the collector's poll loop.
 */
export const THRESHOLDS = {
  servoTemperatureC: [green(), orange(60), red(70)],
  servoVoltageV: [red(), orange(4.5), green(4.8)],
  batteryPercent: [red(), orange(15), green(30)],
  cpuTemperatureC: [green(), orange(70), red(80)],
  cpuPercent: [green(), orange(70), red(90)],
  memPercent: [green(), orange(75), red(90)],
} as const satisfies Record<string, Threshold[]>

const ROBOT = `"robot_id" = '$robot'`
const robotVariable = queryVariable('robot', 'Robot', INFLUX, 'SHOW TAG VALUES FROM "battery" WITH KEY = "robot_id"')

/** mean(field) per interval for one robot, one series per `by` tag (or one series). */
function perInterval(measurement: string, fields: Record<string, string>, opts: { by?: string; robot?: boolean } = {}): string {
  const cols = Object.entries(fields)
    .map(([alias, expr]) => `${expr} AS "${alias}"`)
    .join(', ')
  const where = [...(opts.robot === false ? [] : [ROBOT]), '$timeFilter'].join(' AND ')
  const group = ['time($__interval)', ...(opts.by ? [`"${opts.by}"`] : [])].join(', ')
  return `SELECT ${cols} FROM "${measurement}" WHERE ${where} GROUP BY ${group} fill(null)`
}

const mean = (f: string) => `mean("${f}")`
const last = (f: string) => `last("${f}")`

export const FLEET_OVERVIEW: Dashboard = dashboard({
  uid: 'tonypi-fleet',
  title: 'TonyPi fleet overview',
  description: 'Every robot at a glance: who is online, batteries, Pi temperatures and open alerts.',
  panels: [
    stat('Robots online', sql(`SELECT count(*) AS "online" FROM robots WHERE status = 'online' AND revoked_at IS NULL`), { unit: 'none', decimals: 0 }),
    stat('Open alerts', sql('SELECT count(*) AS "open" FROM alerts WHERE NOT resolved'), { unit: 'none', decimals: 0, thresholds: [green(), orange(1)] }),
    stat('Critical alerts', sql(`SELECT count(*) AS "critical" FROM alerts WHERE NOT resolved AND severity = 'critical'`), {
      unit: 'none',
      decimals: 0,
      thresholds: [green(), red(1)],
    }),
    stat('Jobs running', sql(`SELECT count(*) AS "running" FROM jobs WHERE status IN ('started', 'in_progress')`), { unit: 'none', decimals: 0 }),
    bargauge('Battery now', influx([`SELECT last("percent") AS "percent" FROM "battery" WHERE $timeFilter GROUP BY "robot_id"`], { alias: '$tag_robot_id' }), {
      unit: 'percent',
      min: 0,
      max: 100,
      thresholds: THRESHOLDS.batteryPercent,
    }),
    timeseries('Battery', influx([perInterval('battery', { percent: mean('percent') }, { by: 'robot_id', robot: false })], { alias: '$tag_robot_id' }), {
      unit: 'percent',
      min: 0,
      max: 100,
      thresholds: THRESHOLDS.batteryPercent,
    }),
    timeseries(
      'Pi CPU temperature',
      influx([perInterval('performance', { cpu_temp_c: mean('cpu_temp_c') }, { by: 'robot_id', robot: false })], { alias: '$tag_robot_id' }),
      { unit: 'celsius', thresholds: THRESHOLDS.cpuTemperatureC, showThresholds: true },
    ),
    timeseries(
      'Pi CPU usage',
      influx([perInterval('performance', { cpu_percent: mean('cpu_percent') }, { by: 'robot_id', robot: false })], { alias: '$tag_robot_id' }),
      { unit: 'percent', min: 0, max: 100, thresholds: THRESHOLDS.cpuPercent },
    ),
    table('Robots', sql(`SELECT robot_id, name, profile, status, status_source, last_seen_at FROM robots WHERE revoked_at IS NULL ORDER BY robot_id`)),
  ],
})

export const ROBOT_DETAIL: Dashboard = dashboard({
  uid: 'tonypi-robot',
  title: 'TonyPi robot detail',
  description: "One robot: its servos, IMU, battery, the Pi's health and network, its alerts and jobs.",
  variables: [robotVariable],
  panels: [
    stat('Battery', influx([`SELECT last("percent") FROM "battery" WHERE ${ROBOT} AND $timeFilter`]), {
      unit: 'percent',
      min: 0,
      max: 100,
      thresholds: THRESHOLDS.batteryPercent,
    }),
    stat('Battery voltage', influx([`SELECT last("voltage_v") FROM "battery" WHERE ${ROBOT} AND $timeFilter`]), { unit: 'volt', decimals: 2 }),
    stat('Pi CPU temperature', influx([`SELECT last("cpu_temp_c") FROM "performance" WHERE ${ROBOT} AND $timeFilter`]), {
      unit: 'celsius',
      thresholds: THRESHOLDS.cpuTemperatureC,
    }),
    stat('Uptime', influx([`SELECT last("uptime_s") FROM "performance" WHERE ${ROBOT} AND $timeFilter`]), { unit: 's' }),
    // LX positions are 0..1000 over 240 degrees with 500 at centre (core/units.ts).
    timeseries(
      'Servo angles',
      influx([perInterval('servos', { angle: '(mean("position") - 500) * 0.24' }, { by: 'servo_id' })], { alias: 'servo $tag_servo_id' }),
      { unit: 'degree', min: -120, max: 120 },
    ),
    timeseries(
      'Servo temperatures',
      influx([perInterval('servos', { temperature_c: mean('temperature_c') }, { by: 'servo_id' })], { alias: 'servo $tag_servo_id' }),
      { unit: 'celsius', thresholds: THRESHOLDS.servoTemperatureC, showThresholds: true },
    ),
    timeseries('Servo voltages', influx([perInterval('servos', { voltage_v: mean('voltage_v') }, { by: 'servo_id' })], { alias: 'servo $tag_servo_id' }), {
      unit: 'volt',
      thresholds: THRESHOLDS.servoVoltageV,
    }),
    timeseries('Battery level', influx([perInterval('battery', { percent: mean('percent') })], { alias: '$col' }), {
      unit: 'percent',
      min: 0,
      max: 100,
      thresholds: THRESHOLDS.batteryPercent,
      showThresholds: true,
    }),
    timeseries('IMU acceleration', influx([perInterval('imu', { ax: mean('ax'), ay: mean('ay'), az: mean('az') })], { alias: '$col' }), { unit: 'accMS2' }),
    timeseries('IMU rotation rate', influx([perInterval('imu', { gx: mean('gx'), gy: mean('gy'), gz: mean('gz') })], { alias: '$col' }), { unit: 'rotdegs' }),
    timeseries(
      'Pi CPU, memory and disk',
      influx([perInterval('performance', { cpu: mean('cpu_percent'), memory: mean('mem_percent'), disk: mean('disk_percent') })], { alias: '$col' }),
      { unit: 'percent', min: 0, max: 100, thresholds: THRESHOLDS.cpuPercent },
    ),
    timeseries(
      'Pi temperatures',
      influx([perInterval('performance', { cpu: mean('cpu_temp_c') }), perInterval('imu', { imu: mean('temp_c') })], { alias: '$col' }),
      { unit: 'celsius', thresholds: THRESHOLDS.cpuTemperatureC, showThresholds: true },
    ),
    timeseries('Memory used', influx([perInterval('performance', { used: mean('mem_used_bytes'), total: last('mem_total_bytes') })], { alias: '$col' }), {
      unit: 'bytes',
      min: 0,
    }),
    timeseries(
      'Load average',
      influx([perInterval('performance', { '1 min': mean('load_1'), '5 min': mean('load_5'), '15 min': mean('load_15') })], { alias: '$col' }),
      { unit: 'short', min: 0 },
    ),
    timeseries('Network throughput', influx([perInterval('network', { received: mean('net_rx_bps'), sent: mean('net_tx_bps') })], { alias: '$col' }), {
      unit: 'Bps',
      min: 0,
    }),
    timeseries('Network totals', influx([perInterval('network', { received: last('net_rx_bytes'), sent: last('net_tx_bytes') })], { alias: '$col' }), {
      unit: 'bytes',
      min: 0,
    }),
    table(
      'Alerts',
      sql(`SELECT created_at AS "time", severity, type, source, title, message, value, threshold, acknowledged, resolved, resolved_at
FROM alerts WHERE robot_id = '$robot' AND $__timeFilter(created_at) ORDER BY created_at DESC LIMIT 200`),
      { w: 12 },
    ),
    table(
      'Jobs',
      sql(`SELECT started_at AS "time", task_name, status, percent, items_done, items_total, finished_at, reason
FROM jobs WHERE robot_id = '$robot' AND $__timeFilter(started_at) ORDER BY started_at DESC LIMIT 200`),
      { w: 12 },
    ),
  ],
})

export const SERVO_HEALTH: Dashboard = dashboard({
  uid: 'tonypi-servo-health',
  title: 'TonyPi servo health',
  description: 'Temperature and supply voltage of every servo, against the limits that matter.',
  variables: [robotVariable],
  panels: [
    timeseries(
      'Servo temperature',
      influx([perInterval('servos', { temperature_c: mean('temperature_c') }, { by: 'servo_id' })], { alias: 'servo $tag_servo_id' }),
      { unit: 'celsius', thresholds: THRESHOLDS.servoTemperatureC, showThresholds: true },
    ),
    timeseries('Servo voltage', influx([perInterval('servos', { voltage_v: mean('voltage_v') }, { by: 'servo_id' })], { alias: 'servo $tag_servo_id' }), {
      unit: 'volt',
      thresholds: THRESHOLDS.servoVoltageV,
      showThresholds: true,
    }),
    bargauge(
      'Hottest reading per servo',
      influx([`SELECT max("temperature_c") AS "temperature_c" FROM "servos" WHERE ${ROBOT} AND $timeFilter GROUP BY "servo_id"`], {
        alias: 'servo $tag_servo_id',
      }),
      { unit: 'celsius', min: 20, max: 85, thresholds: THRESHOLDS.servoTemperatureC },
    ),
    bargauge(
      'Lowest voltage per servo',
      influx([`SELECT min("voltage_v") AS "voltage_v" FROM "servos" WHERE ${ROBOT} AND $timeFilter GROUP BY "servo_id"`], { alias: 'servo $tag_servo_id' }),
      { unit: 'volt', min: 4, max: 8.4, decimals: 2, thresholds: THRESHOLDS.servoVoltageV },
    ),
    table(
      'Every servo in the fleet',
      influx(
        [
          `SELECT max("temperature_c") AS "max_temperature_c", mean("temperature_c") AS "mean_temperature_c", min("voltage_v") AS "min_voltage_v" FROM "servos" WHERE $timeFilter GROUP BY "robot_id", "servo_id"`,
        ],
        { format: 'table' },
      ),
      { unit: 'none', description: 'Hottest and lowest-voltage readings per robot and servo in the time range.' },
    ),
  ],
})

export const ALERTS_AND_JOBS: Dashboard = dashboard({
  uid: 'tonypi-alerts-jobs',
  title: 'TonyPi alerts and jobs',
  description: "Alerts raised across the fleet, what is still open, and the robots' jobs.",
  from: 'now-7d',
  panels: [
    timeseries(
      'Alerts raised',
      sql(
        `SELECT $__timeGroupAlias(created_at, $__interval), severity AS metric, count(*) AS "alerts"
FROM alerts WHERE $__timeFilter(created_at) GROUP BY 1, 2 ORDER BY 1`,
        'time_series',
      ),
      { unit: 'none', decimals: 0 },
    ),
    barchart('Alerts by robot', sql(`SELECT robot_id, count(*) AS "alerts" FROM alerts WHERE $__timeFilter(created_at) GROUP BY robot_id ORDER BY 2 DESC`), {
      unit: 'none',
      decimals: 0,
    }),
    table(
      'Open alerts',
      sql(`SELECT created_at AS "time", robot_id, severity, type, source, title, message, value, threshold, acknowledged, acknowledged_by
FROM alerts WHERE NOT resolved
ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, created_at DESC LIMIT 500`),
    ),
    table(
      'Alert history',
      sql(`SELECT created_at AS "time", robot_id, severity, type, source, title, resolved, resolved_at,
  EXTRACT(EPOCH FROM (coalesce(resolved_at, now()) - created_at)) AS "open_for"
FROM alerts WHERE $__timeFilter(created_at) ORDER BY created_at DESC LIMIT 500`),
    ),
    piechart('Job outcomes', sql(`SELECT status, count(*) AS "jobs" FROM jobs WHERE $__timeFilter(started_at) GROUP BY status ORDER BY status`), {
      unit: 'none',
      decimals: 0,
    }),
    timeseries(
      'Job durations',
      sql(
        `SELECT finished_at AS "time", robot_id AS metric, EXTRACT(EPOCH FROM (finished_at - started_at)) AS "duration"
FROM jobs WHERE finished_at IS NOT NULL AND $__timeFilter(finished_at) ORDER BY 1`,
        'time_series',
      ),
      { unit: 's', min: 0 },
    ),
    table(
      'Jobs',
      sql(`SELECT started_at AS "time", robot_id, task_name, status, percent, items_done, items_total, finished_at, reason
FROM jobs WHERE $__timeFilter(started_at) ORDER BY started_at DESC LIMIT 500`),
    ),
  ],
})

export const DASHBOARDS: readonly Dashboard[] = [FLEET_OVERVIEW, ROBOT_DETAIL, SERVO_HEALTH, ALERTS_AND_JOBS, OPERATIONS]

export interface PanelQuery {
  /** The dashboard's uid. */
  dashboard: string
  /** The panel's title, or `$name` for a template variable's query. */
  panel: string
  refId: string
  datasource: DatasourceKind
  query: string
}

/** Every query of every panel and template variable, as Grafana will send it before expanding macros. */
export function panelQueries(dashboards: readonly Dashboard[] = DASHBOARDS): PanelQuery[] {
  return dashboards.flatMap((d) => [
    ...d.templating.list.map((v) => ({ dashboard: d.uid, panel: `$${v.name}`, refId: 'var', datasource: v.datasource.type, query: v.query })),
    ...d.panels.flatMap((p) =>
      p.targets.map((t) => ({
        dashboard: d.uid,
        panel: p.title,
        refId: t.refId,
        datasource: t.datasource.type,
        query: 'rawSql' in t ? t.rawSql : 'expr' in t ? t.expr : t.query,
      })),
    ),
  ])
}

export const PANEL_QUERIES: readonly PanelQuery[] = panelQueries()
