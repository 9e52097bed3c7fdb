// First-run secrets: no default passwords, ever. The JWT secret and the first admin's
// password come from configuration or are generated once into 0600 files in the data
// directory; the generated password is printed once.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Logger } from '../../core/log.ts'
import type { UserStore } from './user-store.ts'

function writeSecret(path: string, value: string) {
  writeFileSync(path, value + '\n', { mode: 0o600 })
  chmodSync(path, 0o600) // the mode above is ignored when the file already exists
}

export function loadJwtSecret(dataDir: string, fromConfig: string | undefined): string {
  if (fromConfig) return fromConfig
  const path = join(dataDir, 'jwt-secret')
  if (existsSync(path)) {
    const s = readFileSync(path, 'utf8').trim()
    if (s.length >= 32) return s
  }
  const s = randomBytes(32).toString('base64url')
  writeSecret(path, s)
  return s
}

export const ADMIN_PASSWORD_FILE = 'admin-password'

/** Creates the first admin when there are no users. Returns what a person must be told. */
export async function ensureFirstAdmin(users: UserStore, dataDir: string, fromConfig: string | undefined, log: Logger):
  Promise<{ created: boolean; username: string; password?: string; passwordFile?: string }> {
  if (users.count() > 0) return { created: false, username: 'admin' }
  const generated = !fromConfig
  const password = fromConfig ?? randomBytes(12).toString('base64url')
  await users.create({ username: 'admin', password, role: 'admin' })
  if (!generated) {
    log.info('created the first admin from TONYPI_ADMIN_PASSWORD', { username: 'admin' })
    return { created: true, username: 'admin' }
  }
  const file = join(dataDir, ADMIN_PASSWORD_FILE)
  writeSecret(file, password)
  log.warn('created the first admin with a generated password (shown once; also saved 0600)', { username: 'admin', file })
  return { created: true, username: 'admin', password, passwordFile: file }
}
