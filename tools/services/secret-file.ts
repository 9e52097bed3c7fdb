// Generated credentials kept in 0600 JSON files beside each service's data, so a restart on the
// same directory finds the same passwords (no default passwords, ever: DESIGN.md section 6).

import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { writeFileAtomic } from '../../server/atomic-file.ts'

/** URL-safe, so it can sit in a connection URL and inside SQL/InfluxQL quotes without escaping. */
export const generatePassword = (): string => randomBytes(24).toString('base64url')

/** Written whole or not at all: a crash mid-write must not leave half a password behind. */
export function writeSecretJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n')
}

export function readSecretJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T
  } catch {
    return null
  }
}
