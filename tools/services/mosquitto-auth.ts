// Lines of the dev broker's password and ACL files. Hashes are made in the format
// mosquitto_passwd writes (hub/mqtt/mosquitto-hash.ts) rather than by running mosquitto_passwd
// once per account: the hub rewrites these files from its whole fleet, and it keeps only hashes
// of robot credentials, so it needs to store a ready-made Mosquitto hash when one is issued.
import { mosquittoHash } from '../../hub/mqtt/mosquitto-hash.ts'

/** One broker account: a plain password (hashed here) or a hash made earlier. */
export type MqttAccount = { username: string; password: string } | { username: string; passwordHash: string }

export function checkUsername(username: string): void {
  // The password file is "name:hash" lines: a colon or a line break in a name would forge entries.
  if (!username || /[:\r\n\0]/.test(username)) throw new Error(`MQTT username ${JSON.stringify(username)} must be non-empty, without ':' or line breaks`)
}

export function passwordLine(account: MqttAccount): string {
  checkUsername(account.username)
  const hash = 'passwordHash' in account ? account.passwordHash : mosquittoHash(account.password)
  if (!/^\$[67]\$[^\s:]+$/.test(hash)) throw new Error(`MQTT account ${account.username}: not a Mosquitto password hash`)
  return `${account.username}:${hash}`
}

/** The service account's ACL block, appended last so it cannot capture lines meant for others. */
export function serviceAclBlock(username: string): string {
  return (
    `\n# The hub's own account (tools/services/mosquitto.ts): everything, and the broker's $SYS tree.\n` +
    `user ${username}\ntopic readwrite #\ntopic read $SYS/#\n`
  )
}
