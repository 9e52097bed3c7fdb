// First run on the hub, as on the edge: no default passwords. The JWT secret and the first
// admin's password come from configuration or are generated once into 0600 files.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { Logger } from '../../core/log.ts'
import type { HubUserRepo } from './user-repo.ts'

function writeSecret(path: string, value: string) {
  writeFileSync(path, value + '\n', { mode: 0o600 })
  chmodSync(path, 0o600)
}

export function hubJwtSecret(dataDir: string, fromConfig: string | undefined): string {
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

export async function ensureHubAdmin(users: HubUserRepo, dataDir: string, fromConfig: string | undefined, log: Logger) {
  if ((await users.count()) > 0) return { created: false as const }
  const password = fromConfig ?? randomBytes(12).toString('base64url')
  await users.create({ username: 'admin', password, role: 'admin' })
  if (fromConfig) return { created: true as const }
  const file = join(dataDir, 'admin-password')
  writeSecret(file, password)
  log.warn('created the first hub admin with a generated password (shown once; also saved 0600)', { username: 'admin', file })
  return { created: true as const, password, file }
}
