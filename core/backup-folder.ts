// What the edge's and the hub's backups share: a backup is a new folder, filled beside its final
// name and renamed when whole (a failed one leaves nothing that looks whole), described by a
// manifest.json of a kind and a version, with SHA-256 sums that a restore checks first.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const MANIFEST_FILE = 'manifest.json'

/** A backup or restore refused or failed, said in one line for the operator. */
export class BackupError extends Error {
  override name = 'BackupError'
}

/** Runs `fill` on a work folder beside `out` and renames it to `out` (new, or empty) once `fill` returns. */
export async function intoNewFolder<T>(
  out: string,
  fill: (work: string) => Promise<T> | T,
  refuseMessage = 'is not empty: a backup goes into a new folder',
): Promise<T> {
  const to = resolve(out)
  if (existsSync(to) && readdirSync(to).length) throw new BackupError(`${to} ${refuseMessage}`)
  const work = join(resolve(to, '..'), `.${to.split('/').pop()}.partial-${process.pid}`)
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true, mode: 0o700 })
  try {
    const result = await fill(work)
    if (existsSync(to)) rmdirSync(to)
    renameSync(work, to)
    return result
  } catch (err) {
    rmSync(work, { recursive: true, force: true })
    throw err
  }
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** The manifest of the backup folder `dir`, checked to be of `kind` and `version`. */
export function readManifest<M extends { kind: string; version: number }>(dir: string, kind: M['kind'], version: number, what: string): M {
  const path = join(dir, MANIFEST_FILE)
  if (!existsSync(path)) throw new BackupError(`${dir} has no ${MANIFEST_FILE}: not ${what}`)
  let m: M
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as M
  } catch (err) {
    throw new BackupError(`${path} is not JSON: ${(err as Error).message}`)
  }
  if (m.kind !== kind) throw new BackupError(`${path} is not the manifest of ${what}`)
  if (m.version !== version) throw new BackupError(`${path} is version ${m.version}; this release reads version ${version}`)
  return m
}
