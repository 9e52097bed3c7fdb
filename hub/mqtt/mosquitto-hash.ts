// Mosquitto 2's password-file hash: `$7$<iterations>$<salt>$<hash>`, PBKDF2-HMAC-SHA512 with a
// 12-byte salt, both base64 (mosquitto_passwd's format: checked against mosquitto_passwd in
// hub/services/mosquitto-auth.test.ts, and against the real broker in dev-services.test.ts). The
// hub writes the file itself, so a robot's credential is hashed once, when it is issued, and
// never stored in the clear.
import { pbkdf2Sync, randomBytes } from 'node:crypto'

export const MOSQUITTO_ITERATIONS = 101

export function mosquittoHash(password: string, salt: Buffer = randomBytes(12), iterations = MOSQUITTO_ITERATIONS): string {
  const hash = pbkdf2Sync(password, salt, iterations, 64, 'sha512')
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`
}

/** Checks a password against a "$7$" hash (as the broker would). */
export function verifyMosquittoPassword(password: string, encoded: string): boolean {
  const [, kind, iterations, salt, hash] = encoded.split('$')
  if (kind !== '7' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64')
  const actual = pbkdf2Sync(password, Buffer.from(salt, 'base64'), Number(iterations), expected.length, 'sha512')
  return actual.equals(expected)
}
