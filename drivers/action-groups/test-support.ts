/** Helpers shared by the action-group tests (not part of the API). */

import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SleepFn } from './player.ts'

export const SHARED_ACTION_GROUPS = join(import.meta.dir, '../../../shared/actiongroups')

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tonypi-ag-'))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export function servoColumns(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `Servo${i + 1}`)
}

/**
 * Writes a `.d6a` with HiWonder's schema (as found in the real files). `rows` hold Time then
 * one value per servo column; `columns` overrides the column list after [Index].
 */
export function writeD6a(path: string, rows: unknown[][], columns: string[] = ['Time', ...servoColumns(16)]): void {
  const db = new Database(path, { create: true })
  try {
    db.run(
      `CREATE TABLE ActionGroup([Index] INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL ON CONFLICT FAIL UNIQUE ON CONFLICT ABORT, ${columns
        .map((c) => `${c} INT`)
        .join(', ')})`,
    )
    const insert = db.prepare(`INSERT INTO ActionGroup(${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
    db.transaction(() => {
      for (const r of rows) insert.run(...(r as never[]))
    })()
  } finally {
    db.close()
  }
}

/**
 * Fake time for the player: sleeps resolve only when the test advances the clock (or their
 * signal aborts), so frame timing is checked exactly and the suite takes no real time.
 */
export class FakeClock {
  now = 0
  private timers: { due: number; resolve: () => void }[] = []

  readonly sleep: SleepFn = (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve()
      const timer = { due: this.now + ms, resolve }
      this.timers.push(timer)
      signal.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((t) => t !== timer)
          resolve()
        },
        { once: true },
      )
    })

  get pendingTimers(): number {
    return this.timers.length
  }

  /** Moves time forward, firing due timers in order and letting the player react to each. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms
    for (;;) {
      await flush()
      const due = this.timers.filter((t) => t.due <= end).sort((a, b) => a.due - b.due)[0]
      if (!due) break
      this.timers = this.timers.filter((t) => t !== due)
      this.now = due.due
      due.resolve()
    }
    this.now = end
    await flush()
  }
}

/** Lets every pending promise continuation run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r))
}
