import { Database } from 'bun:sqlite'
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { copyFileSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  ActionGroupError,
  ActionGroupNotInstalledError,
  MAX_FRAMES,
  actionGroupPath,
  assertActionGroupName,
  hasActionGroup,
  isValidActionGroupName,
  listActionGroups,
  loadActionGroup,
  readActionGroup,
} from './d6a.ts'
import { SHARED_ACTION_GROUPS, servoColumns, tempDir, writeD6a } from './test-support.ts'

const STAND = [500, 390, 500, 600, 500, 575, 800, 725, 500, 610, 500, 400, 500, 425, 200, 275]
const ALL_IDS = Array.from({ length: 16 }, (_, i) => i + 1)

/** Expects readActionGroup(path) to throw an ActionGroupError whose message has every part. */
function expectRejected(path: string, ...parts: (string | RegExp)[]): ActionGroupError {
  let caught: unknown
  try {
    readActionGroup(path)
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(ActionGroupError)
  const err = caught as ActionGroupError
  expect(err.message).toContain(path)
  for (const p of parts) expect(err.message).toMatch(p)
  return err
}

describe('the real HiWonder files', () => {
  const expectedFrames: Record<string, number> = {
    bow: 7,
    go_forward: 10,
    squat: 1,
    stand: 1,
    stand_up_front: 11,
    turn_left: 6,
    wave: 11,
  }

  test('the folder lists all seven, sorted', () => {
    expect(listActionGroups(SHARED_ACTION_GROUPS)).toEqual(Object.keys(expectedFrames).sort())
  })

  test('every file reads: 16 servos a frame, values in range', () => {
    for (const name of listActionGroups(SHARED_ACTION_GROUPS)) {
      const g = readActionGroup(join(SHARED_ACTION_GROUPS, `${name}.d6a`))
      expect(g.name).toBe(name)
      expect(g.frames.length).toBe(expectedFrames[name])
      for (const f of g.frames) {
        expect(f.durationMs).toBeGreaterThan(0)
        expect(f.durationMs).toBeLessThanOrEqual(30_000)
        expect(f.positions.map((p) => p.id)).toEqual(ALL_IDS)
        for (const p of f.positions) expect(p.position >= 0 && p.position <= 1000).toBe(true)
      }
    }
  })

  test('stand.d6a is the neutral pose in one 500 ms frame', () => {
    const g = loadActionGroup(SHARED_ACTION_GROUPS, 'stand')
    expect(g.frames).toEqual([{ durationMs: 500, positions: STAND.map((position, i) => ({ id: i + 1, position })) }])
  })

  test('frames come in Index order with their own Time', () => {
    const g = loadActionGroup(SHARED_ACTION_GROUPS, 'wave')
    expect(g.frames.map((f) => f.durationMs)).toEqual([500, 500, 200, 200, 200, 200, 200, 200, 200, 200, 500])
    // wave raises servo 16 in frame 2 and flaps servo 14 between 177 and 425.
    expect(g.frames[1].positions[15]).toEqual({ id: 16, position: 787 })
    expect(g.frames.slice(2, 10).map((f) => f.positions[13].position)).toEqual([177, 425, 177, 425, 177, 425, 177, 425])
  })

  test('reading leaves the file as it was', () => {
    const { dir, cleanup } = tempDir()
    try {
      const copy = join(dir, 'bow.d6a')
      copyFileSync(join(SHARED_ACTION_GROUPS, 'bow.d6a'), copy)
      const before = readFileSync(copy)
      readActionGroup(copy)
      expect(readFileSync(copy).equals(before)).toBe(true)
      expect(readdirSync(dir)).toEqual(['bow.d6a'])
    } finally {
      cleanup()
    }
  })
})

describe('files that are not valid action groups', () => {
  let dir: string
  let cleanup: () => void
  beforeEach(() => ({ dir, cleanup } = tempDir()))
  afterEach(() => cleanup())

  const frame = (time: unknown, ...positions: unknown[]) => [time, ...positions, ...STAND.slice(positions.length)]

  test('a missing file', () => {
    expectRejected(join(dir, 'nope.d6a'), 'no such file')
  })

  test('a directory', () => {
    mkdirSync(join(dir, 'x.d6a'))
    expectRejected(join(dir, 'x.d6a'), 'not a regular file')
  })

  test('a text file', () => {
    const p = join(dir, 'text.d6a')
    writeFileSync(p, 'this is not a database, just some text long enough to have a header '.repeat(4))
    expectRejected(p, 'cannot read it as SQLite', 'not a database')
  })

  test('an empty file (SQLite takes it for an empty database)', () => {
    const p = join(dir, 'empty.d6a')
    writeFileSync(p, '')
    expectRejected(p, 'no ActionGroup table')
  })

  test('a database without the ActionGroup table', () => {
    const p = join(dir, 'other.d6a')
    writeD6a(p, [])
    const db = new Database(p)
    db.run('ALTER TABLE ActionGroup RENAME TO Something')
    db.close()
    expectRejected(p, 'no ActionGroup table')
  })

  test('a corrupted database', () => {
    const p = join(dir, 'bow.d6a')
    const bytes = readFileSync(join(SHARED_ACTION_GROUPS, 'bow.d6a'))
    bytes.fill(0xa5, 4096) // every page after the header page
    writeFileSync(p, bytes)
    expectRejected(p, /malformed|corrupt|not a database/i)
  })

  test('no frames', () => {
    const p = join(dir, 'none.d6a')
    writeD6a(p, [])
    expectRejected(p, 'has no frames')
  })

  test('no Time column, or no servo columns', () => {
    writeD6a(join(dir, 'a.d6a'), [[500, 500]], ['Duration', 'Servo1'])
    expectRejected(join(dir, 'a.d6a'), 'no Time column')
    writeD6a(join(dir, 'b.d6a'), [[500, 500]], ['Time', 'Motor1'])
    expectRejected(join(dir, 'b.d6a'), 'no ServoN columns')
  })

  test('Time outside 0..30000 names the file and the row', () => {
    const p = join(dir, 'slow.d6a')
    writeD6a(p, [frame(500), frame(30_001), frame(500)])
    const err = expectRejected(p, 'frame 2 (Index 2)', 'Time 30001', '0..30000')
    expect(err.row).toBe(2)
    expect(err.file).toBe(p)
  })

  test.each([
    ['negative', -1, 'Time -1'],
    ['NULL', null, 'Time NULL'],
    ['fractional', 12.5, 'Time 12.5'],
    ['text', 'soon', 'Time "soon"'],
  ])('Time %s is refused', (_label, time, shown) => {
    const p = join(dir, 't.d6a')
    writeD6a(p, [frame(time)])
    expectRejected(p, 'frame 1 (Index 1)', shown as string)
  })

  test.each([
    ['above 1000', 1001, 'Servo1 1001'],
    ['negative', -5, 'Servo1 -5'],
    ['fractional', 500.5, 'Servo1 500.5'],
    ['text', 'up', 'Servo1 "up"'],
  ])('a position %s is refused', (_label, value, shown) => {
    const p = join(dir, 'p.d6a')
    writeD6a(p, [frame(500), frame(500), frame(400, value)])
    const err = expectRejected(p, 'frame 3 (Index 3)', shown as string, '0..1000')
    expect(err.row).toBe(3)
  })

  test('more frames than the cap', () => {
    const p = join(dir, 'long.d6a')
    writeD6a(
      p,
      Array.from({ length: MAX_FRAMES + 1 }, () => [10, 500]),
      ['Time', 'Servo1'],
    )
    expectRejected(p, `more than ${MAX_FRAMES} frames`)
  })
})

describe('column layouts that differ from the stock 16 servos', () => {
  let dir: string
  let cleanup: () => void
  beforeEach(() => ({ dir, cleanup } = tempDir()))
  afterEach(() => cleanup())

  test('a NULL cell leaves that servo out of the frame', () => {
    const p = join(dir, 'arms.d6a')
    writeD6a(
      p,
      [
        [300, null, 390, null, null],
        [0, 100, null, null, 4],
      ],
      ['Time', ...servoColumns(4)],
    )
    expect(readActionGroup(p).frames).toEqual([
      { durationMs: 300, positions: [{ id: 2, position: 390 }] },
      // Time 0 is allowed (an instant step), and an all-NULL frame would be a pause.
      {
        durationMs: 0,
        positions: [
          { id: 1, position: 100 },
          { id: 4, position: 4 },
        ],
      },
    ])
  })

  test('fewer servo columns, in any order, map by name', () => {
    const p = join(dir, 'six.d6a')
    writeD6a(p, [[200, 6, 5, 4, 3, 2, 1]], ['Time', 'Servo6', 'Servo5', 'Servo4', 'Servo3', 'Servo2', 'Servo1'])
    expect(readActionGroup(p).frames[0].positions).toEqual([1, 2, 3, 4, 5, 6].map((id) => ({ id, position: id })))
  })

  test('rows play in Index order even when inserted out of order', () => {
    const p = join(dir, 'order.d6a')
    writeD6a(p, [], ['Time', 'Servo1'])
    const db = new Database(p)
    db.run('INSERT INTO ActionGroup([Index], Time, Servo1) VALUES (3, 30, 3), (1, 10, 1), (2, 20, 2)')
    db.close()
    expect(readActionGroup(p).frames.map((f) => f.durationMs)).toEqual([10, 20, 30])
  })
})

describe('names and the folder', () => {
  test.each(['go_forward', 'left-kick', '16', 'Stand_Up_Front'])('%s is a valid name', (name) => {
    expect(isValidActionGroupName(name)).toBe(true)
    expect(assertActionGroupName(name)).toBe(name)
  })

  test.each(['../x', '..', 'a/b', 'a\\b', '', 'wave.d6a', 'wave ', 'wävé', 'x'.repeat(65)])('%p is refused before it becomes a path', (name) => {
    expect(isValidActionGroupName(name)).toBe(false)
    expect(() => actionGroupPath('/some/dir', name)).toThrow(/invalid action group name/)
    // Refused as a name, not reported as "not installed", so a probe learns nothing.
    expect(() => loadActionGroup(SHARED_ACTION_GROUPS, name)).toThrow(/invalid action group name/)
    expect(hasActionGroup(SHARED_ACTION_GROUPS, name)).toBe(false)
  })

  test('non-strings are refused', () => {
    for (const v of [undefined, null, 7, ['wave'], { name: 'wave' }]) {
      expect(isValidActionGroupName(v)).toBe(false)
      expect(() => assertActionGroupName(v)).toThrow(ActionGroupError)
    }
  })

  test('a name that is not there says where it looked', () => {
    expect(() => loadActionGroup(SHARED_ACTION_GROUPS, 'moonwalk')).toThrow(new ActionGroupNotInstalledError(['moonwalk'], SHARED_ACTION_GROUPS))
    expect(() => loadActionGroup(SHARED_ACTION_GROUPS, 'moonwalk')).toThrow(`action group moonwalk is not installed in ${SHARED_ACTION_GROUPS}`)
  })

  test('the listing keeps only .d6a files with usable names', () => {
    const { dir, cleanup } = tempDir()
    try {
      for (const f of ['b.d6a', 'a.d6a', 'Z.d6a', 'has space.d6a', 'notes.txt', 'a.d6a.bak']) writeFileSync(join(dir, f), '')
      mkdirSync(join(dir, 'folder.d6a'))
      symlinkSync(join(SHARED_ACTION_GROUPS, 'wave.d6a'), join(dir, 'linked.d6a'))
      symlinkSync(join(dir, 'missing'), join(dir, 'dangling.d6a'))
      expect(listActionGroups(dir)).toEqual(['Z', 'a', 'b', 'linked'])
    } finally {
      cleanup()
    }
  })

  test('a missing folder is a clear error', () => {
    expect(() => listActionGroups('/nonexistent/action/groups')).toThrow(/cannot list action groups in \/nonexistent\/action\/groups/)
  })
})
