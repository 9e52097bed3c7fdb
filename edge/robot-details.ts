// The edge's own robot as people describe it (name, description, location, notes): one row of
// the `meta` table, as JSON. The hub keeps its own for each robot (hub/robots/robot-repo.ts).
import { eq } from 'drizzle-orm'
import { applyDetails, NO_DETAILS, type RobotDetails, type RobotDetailsPatch } from '../core/robot-details.ts'
import type { EdgeDb } from './store/database.ts'
import { meta } from './store/schema.ts'

const KEY = 'robot.details'

export function robotDetails(db: EdgeDb): RobotDetails {
  const row = db.select().from(meta).where(eq(meta.key, KEY)).get()
  if (!row) return { ...NO_DETAILS }
  try {
    return { ...NO_DETAILS, ...(JSON.parse(row.value) as Partial<RobotDetails>) }
  } catch {
    return { ...NO_DETAILS }
  }
}

export function editRobotDetails(db: EdgeDb, patch: RobotDetailsPatch): { before: RobotDetails; after: RobotDetails } {
  return db.transaction((tx) => {
    const before = robotDetails(tx as unknown as EdgeDb)
    const after = applyDetails(before, patch)
    const value = JSON.stringify(after)
    tx.insert(meta).values({ key: KEY, value }).onConflictDoUpdate({ target: meta.key, set: { value } }).run()
    return { before, after }
  })
}
