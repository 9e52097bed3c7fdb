// What people write about a robot (PUT robots/{id}, on the hub for each robot and on the edge for
// its own): its name, a description, where it is and notes. Declared once for both ends.
import { Type as T, type Static } from '@sinclair/typebox'

const Text = (maxLength: number, description: string) =>
  T.Optional(T.Union([T.String({ maxLength }), T.Null()], { description: `${description}; null clears it` }))

export const RobotDetailsPatch = T.Object(
  {
    name: Text(100, 'a name for people'),
    description: Text(1000, 'what it is and does'),
    location: Text(200, 'where it is'),
    notes: Text(4000, 'anything else'),
  },
  { minProperties: 1, additionalProperties: false },
)
export type RobotDetailsPatch = Static<typeof RobotDetailsPatch>

export interface RobotDetails {
  name: string | null
  description: string | null
  location: string | null
  notes: string | null
}

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

/** Which fields an edit changed, for the log. */
export const changedDetails = (a: RobotDetails, b: RobotDetails) => (Object.keys(NO_DETAILS) as (keyof RobotDetails)[]).filter((k) => a[k] !== b[k])
