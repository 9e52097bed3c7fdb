// Opening the edge's database while another process holds a lock on it for a moment.
import { expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openEdgeDatabase } from './database.ts'

test('a lock another process holds for a moment is waited out, not a failed start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-db-lock-'))
  const path = join(dir, 'edge.db')
  // A file in rollback-journal mode, locked exclusively for 400 ms: switching it to WAL must wait.
  const holder = Bun.spawn(
    [
      process.execPath,
      '-e',
      `const { Database } = require('bun:sqlite'); const db = new Database(${JSON.stringify(path)}, { create: true });
       db.exec('CREATE TABLE held (x)'); db.exec('BEGIN EXCLUSIVE'); db.exec('INSERT INTO held VALUES (1)');
       console.log('locked'); Bun.sleepSync(400); db.exec('COMMIT'); db.close()`,
    ],
    { stdout: 'pipe' },
  )
  try {
    const reader = holder.stdout.getReader()
    let out = ''
    while (!out.includes('locked')) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`the lock holder exited: ${out}`)
      out += new TextDecoder().decode(value)
    }
    const db = openEdgeDatabase(path)
    expect(db.$client.query('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' })
    expect(db.$client.query('SELECT x FROM held').all()).toEqual([{ x: 1 }])
    db.$client.close()
  } finally {
    holder.kill()
    await holder.exited
    rmSync(dir, { recursive: true, force: true })
  }
})
