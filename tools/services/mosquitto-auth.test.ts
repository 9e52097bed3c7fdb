// Our Mosquitto password hashes against mosquitto_passwd's own (the broker accepting them is in
// dev-services.test.ts).
import { afterAll, expect, test } from 'bun:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { mosquittoHash, verifyMosquittoPassword } from '../../hub/mqtt/mosquitto-hash.ts'
import { passwordLine } from './mosquitto-auth.ts'
import { scratchDir } from './test-helpers.ts'

const scratch = scratchDir('mosquitto-auth')
afterAll(() => scratch.remove())

test('a hash made by mosquitto_passwd verifies here, and ours has its exact shape', async () => {
  const file = join(scratch.dir, 'passwd')
  writeFileSync(file, '')
  const proc = Bun.spawn(['mosquitto_passwd', '-b', file, 'alice', 'correct horse'], { stdout: 'pipe', stderr: 'pipe' })
  expect(await proc.exited).toBe(0)
  const theirs = readFileSync(file, 'utf8').trim().slice('alice:'.length)
  expect(verifyMosquittoPassword('correct horse', theirs)).toBe(true)
  expect(verifyMosquittoPassword('wrong horse', theirs)).toBe(false)

  const salt = Buffer.from(theirs.split('$')[3], 'base64')
  expect(mosquittoHash('correct horse', salt, 101)).toBe(theirs)
  const ours = mosquittoHash('correct horse')
  expect(ours).toMatch(/^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/)
  expect(verifyMosquittoPassword('correct horse', ours)).toBe(true)
})

test('a username that could forge a password-file line is refused', () => {
  for (const username of ['', 'a:b', 'a\nb:$7$1$x$y']) {
    expect(() => passwordLine({ username, password: 'x' })).toThrow(/must be non-empty, without ':' or line breaks/)
  }
  expect(() => passwordLine({ username: 'ok', passwordHash: 'plain' })).toThrow(/not a Mosquitto password hash/)
})
