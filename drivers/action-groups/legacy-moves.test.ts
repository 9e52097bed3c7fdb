import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ActionGroupError, ActionGroupNotInstalledError, loadActionGroup } from './d6a.ts'
import { LEGACY_DIRECTIONS, LEGACY_MOVES, isLegacyMotion, resolveLegacyMove } from './legacy-moves.ts'
import { SHARED_ACTION_GROUPS, tempDir, writeD6a } from './test-support.ts'

/** A one-frame group whose single servo position tells the test which file it came from. */
function install(dir: string, name: string, marker: number): void {
  writeD6a(join(dir, `${name}.d6a`), [[100, marker]], ['Time', 'Servo1'])
}

describe('against the real HiWonder files', () => {
  test.each([
    ['forward', 'go_forward'],
    ['left', 'turn_left'],
    ['stand', 'stand'],
    ['squat', 'squat'],
    ['wave', 'wave'],
    ['bow', 'bow'],
  ])('%s plays %s', (motion, name) => {
    const plan = resolveLegacyMove(motion, SHARED_ACTION_GROUPS)
    if (plan.kind !== 'play') throw new Error('expected a play plan')
    expect(plan.parts).toEqual([name])
    expect(plan.group).toEqual(loadActionGroup(SHARED_ACTION_GROUPS, name))
  })

  test.each([
    ['backward', 'action group back_fast is not installed in DIR (nor back)'],
    ['right', 'action group turn_right is not installed in DIR'],
    ['kick_left', 'action group left_shot_fast is not installed in DIR (nor left_kick)'],
    ['kick_right', 'action group right_shot_fast is not installed in DIR (nor right_kick)'],
    ['head_nod', 'action group head_nod is not installed in DIR'],
    ['head_shake', 'action group head_shake is not installed in DIR'],
  ])("%s is a clear 'not installed' error, not a crash", (motion, message) => {
    const expected = message.replace('DIR', SHARED_ACTION_GROUPS)
    expect(() => resolveLegacyMove(motion, SHARED_ACTION_GROUPS)).toThrow(ActionGroupNotInstalledError)
    expect(() => resolveLegacyMove(motion, SHARED_ACTION_GROUPS)).toThrow(expected)
  })

  test('stop is not a group: it stops the one playing', () => {
    expect(resolveLegacyMove('stop', SHARED_ACTION_GROUPS)).toEqual({ kind: 'stop' })
  })
})

describe('the vocabulary', () => {
  test('every legacy direction and head command has a mapping', () => {
    for (const d of LEGACY_DIRECTIONS) expect(isLegacyMotion(d)).toBe(true)
    expect(Object.keys(LEGACY_MOVES).sort()).toEqual([...LEGACY_DIRECTIONS.filter((d) => d !== 'stop'), 'head_nod', 'head_shake'].sort())
  })

  test.each(['fly', '', 'FORWARD', '__proto__', 'toString', 'constructor'])('%p is not a legacy move', (motion) => {
    expect(isLegacyMotion(motion)).toBe(false)
    expect(() => resolveLegacyMove(motion, SHARED_ACTION_GROUPS)).toThrow(/unknown legacy move/)
  })
})

describe('with a folder set up for each source', () => {
  let dir: string
  let cleanup: () => void
  beforeEach(() => ({ dir, cleanup } = tempDir()))
  afterEach(() => cleanup())

  test("HiWonder's app name wins when both are installed", () => {
    install(dir, 'back', 1)
    install(dir, 'back_fast', 2)
    install(dir, 'left_kick', 3)
    install(dir, 'left_shot_fast', 4)
    install(dir, 'squat_down', 5)
    install(dir, 'squat', 6)
    const first = (motion: string) => {
      const plan = resolveLegacyMove(motion, dir)
      return plan.kind === 'play' ? plan.group.name : null
    }
    expect([first('backward'), first('kick_left'), first('squat')]).toEqual(['back_fast', 'left_shot_fast', 'squat'])
  })

  test("the earlier client's name is the fallback", () => {
    install(dir, 'back', 1)
    install(dir, 'right_kick', 2)
    install(dir, 'squat_down', 3)
    for (const [motion, name] of [
      ['backward', 'back'],
      ['kick_right', 'right_kick'],
      ['squat', 'squat_down'],
    ]) {
      const plan = resolveLegacyMove(motion, dir)
      expect(plan.kind === 'play' && plan.parts).toEqual([name])
    }
  })

  test("a walk plays as HiWonder's with one repeat: its start and end groups", () => {
    install(dir, 'go_forward_start', 1)
    install(dir, 'go_forward', 2)
    install(dir, 'go_forward_end', 3)
    install(dir, 'back_start', 4)
    install(dir, 'back_fast', 5)
    install(dir, 'back_end', 6)
    const forward = resolveLegacyMove('forward', dir)
    if (forward.kind !== 'play') throw new Error('expected a play plan')
    expect(forward.parts).toEqual(['go_forward_start', 'go_forward_end'])
    expect(forward.group.name).toBe('go_forward')
    expect(forward.group.walk?.end.name).toBe('go_forward_end')

    const backward = resolveLegacyMove('backward', dir)
    expect(backward.kind === 'play' && backward.parts).toEqual(['back_start', 'back_fast', 'back_end'])
  })

  test('a walk without its end group installed plays as a plain group', () => {
    install(dir, 'back_start', 4)
    install(dir, 'back_fast', 5)
    const backward = resolveLegacyMove('backward', dir)
    expect(backward.kind === 'play' && backward.parts).toEqual(['back_fast'])
    expect(backward.kind === 'play' && backward.group.walk).toBeUndefined()
  })

  test('start and end alone do not make a walk', () => {
    install(dir, 'go_forward_start', 1)
    install(dir, 'go_forward_end', 3)
    expect(() => resolveLegacyMove('forward', dir)).toThrow(`action group go_forward is not installed in ${dir}`)
  })

  test('a damaged file is reported, not skipped for the fallback', () => {
    writeFileSync(join(dir, 'back_fast.d6a'), 'garbage '.repeat(30))
    copyFileSync(join(SHARED_ACTION_GROUPS, 'stand.d6a'), join(dir, 'back.d6a'))
    let caught: unknown
    try {
      resolveLegacyMove('backward', dir)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(ActionGroupError)
    expect(caught).not.toBeInstanceOf(ActionGroupNotInstalledError)
    expect((caught as Error).message).toContain(join(dir, 'back_fast.d6a'))
  })

  test('the folder is read at each call, so a file installed later is found', () => {
    expect(() => resolveLegacyMove('wave', dir)).toThrow(ActionGroupNotInstalledError)
    install(dir, 'wave', 7)
    expect(resolveLegacyMove('wave', dir)).toMatchObject({ kind: 'play', parts: ['wave'] })
  })
})
