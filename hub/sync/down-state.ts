// What flows down to a robot (sync/protocol.ts DownState): the hub's users with their password
// hashes (robots verify them offline), the rules the hub sets for the robot's own alerts,
// acknowledgements or resolves given on the hub to its alerts, until the robot says it applied
// them, and what people wrote about the robot on the hub. The robot's service account and other robots are never sent.
import { and, eq, inArray } from 'drizzle-orm'
import { SYNC_VERSION, type DownState } from '../../sync/protocol.ts'
import type { RobotRuleRepo } from '../alerts/robot-rules.ts'
import type { HubDb } from '../db/database.ts'
import { robotAlertActions, robots, users } from '../db/schema.ts'
import { detailsOf } from '../../core/robot-details.ts'

export async function downStateFor(db: HubDb, rules: RobotRuleRepo, robotId: string, doneActions: readonly number[]): Promise<DownState> {
  if (doneActions.length) {
    await db.delete(robotAlertActions).where(and(eq(robotAlertActions.robotId, robotId), inArray(robotAlertActions.id, [...doneActions])))
  }
  const [userRows, ruleList, actions, [robot]] = await Promise.all([
    db.select().from(users).orderBy(users.id),
    rules.forRobot(robotId),
    db.select().from(robotAlertActions).where(eq(robotAlertActions.robotId, robotId)).orderBy(robotAlertActions.id),
    db.select().from(robots).where(eq(robots.robotId, robotId)),
  ])
  return {
    v: SYNC_VERSION,
    users: userRows.map((u) => ({
      hub_id: u.id,
      username: u.username,
      role: u.role,
      password_hash: u.passwordHash,
      email: u.email,
      token_version: u.tokenVersion,
      updated_at: u.updatedAt.getTime(),
      is_active: u.isActive,
    })),
    rules: ruleList,
    alert_actions: actions.map((a) => ({ id: a.id, alert_id: a.alertEdgeId, action: a.action, severity: a.severity, by: a.by, at: a.at.getTime() })),
    ...(robot?.detailsEditedAt ? { details: { ...detailsOf(robot), edited_at: robot.detailsEditedAt.getTime() } } : {}),
    hub_ms: Date.now(),
  }
}
