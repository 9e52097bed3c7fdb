// The account a service runs as. PostgreSQL refuses to run as root, so when we are root it runs
// as the `postgres` account its Debian package creates; everything else runs as whoever we are.

import { createHash } from 'node:crypto'
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmdirSync, statSync, symlinkSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

export interface SystemUser {
  name: string
  uid: number
  gid: number
}

export const isRoot = (): boolean => process.geteuid?.() === 0

/** Local accounts only: the ones a Debian package's maintainer scripts create live in /etc/passwd. */
export function lookupSystemUser(name: string): SystemUser | null {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':')
    if (f[0] === name && f.length >= 4) return { name, uid: Number(f[2]), gid: Number(f[3]) }
  }
  return null
}

function groupsOf(user: SystemUser): Set<number> {
  const gids = new Set([user.gid])
  for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
    const f = line.split(':')
    if (f.length >= 4 && f[3].split(',').includes(user.name)) gids.add(Number(f[2]))
  }
  return gids
}

/**
 * The ancestors of `dir` that `user` cannot pass through. Data directories are often made with
 * mkdtemp (0700, root's), which would lock the service account out of its own directory; the one
 * ancestor we may loosen is `ownedParent` (the caller's data directory), and only by adding search
 * (o+x), which lets nobody list it. Anything else is reported, not changed.
 */
function blockedAncestors(user: SystemUser, dir: string, ownedParent: string): string[] {
  const groups = groupsOf(user)
  const blocked: string[] = []
  for (let d = dirname(dir); ; d = dirname(d)) {
    const st = statSync(d)
    const can = st.uid === user.uid ? (st.mode & 0o100) !== 0 : groups.has(st.gid) ? (st.mode & 0o010) !== 0 : (st.mode & 0o001) !== 0
    if (!can) {
      if (d === ownedParent) chmodSync(d, (st.mode & 0o7777) | 0o001)
      else blocked.push(d)
    }
    if (d === '/') break
  }
  return blocked
}

/** Makes sure `user` can reach `dir`, or says which directories stop it. */
export function ensureReachable(user: SystemUser, dir: string, ownedParent: string): void {
  const blocked = blockedAncestors(user, dir, ownedParent)
  if (blocked.length) {
    throw new Error(
      `the ${user.name} account cannot reach ${dir}: no search permission on ${blocked.join(', ')}; ` +
        `choose a data directory outside them (e.g. under /tmp or /var/lib) or 'chmod o+x' them`,
    )
  }
}

/** Where service data lives when the data directory is somewhere its account cannot enter. */
export const RELOCATED_ROOT = '/var/lib/tonypi-hub-dev'

/**
 * A directory for `user`'s data at `dir`, or, when `user` cannot reach `dir` (a checkout in root's
 * home: /root is 0700), one under RELOCATED_ROOT named by a hash of `dir`, with `dir` a symlink
 * to it. The same `dir` always finds the same data; nothing is loosened outside the data directory.
 * Returns the real directory.
 */
export function reachableDir(user: SystemUser, dir: string, ownedParent: string): string {
  mkdirSync(dirname(dir), { recursive: true })
  if (existsSync(dir) && lstatSync(dir).isSymbolicLink()) {
    const real = resolve(dirname(dir), readlinkSync(dir))
    mkdirSync(real, { recursive: true })
    ensureReachable(user, real, dirname(real))
    return real
  }
  const blocked = blockedAncestors(user, dir, ownedParent)
  if (!blocked.length) return dir
  if (existsSync(dir) && readdirSync(dir).length) ensureReachable(user, dir, ownedParent) // data made here before: say what blocks it
  const real = join(
    RELOCATED_ROOT,
    createHash('sha256').update(dir).digest('hex').slice(0, 16),
    dirname(dir) === ownedParent ? dir.slice(ownedParent.length + 1) : 'data',
  )
  mkdirSync(real, { recursive: true })
  for (let d = dirname(real); d.startsWith(RELOCATED_ROOT); d = dirname(d)) chmodSync(d, 0o711)
  if (existsSync(dir)) rmdirSync(dir)
  symlinkSync(real, dir)
  return real
}
