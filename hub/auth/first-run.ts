// First run on the hub, as on the edge: no default passwords. The JWT secret and the first
// admin's password come from configuration or are generated once into 0600 files.
import { join } from 'node:path'
import type { Logger } from '../../core/log.ts'
import { ADMIN_PASSWORD_FILE, generatePassword, writeSecret } from '../../server/secrets.ts'
import type { HubUserRepo } from './user-repo.ts'

export async function ensureHubAdmin(users: HubUserRepo, dataDir: string, fromConfig: string | undefined, log: Logger) {
  if ((await users.count()) > 0) return { created: false as const }
  const password = fromConfig ?? generatePassword()
  await users.create({ username: 'admin', password, role: 'admin' })
  if (fromConfig) return { created: true as const }
  const file = join(dataDir, ADMIN_PASSWORD_FILE)
  writeSecret(file, password)
  log.warn('created the first hub admin with a generated password (shown once; also saved 0600)', { username: 'admin', file })
  return { created: true as const, password, file }
}
