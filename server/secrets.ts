// First-run secrets, the same on the edge and the hub: no default passwords, ever. The JWT
// secret and the first admin's password come from configuration or are generated once into
// 0600 files in the data directory.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'

export const ADMIN_PASSWORD_FILE = 'admin-password'

export function writeSecret(path: string, value: string) {
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

export const generatePassword = () => randomBytes(12).toString('base64url')
