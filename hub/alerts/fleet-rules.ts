// The conditions only the hub can see, because they are about the link between a robot and the
// hub: a robot that went quiet, and a sync that falls behind. The robot's own conditions
// (servos, battery, the Pi) are judged on the robot (core/alerts/defaults.ts), offline or not.
// The defaults are seeded as global rules on first start; admins edit them, globally or for one
// robot. Sync figures come from `sync_state`, which the sync work fills (last_batch_at, backlog).
import type { AlertMetric } from '../../core/alerts/defaults.ts'
import type { AlertRule } from '../../core/alerts/rule.ts'

export const FLEET_METRICS = {
  robot_offline: {
    unit: '',
    subject: (s) => `Robot ${s}`,
    meaning: 'the hub does not hear from it: it is switched off, out of network reach or its service stopped; its records wait on the robot until it is back',
    states: { on: 'offline', off: 'back online' },
  },
  sync_lag: {
    unit: 's',
    subject: (s) => `Robot ${s} sync lag`,
    meaning: 'the robot is online but its records are not reaching the hub: fleet dashboards and reports miss its latest data',
  },
  sync_backlog: {
    unit: 'records',
    subject: (s) => `Robot ${s} sync backlog`,
    meaning: 'records wait on the robot for the hub; past its disk quota the robot drops the oldest raw data',
  },
  sync_backlog_growth: {
    unit: 'records/min',
    subject: (s) => `Robot ${s} sync backlog growth`,
    meaning: 'the robot records faster than it syncs: the backlog will keep growing until the link or the hub keeps up',
  },
} as const satisfies Record<string, AlertMetric>

export type FleetMetric = keyof typeof FLEET_METRICS
export const FLEET_METRIC_NAMES = Object.keys(FLEET_METRICS) as FleetMetric[]

export function isFleetMetric(metric: string): metric is FleetMetric {
  return Object.hasOwn(FLEET_METRICS, metric)
}

export function fleetMetric(metric: string): AlertMetric | undefined {
  return isFleetMetric(metric) ? FLEET_METRICS[metric] : undefined
}

/** The default fleet rules, seeded as global rules. */
export function defaultFleetRules(): AlertRule[] {
  const rule = (r: Omit<AlertRule, 'autoResolve' | 'enabled'>): AlertRule => ({ autoResolve: true, enabled: true, ...r })
  return [
    // 1 while the hub counts the robot offline (its bridge's retained status, last will or
    // heartbeat timeout, TONYPI_HUB_OFFLINE_AFTER_S), 0 once it is heard again. The bridge has
    // already waited out the heartbeat; two more minutes ride out a Pi reboot (about a minute)
    // and a Wi-Fi roam without an alert. A warning, not critical: a robot switched off at the
    // end of a shift looks the same, and the robot keeps working and recording on its own.
    rule({ metric: 'robot_offline', direction: 'high', warning: 1, critical: null, minDurationS: 120, hysteresis: 0 }),

    // Seconds since the robot's last sync batch, judged only while the robot is online (an
    // offline robot cannot sync; robot_offline says so). A connected robot pushes a batch every
    // few seconds, so five minutes means its sync is stuck and half an hour that the fleet view
    // of it is stale. A robot that just reconnected after hours reads a large lag until its
    // first batch lands a few seconds later: the minute of minimum duration covers that, and a
    // retry or two with backoff. The lag falls to about zero at the next batch: 30 s is plenty.
    rule({ metric: 'sync_lag', direction: 'high', warning: 300, critical: 1800, minDurationS: 60, hysteresis: 30 }),

    // Records waiting on the robot, as it reported with its last batch. An edge writes about
    // five records a second (a chunk per stream per tick, plus events): 20 000 is about an hour
    // of data, 200 000 about half a day, when the disk quota comes into view on a small card.
    // A catch-up after an outage starts high and drains (rate-limited): five minutes of minimum
    // duration keep a catch-up that is on its way from raising anything.
    rule({ metric: 'sync_backlog', direction: 'high', warning: 20_000, critical: 200_000, minDurationS: 300, hysteresis: 2_000 }),

    // Records per minute the backlog grew over the last ten minutes of batches (at least one
    // minute apart). Positive for ten minutes means the robot produces more than the link
    // drains, so the backlog will not come down by itself. 60 a minute (one a second, a fifth
    // of an edge's output) is above the wobble of batch sizes; it clears below 30.
    rule({ metric: 'sync_backlog_growth', direction: 'high', warning: 60, critical: null, minDurationS: 600, hysteresis: 30 }),
  ]
}
