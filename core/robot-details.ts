// What people write about a robot (PUT robots/{id}, on the hub for each robot and on the edge for
// its own): its name, a description, where it is and notes. Declared once for both ends, which
// keep each other's edits: an edit on the robot goes up with sync as its `robot.edited` event,
// one on the hub comes down with the down state, and the later edit wins on both.
import { Type as T, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { RobotEventName } from './events.ts'

const Text = (maxLength: number, description: string) => T.Union([T.String({ maxLength }), T.Null()], { description: `${description}; null clears it` })
const FIELDS = {
  name: Text(100, 'a name for people'),
  description: Text(1000, 'what it is and does'),
  location: Text(200, 'where it is'),
  notes: Text(4000, 'anything else'),
}

export const RobotDetailsPatch = T.Object(
  { name: T.Optional(FIELDS.name), description: T.Optional(FIELDS.description), location: T.Optional(FIELDS.location), notes: T.Optional(FIELDS.notes) },
  { minProperties: 1, additionalProperties: false },
)
export type RobotDetailsPatch = Static<typeof RobotDetailsPatch>

/** All four fields, as a robot's `robot.edited` event carries them. */
export const RobotDetailsShape = T.Object(FIELDS)
export type RobotDetails = Static<typeof RobotDetailsShape>
/** Checks details that came over the wire (a robot's event, the hub's down state) before they are kept. */
export const robotDetailsCheck = TypeCompiler.Compile(RobotDetailsShape)

/** The details as they travel between robot and hub: every field, and when they were last edited (epoch ms). */
export const EditedDetails = T.Object({ ...FIELDS, edited_at: T.Number() })
export type EditedDetails = Static<typeof EditedDetails>
export const editedDetailsCheck = TypeCompiler.Compile(EditedDetails)

/** The robot's event for an edit of its details: its data carries them whole, as `details`. */
export const ROBOT_EDITED_EVENT = 'robot.edited' satisfies RobotEventName

export const NO_DETAILS: RobotDetails = { name: null, description: null, location: null, notes: null }

/** The details with an edit applied: a blank text is no text. */
export function applyDetails(cur: RobotDetails, patch: RobotDetailsPatch): RobotDetails {
  const out = { ...cur }
  for (const k of Object.keys(NO_DETAILS) as (keyof RobotDetails)[]) {
    const v = patch[k]
    if (v !== undefined) out[k] = v === null || v.trim() === '' ? null : v.trim()
  }
  return out
}

/** The four fields alone, from a row or a message that carries more. */
export const detailsOf = (d: RobotDetails): RobotDetails => ({ name: d.name, description: d.description, location: d.location, notes: d.notes })

/** Which fields an edit changed, for the log. */
export const changedDetails = (a: RobotDetails, b: RobotDetails) => (Object.keys(NO_DETAILS) as (keyof RobotDetails)[]).filter((k) => a[k] !== b[k])
