// Password hashes, and checks that take about as long whether or not the user exists, so a
// login's timing does not tell an attacker which usernames are real. Shared by the edge and the hub.

/**
 * Argon2id at OWASP's first recommended setting (19 MiB, two passes, one lane). Bun's default
 * takes 64 MiB for each hash and each check: on a robot, two logins at once (the hash gate's
 * ceiling) would more than double the edge's memory. A hash keeps its own parameters, so hashes
 * made before still verify, at their own cost.
 */
export const PASSWORD_HASH = { algorithm: 'argon2id', memoryCost: 19456, timeCost: 2 } as const

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, PASSWORD_HASH)
}

/** False for a hash made with other parameters (an earlier release's): worth making again at the next login. */
export function isCurrentHash(hash: string): boolean {
  return hash.startsWith(`$argon2id$v=19$m=${PASSWORD_HASH.memoryCost},t=${PASSWORD_HASH.timeCost},p=1$`)
}

let dummyHash: Promise<string> | null = null

/** True when `password` matches `hash`; with no hash (no such user), a full check that fails. */
export async function passwordMatches(password: string, hash: string | undefined): Promise<boolean> {
  if (hash !== undefined) return Bun.password.verify(password, hash)
  dummyHash ??= hashPassword('not-a-real-password')
  await Bun.password.verify(password, await dummyHash)
  return false
}
