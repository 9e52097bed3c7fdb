// Mosquitto's password and ACL files. Hashes are made here, in the format mosquitto_passwd writes
// (PBKDF2-SHA512, "$7$<iterations>$<salt>$<hash>"), rather than by running mosquitto_passwd once
// per account: the hub rewrites these files from its whole fleet, and it keeps only hashes of robot
// credentials, so it needs to store a ready-made Mosquitto hash when a credential is issued.

import { chmodSync, renameSync, writeFileSync } from 'node:fs'
import { pbkdf2Sync, randomBytes } from 'node:crypto'

/** mosquitto_passwd's default; the salt and hash sizes are fixed by Mosquitto's format. */
export const MOSQUITTO_PBKDF2_ITERATIONS = 101
const SALT_BYTES = 12
const HASH_BYTES = 64

export function hashMosquittoPassword(password: string, iterations = MOSQUITTO_PBKDF2_ITERATIONS, salt = randomBytes(SALT_BYTES)): string {
  const hash = pbkdf2Sync(password, salt, iterations, HASH_BYTES, 'sha512')
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

/** One broker account: a plain password (hashed here) or a hash made earlier. */
export type MqttAccount =
  | { username: string; password: string }
  | { username: string; passwordHash: string }

export function checkUsername(username: string): void {
  // The password file is "name:hash" lines: a colon or a line break in a name would forge entries.
  if (!username || /[:\r\n\0]/.test(username)) throw new Error(`MQTT username ${JSON.stringify(username)} must be non-empty, without ':' or line breaks`)
}

export function passwordLine(account: MqttAccount): string {
  checkUsername(account.username)
  const hash = 'passwordHash' in account ? account.passwordHash : hashMosquittoPassword(account.password)
  if (!/^\$[67]\$[^\s:]+$/.test(hash)) throw new Error(`MQTT account ${account.username}: not a Mosquitto password hash`)
  return `${account.username}:${hash}`
}

/** Written whole then renamed: the broker may re-read it at any moment (SIGHUP). */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, text, { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, path)
}

/** The service account's ACL block, appended last so it cannot capture lines meant for others. */
export function serviceAclBlock(username: string): string {
  return `\n# The hub's own account (tools/services/mosquitto.ts): everything, and the broker's $SYS tree.\n` +
    `user ${username}\ntopic readwrite #\ntopic read $SYS/#\n`
}
