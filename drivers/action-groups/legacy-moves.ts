/**
 * The earlier system's motion vocabulary (LEGACY.md: `move` with a direction, plus the
 * `head_nod` / `head_shake` commands) mapped to HiWonder TonyPi action groups.
 *
 * Sources (public copies, read through the code search):
 * - The earlier client's own table, ACTION_MAPPING in
 *   AimanZX06/Monitoring_System_TonyPi robot_client/hiwonder/ActionGroupControl.py (commit
 *   879a3865): forward go_forward, backward back, left turn_left, right turn_right, stand stand,
 *   squat squat_down, wave wave, kick_left left_kick, kick_right right_kick, bow bow, stop = stop
 *   the running group. Its tonypi_client.py (commit fc5ec0b5) runs it as
 *   executeMovement(direction, times=1, with_stand=True).
 * - HiWonder's TonyPi app table, ActionGroupDict.py in
 *   AaronWard/generative-ai-workbook resources/libs/tonypi_pro_source_code/TonyPi/
 *   (commit 773d9c3d): 1 go_forward, 2 back_fast, 7 turn_left, 8 turn_right, 0 stand, 9 wave,
 *   10 bow, 11 squat, 13 left_shot_fast / 14 right_shot_fast ("kicking"), 18 left_kick /
 *   19 right_kick; the same copy's ActionGroups/ folder holds every name used below, including
 *   back, squat_down, go_forward_start/_end and back_start/_end.
 * Where the two disagree, HiWonder's app name comes first and the earlier client's is the
 * fallback, so a stock TonyPi folder and a folder set up for the earlier client both work.
 *
 * Walking: the earlier client ran runActionGroup(name, times=1, with_stand=True), which for a
 * walking group plays its start and end groups (walking.ts: go_forward is go_forward_start then
 * go_forward_end; back_fast is back_start, back_fast, back_end). We play the same, through
 * loadMotion, so the robot starts and ends a walk from its standing pose.
 *
 * head_nod / head_shake: HiWonder's set has no such group; the earlier client moved the two PWM
 * head servos (not on the bus, so not reachable by an action group). They map to groups of
 * the same name that an owner may record; without one the command fails as "not installed".
 */

import { ActionGroupError, ActionGroupNotInstalledError, hasActionGroup } from './d6a.ts'
import { loadMotion, type Motion } from './walking.ts'

export const LEGACY_DIRECTIONS = ['forward', 'backward', 'left', 'right', 'stand', 'squat', 'wave', 'kick_left', 'kick_right', 'bow', 'stop'] as const
export type LegacyDirection = (typeof LEGACY_DIRECTIONS)[number]
export type LegacyMotion = LegacyDirection | 'head_nod' | 'head_shake'

export interface LegacyMoveMapping {
  /** The first of these that is installed is played. */
  groups: readonly string[]
}

export const LEGACY_MOVES: Readonly<Record<Exclude<LegacyMotion, 'stop'>, LegacyMoveMapping>> = {
  forward: { groups: ['go_forward'] },
  backward: { groups: ['back_fast', 'back'] },
  left: { groups: ['turn_left'] },
  right: { groups: ['turn_right'] },
  stand: { groups: ['stand'] },
  squat: { groups: ['squat', 'squat_down'] },
  wave: { groups: ['wave'] },
  kick_left: { groups: ['left_shot_fast', 'left_kick'] },
  kick_right: { groups: ['right_shot_fast', 'right_kick'] },
  bow: { groups: ['bow'] },
  head_nod: { groups: ['head_nod'] },
  head_shake: { groups: ['head_shake'] },
}

export type LegacyMovePlan =
  | { kind: 'stop' }
  /** `group` is ready to play once; `parts` are the files that plays, in order. */
  | { kind: 'play'; motion: LegacyMotion; group: Motion; parts: string[] }

export function isLegacyMotion(value: unknown): value is LegacyMotion {
  return value === 'stop' || (typeof value === 'string' && Object.hasOwn(LEGACY_MOVES, value))
}

/**
 * What a legacy motion means for the robot whose action groups are in `dir`, read now (the
 * folder may change while the edge runs). Throws ActionGroupNotInstalledError when no file of
 * the mapping is there, ActionGroupError for an unknown motion or a damaged file.
 */
export function resolveLegacyMove(motion: string, dir: string): LegacyMovePlan {
  if (motion === 'stop') return { kind: 'stop' }
  if (!isLegacyMotion(motion)) {
    throw new ActionGroupError(
      `unknown legacy move ${JSON.stringify(motion.slice(0, 40))}: expected one of ${[...LEGACY_DIRECTIONS, 'head_nod', 'head_shake'].join(', ')}`,
    )
  }
  const mapping = LEGACY_MOVES[motion as Exclude<LegacyMotion, 'stop'>]
  const main = mapping.groups.find((name) => hasActionGroup(dir, name))
  if (main === undefined) throw new ActionGroupNotInstalledError(mapping.groups, dir)

  const group = loadMotion(dir, main)
  const parts = group.walk ? [...group.walk.start, group.walk.end].map((g) => g.name) : [main]
  return { kind: 'play', motion, group, parts }
}
