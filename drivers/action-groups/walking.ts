/**
 * Walking as HiWonder plays it: a walking group starts from a start group and ends with an end
 * group, so the robot never stops mid-stride.
 *
 * Source: runActionGroup(actName, times, with_stand) in HiwonderSDK/hiwonder/ActionGroupControl.py,
 * the same in the TonyPi Pro copy (AaronWard/generative-ai-workbook, commit 2fa8ed4c) and the
 * Pi 5 copy (zhangyangMr/tonypi, commit 8fa30329):
 * - the walking names are go_forward, go_forward_slow, go_forward_fast, back and back_fast;
 * - the first pass plays go_forward_start (go_forward_start_fast for go_forward_fast) *instead of*
 *   a stride, or back_start followed by one stride of back / back_fast;
 * - every later pass plays one stride, `times` passes in all (0: until stopped);
 * - then, with with_stand (which the earlier client passed), go_forward_end or back_end;
 * - stopActionGroup() only raises a flag that the loop reads between passes: the stride in
 *   progress finishes, then the end group plays.
 * So go_forward with times=1 is go_forward_start then go_forward_end, no stride of its own.
 *
 * Where we differ: the end group always plays (HiWonder without with_stand leaves the robot
 * mid-stride until the next group), and a walk whose start or end file is not installed plays
 * as a plain group (HiWonder would skip the missing file and carry on from whatever pose).
 */

import { type ActionGroup, hasActionGroup, loadActionGroup } from './d6a.ts'

export interface Walk {
  /** Played once, first: the start group (and, walking backwards, the first stride). */
  start: ActionGroup[]
  /** Played last, and after the stride in progress when the walk is stopped. */
  end: ActionGroup
}

/** An action group as the player takes it: a walking group carries its start and end. */
export type Motion = ActionGroup & { walk?: Walk }

export const WALKING_GROUPS: Readonly<Record<string, { start: readonly string[]; end: string }>> = {
  go_forward: { start: ['go_forward_start'], end: 'go_forward_end' },
  go_forward_slow: { start: ['go_forward_start'], end: 'go_forward_end' },
  go_forward_fast: { start: ['go_forward_start_fast'], end: 'go_forward_end' },
  back: { start: ['back_start', 'back'], end: 'back_end' },
  back_fast: { start: ['back_start', 'back_fast'], end: 'back_end' },
}

/** Reads group `name` from `dir`, with its walking start and end when it walks and both are installed. */
export function loadMotion(dir: string, name: string): Motion {
  const group = loadActionGroup(dir, name)
  const w = WALKING_GROUPS[name]
  if (!w) return group
  const parts = [...w.start.filter((n) => n !== name), w.end]
  if (!parts.every((n) => hasActionGroup(dir, n))) return group
  return {
    ...group,
    walk: { start: w.start.map((n) => (n === name ? group : loadActionGroup(dir, n))), end: loadActionGroup(dir, w.end) },
  }
}

/** Frames a motion sends when played `repeat` times to the end (null: until stopped). */
export function plannedFrames(motion: Motion, repeat: number): number | null {
  if (repeat === 0) return null
  if (!motion.walk) return motion.frames.length * repeat
  const start = motion.walk.start.reduce((n, g) => n + g.frames.length, 0)
  return start + motion.frames.length * (repeat - 1) + motion.walk.end.frames.length
}
