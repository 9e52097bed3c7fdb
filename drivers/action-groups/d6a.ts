/**
 * HiWonder action groups: `.d6a` files (HARDWARE.md section 4) and the folder that holds them.
 *
 * A `.d6a` file is an SQLite database with one table
 *   ActionGroup([Index] INTEGER PRIMARY KEY AUTOINCREMENT, Time INT, Servo1 INT, ..., ServoN INT)
 * where each row is a frame: all servos move to their ServoN position in Time ms.
 *
 * Differences from HiWonder's own player (ActionGroupControl.runAction), on purpose:
 * - it maps columns by position (`act[2 + i]` is servo i + 1); we map by column name, so a file
 *   whose columns were reordered or that has fewer servo columns still drives the right servos;
 * - it sends NULL to the bus (and crashes); for us a NULL cell means "this servo is not in the
 *   frame", so a group recorded for the arms can leave the legs alone;
 * - it trusts every value; we reject a file with a value the bus cannot carry (HiWonder's bus
 *   takes 0..1000), naming the file and the row, before a single frame is sent. A motion that
 *   fails half-way leaves a robot in a pose nobody designed.
 */

import { Database } from 'bun:sqlite'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'

export interface ServoTarget {
  id: number
  position: number
}

export interface ActionFrame {
  /** How long the move takes, and how long the player waits before the next frame. */
  durationMs: number
  /** Only the servos this frame drives (a NULL cell leaves its servo out). */
  positions: ServoTarget[]
}

export interface ActionGroup {
  name: string
  frames: ActionFrame[]
}

export const ACTION_GROUP_EXTENSION = '.d6a'
/** The real groups use 75..1000 ms a frame: a Time past 30 s is a corrupt cell, not a slow move. */
export const MAX_FRAME_TIME_MS = 30_000
export const MIN_POSITION = 0
export const MAX_POSITION = 1000
/** LX bus ids stop at 253 (254 is broadcast). */
export const MAX_SERVO_ID = 253
/** HiWonder's groups have tens of frames; the cap keeps a hostile file from filling memory. */
export const MAX_FRAMES = 10_000
/** Bounded so a name fits in a log line, a topic and a file name on every filesystem. */
export const MAX_NAME_LENGTH = 64

const NAME_PATTERN = /^[A-Za-z0-9_-]+$/
const SERVO_COLUMN = /^servo(\d+)$/i

/** Anything wrong with an action group file or name; the message names the file (and row). */
export class ActionGroupError extends Error {
  override name = 'ActionGroupError'
  constructor(
    message: string,
    readonly file?: string,
    /** 1-based frame number (the message also shows its Index). */
    readonly row?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** A command asked for a group the robot's folder does not have: the command's fault, not a crash. */
export class ActionGroupNotInstalledError extends ActionGroupError {
  override name = 'ActionGroupNotInstalledError'
  constructor(
    readonly groups: readonly string[],
    readonly dir: string,
  ) {
    const [first, ...rest] = groups
    const alternatives = rest.length ? ` (nor ${rest.join(', ')})` : ''
    super(`action group ${first} is not installed in ${dir}${alternatives}`)
  }
}

/**
 * Only letters, digits, `_` and `-`: a name from a command becomes a file path, and this is what
 * keeps `../etc/x` or `a/b` from leaving the folder.
 */
export function isValidActionGroupName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name)
}

export function assertActionGroupName(name: unknown): string {
  if (isValidActionGroupName(name)) return name
  const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, MAX_NAME_LENGTH + 1)) : typeof name
  throw new ActionGroupError(`invalid action group name ${shown}: use 1..${MAX_NAME_LENGTH} characters from A-Z a-z 0-9 _ -`)
}

export function actionGroupPath(dir: string, name: string): string {
  return join(dir, assertActionGroupName(name) + ACTION_GROUP_EXTENSION)
}

/**
 * Names (basename without `.d6a`) of the groups in `dir`, sorted. Files whose name could not be
 * asked for (see isValidActionGroupName) are left out rather than offered and then refused.
 */
export function listActionGroups(dir: string): string[] {
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch (err) {
    throw new ActionGroupError(`cannot list action groups in ${dir}: ${(err as Error).message}`, dir, undefined, {
      cause: err,
    })
  }
  const names: string[] = []
  for (const e of entries) {
    if (!e.name.endsWith(ACTION_GROUP_EXTENSION)) continue
    // A symlink to a group is a normal way to share one folder between robots.
    if (!e.isFile() && !(e.isSymbolicLink() && isFile(join(dir, e.name)))) continue
    const name = e.name.slice(0, -ACTION_GROUP_EXTENSION.length)
    if (isValidActionGroupName(name)) names.push(name)
  }
  return names.sort()
}

/** Whether `dir` has a group called `name` (an invalid name is never installed). */
export function hasActionGroup(dir: string, name: string): boolean {
  return isValidActionGroupName(name) && isFile(actionGroupPath(dir, name))
}

/** Reads group `name` from `dir`; a missing file is ActionGroupNotInstalledError. */
export function loadActionGroup(dir: string, name: string): ActionGroup {
  const path = actionGroupPath(dir, name)
  if (!isFile(path)) throw new ActionGroupNotInstalledError([name], dir)
  return readActionGroup(path)
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

interface ColumnInfo {
  name: string
}

/**
 * Reads and validates one `.d6a` file. Read-only: the file is never created, locked for writing
 * or migrated, so HiWonder's own tools can keep using the same folder.
 */
export function readActionGroup(path: string): ActionGroup {
  const file = basename(path)
  const name = file.endsWith(ACTION_GROUP_EXTENSION) ? file.slice(0, -ACTION_GROUP_EXTENSION.length) : file
  function fail(message: string, row?: number, cause?: unknown): never {
    throw new ActionGroupError(`${path}: ${message}`, path, row, cause === undefined ? undefined : { cause })
  }

  if (!existsSync(path)) fail('no such file')
  if (!isFile(path)) fail('not a regular file')

  let db: Database
  try {
    db = new Database(path, { readonly: true })
  } catch (err) {
    return fail(`cannot open as SQLite: ${(err as Error).message}`, undefined, err)
  }
  try {
    let columns: ColumnInfo[]
    try {
      // SQLite only notices a non-database file at its first read.
      columns = db.query('PRAGMA table_info(ActionGroup)').all() as ColumnInfo[]
    } catch (err) {
      return fail(`not an action group: cannot read it as SQLite (${(err as Error).message})`, undefined, err)
    }
    if (columns.length === 0) fail('not an action group: it has no ActionGroup table')

    const timeColumn = columns.find((c) => c.name.toLowerCase() === 'time')
    if (!timeColumn) fail('the ActionGroup table has no Time column')
    const servoColumns: { column: string; id: number }[] = []
    const seen = new Set<number>()
    for (const c of columns) {
      const m = SERVO_COLUMN.exec(c.name)
      if (!m) continue
      const id = Number(m[1])
      if (id > MAX_SERVO_ID) fail(`column ${c.name}: servo id ${id} is outside 0..${MAX_SERVO_ID}`)
      if (seen.has(id)) fail(`column ${c.name}: servo ${id} has two columns`)
      seen.add(id)
      servoColumns.push({ column: c.name, id })
    }
    if (servoColumns.length === 0) fail('the ActionGroup table has no ServoN columns')
    servoColumns.sort((a, b) => a.id - b.id)

    // Frame order is the Index column (HiWonder's editor numbers rows 1..n); rowid for a table
    // without one. HiWonder's `select *` without ORDER BY only happens to return that order.
    const indexColumn = columns.find((c) => c.name.toLowerCase() === 'index')
    const orderBy = indexColumn ? quoteIdent(indexColumn.name) : 'rowid'
    const selected = [orderBy, quoteIdent(timeColumn.name), ...servoColumns.map((s) => quoteIdent(s.column))]
    let rows: unknown[][]
    try {
      rows = db.query(`SELECT ${selected.join(', ')} FROM ActionGroup ORDER BY ${orderBy} LIMIT ${MAX_FRAMES + 1}`).values() as unknown[][]
    } catch (err) {
      return fail(`cannot read the ActionGroup table: ${(err as Error).message}`, undefined, err)
    }
    if (rows.length === 0) fail('the action group has no frames')
    if (rows.length > MAX_FRAMES) fail(`more than ${MAX_FRAMES} frames`)

    const frames: ActionFrame[] = rows.map((row, i) => {
      const frameNo = i + 1
      const where = `frame ${frameNo} (${indexColumn ? 'Index' : 'rowid'} ${String(row[0])})`
      const time = row[1]
      if (!isInt(time) || time < 0 || time > MAX_FRAME_TIME_MS) {
        fail(`${where}: Time ${show(time)} is not an integer in 0..${MAX_FRAME_TIME_MS} ms`, frameNo)
      }
      const positions: ServoTarget[] = []
      servoColumns.forEach((s, k) => {
        const v = row[2 + k]
        if (v === null) return
        if (!isInt(v) || v < MIN_POSITION || v > MAX_POSITION) {
          fail(`${where}: ${s.column} ${show(v)} is not an integer position in ${MIN_POSITION}..${MAX_POSITION}`, frameNo)
        }
        positions.push({ id: s.id, position: v as number })
      })
      return { durationMs: time as number, positions }
    })
    return { name, frames }
  } finally {
    db.close()
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v)
}

function show(v: unknown): string {
  if (v === null) return 'NULL'
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 40))
  if (v instanceof Uint8Array) return `a ${v.length}-byte blob`
  return String(v)
}
