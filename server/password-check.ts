// Password checks that take about as long whether or not the user exists, so a login's timing
// does not tell an attacker which usernames are real. Shared by the edge and the hub.
let dummyHash: Promise<string> | null = null

/** True when `password` matches `hash`; with no hash (no such user), a full check that fails. */
export async function passwordMatches(password: string, hash: string | undefined): Promise<boolean> {
  if (hash !== undefined) return Bun.password.verify(password, hash)
  dummyHash ??= Bun.password.hash('not-a-real-password')
  await Bun.password.verify(password, await dummyHash)
  return false
}
