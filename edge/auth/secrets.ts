// First-run secrets: no default passwords, ever. The JWT secret and the first admin's
// password come from configuration or are generated once into 0600 files in the data
// directory; the generated password is printed once.
import { join } from 'node:path'
import type { Logger } from '../../core/log.ts'
import { ADMIN_PASSWORD_FILE, generatePassword, writeSecret } from '../../server/secrets.ts'
import type { UserStore } from './user-store.ts'

export { loadJwtSecret } from '../../server/secrets.ts'

/** Creates the first admin when there are no users. Returns what a person must be told. */
export async function ensureFirstAdmin(
  users: UserStore,
  dataDir: string,
  fromConfig: string | undefined,
  log: Logger,
): Promise<{ created: boolean; username: string; password?: string; passwordFile?: string }> {
  if (users.count() > 0) return { created: false, username: 'admin' }
  const generated = !fromConfig
  const password = fromConfig ?? generatePassword()
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
