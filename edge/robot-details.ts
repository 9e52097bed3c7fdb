// The edge's own robot as people describe it (name, description, location, notes): one row of
// the `meta` table, as JSON, with the time of the last edit. The hub keeps its own for each robot
// (hub/robots/robot-repo.ts); the later edit of the two wins on both (core/robot-details.ts).
import { eq } from 'drizzle-orm'
import { applyDetails, changedDetails, detailsOf, NO_DETAILS, type EditedDetails, type RobotDetails, type RobotDetailsPatch } from '../core/robot-details.ts'
import type { EdgeDb } from './store/database.ts'
import { meta } from './store/schema.ts'

const KEY = 'robot.details'

const UNEDITED: EditedDetails = { ...NO_DETAILS, edited_at: 0 }

/** The stored details; `edited_at` 0 when nobody has edited them. */
export function editedDetails(db: EdgeDb): EditedDetails {
  const row = db.select().from(meta).where(eq(meta.key, KEY)).get()
  if (!row) return { ...UNEDITED }
  try {
    return { ...UNEDITED, ...(JSON.parse(row.value) as Partial<EditedDetails>) }
  } catch {
    return { ...UNEDITED }
  }
}

export const robotDetails = (db: EdgeDb): RobotDetails => detailsOf(editedDetails(db))

function store(db: EdgeDb, d: EditedDetails) {
  const value = JSON.stringify(d)
  db.insert(meta).values({ key: KEY, value }).onConflictDoUpdate({ target: meta.key, set: { value } }).run()
}

export function editRobotDetails(db: EdgeDb, patch: RobotDetailsPatch, at = Date.now()): { before: RobotDetails; after: RobotDetails } {
  return db.transaction((tx) => {
    const before = robotDetails(tx as unknown as EdgeDb)
    const after = applyDetails(before, patch)
    store(tx as unknown as EdgeDb, { ...after, edited_at: at })
    return { before, after }
  })
}

/** The hub's details, kept if they were edited after the robot's own; the fields that changed. */
export function adoptHubDetails(db: EdgeDb, hub: EditedDetails): (keyof RobotDetails)[] {
  return db.transaction((tx) => {
    const cur = editedDetails(tx as unknown as EdgeDb)
    if (hub.edited_at <= cur.edited_at) return []
    store(tx as unknown as EdgeDb, { ...detailsOf(hub), edited_at: hub.edited_at })
    return changedDetails(cur, hub)
  })
}
