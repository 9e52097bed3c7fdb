// What the hub sends down to a robot, applied to the robot's own tables: the hub's users (with
// their password hashes, so they can log in on the robot offline too, and whether they are
// active: one deactivated on the hub cannot log in on the robot either), the alert rules the hub
// set for this robot, acknowledgements or resolves given on the hub to the robot's alerts, and what
// people wrote about the robot there.
// A robot's local users stay local and win over a hub user of the same name.
import { and, eq, notInArray } from 'drizzle-orm'
import { ALERT_METRICS } from '../../core/alerts/defaults.ts'
import type { Logger } from '../../core/log.ts'
import type { DownAlertAction, DownRule, DownUser } from '../../sync/protocol.ts'
import type { AlertMonitor } from '../alerts/alert-monitor.ts'
import type { EdgeDb } from '../store/database.ts'
import { alertRules, users } from '../store/schema.ts'
import { editedDetailsCheck, type EditedDetails, type RobotDetails } from '../../core/robot-details.ts'
import { adoptHubDetails } from '../robot-details.ts'

export interface DownResult {
  /** `changed`: the robot's ids of hub users whose password, role, token version or active state changed, or who were removed. */
  users: { added: number; updated: number; removed: number; shadowed: string[]; changed: number[] }
  rules: string[]
  actions: number[]
}

/** Replaces the robot's copy of the hub's users with this list, in one transaction. */
export function applyHubUsers(db: EdgeDb, list: readonly DownUser[], now: number): DownResult['users'] {
  const out = { added: 0, updated: 0, removed: 0, shadowed: [] as string[], changed: [] as number[] }
  db.transaction((tx) => {
    for (const u of list) {
      const cur = tx.select().from(users).where(eq(users.username, u.username)).get()
      if (cur && cur.origin === 'local') {
        out.shadowed.push(u.username)
        continue
      }
      const isActive = u.is_active ?? true
      const values = { passwordHash: u.password_hash, role: u.role, email: u.email, tokenVersion: u.token_version, hubId: u.hub_id, isActive, updatedAt: now }
      if (!cur) {
        tx.insert(users)
          .values({ username: u.username, origin: 'hub', createdAt: now, ...values })
          .run()
        out.added++
      } else if (
        cur.passwordHash !== u.password_hash ||
        cur.role !== u.role ||
        cur.email !== u.email ||
        cur.tokenVersion !== u.token_version ||
        cur.isActive !== isActive
      ) {
        tx.update(users).set(values).where(eq(users.id, cur.id)).run()
        out.updated++
        out.changed.push(cur.id)
      }
    }
    const keep = list.map((u) => u.username)
    const gone = tx
      .delete(users)
      .where(and(eq(users.origin, 'hub'), keep.length ? notInArray(users.username, keep) : undefined))
      .returning()
      .all()
    out.removed = gone.length
    out.changed.push(...gone.map((g) => g.id))
  })
  return out
}

/** Applies each hub rule the robot has not applied in this version; returns the metrics changed. */
export function applyHubRules(db: EdgeDb, alerts: AlertMonitor, rules: readonly DownRule[], log: Logger): string[] {
  const changed: string[] = []
  for (const r of rules) {
    if (!ALERT_METRICS[r.metric]) {
      log.warn('the hub sent a rule this robot does not know; ignored', { metric: r.metric })
      continue
    }
    const row = db.select().from(alertRules).where(eq(alertRules.metric, r.metric)).get()
    if (row?.hubUpdatedAt === r.updated_at) continue
    try {
      alerts.updateRule(
        r.metric,
        {
          direction: r.direction,
          warning: r.warning,
          critical: r.critical,
          min_duration_s: r.min_duration_s,
          hysteresis: r.hysteresis,
          auto_resolve: r.auto_resolve,
          enabled: r.enabled,
        },
        'hub',
      )
      db.update(alertRules).set({ hubUpdatedAt: r.updated_at }).where(eq(alertRules.metric, r.metric)).run()
      changed.push(r.metric)
    } catch (err) {
      log.warn('a rule from the hub was refused', { metric: r.metric, error: (err as Error).message })
    }
  }
  return changed
}

/**
 * A hub user's acknowledgement or resolve of one of the robot's alerts, applied as if given on
 * the robot. The robot owns its alerts' lifecycle, so the rules stay the robot's: the first
 * acknowledgement is kept, an escalation clears an acknowledgement, a resolve is final. An action
 * on an alert the robot no longer has is moot. Returns the action ids done with.
 */
export function applyAlertActions(alerts: AlertMonitor, actions: readonly DownAlertAction[]): number[] {
  const rank = (s: string) => (s === 'critical' ? 2 : s === 'warning' ? 1 : 0)
  for (const a of actions) {
    if (a.action === 'resolve') {
      alerts.resolve(a.alert_id, a.by)
      continue
    }
    const cur = alerts.store.get(a.alert_id)
    // An escalation after the person looked asks for attention again: their acknowledgement is moot.
    if (cur && rank(cur.severity) <= rank(a.severity)) alerts.acknowledge(a.alert_id, a.by)
  }
  return actions.map((a) => a.id)
}

/**
 * What people wrote about the robot on the hub, kept if edited there after the robot's own last
 * edit; the fields that changed. The hub dates an edit by its clock (`hubOffsetMs` ahead of the
 * robot's), the robot its own by the robot's. Malformed details change nothing.
 */
export function applyHubDetails(db: EdgeDb, details: EditedDetails | undefined, hubOffsetMs: number): (keyof RobotDetails)[] {
  if (!details || !editedDetailsCheck.Check(details)) return []
  return adoptHubDetails(db, { ...details, edited_at: details.edited_at - hubOffsetMs })
}
