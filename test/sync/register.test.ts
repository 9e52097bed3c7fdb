// `npm run edge:register`: one command on the robot, given the hub's URL and an admin's login,
// and the robot syncs; a wrong password or a robot registered already is a clear error that
// writes nothing.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestEdge, waitFor } from '../support/edge-harness.ts'
import { HUB_ADMIN_PASSWORD, startTestHub, type HubHarness } from '../support/hub-harness.ts'
import { call } from '../support/sync-harness.ts'

let hub: HubHarness
const dirs: string[] = []
beforeAll(async () => {
  hub = await startTestHub()
}, 90_000)
afterAll(async () => {
  await hub?.stop()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** Runs the command as a user would (a process of its own; the hub in this process keeps answering meanwhile). */
async function register(dataDir: string, args: string[], password = HUB_ADMIN_PASSWORD, hubUrl = hub.base) {
  const p = Bun.spawn([process.execPath, 'edge/sync/register-cli.ts', '--hub', hubUrl, ...args], {
    cwd: join(import.meta.dir, '..', '..'),
    env: { ...process.env, TONYPI_DATA_DIR: dataDir, TONYPI_HUB_ADMIN_PASSWORD: password },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { code, out, err }
}

test('registers the robot, writes its credential 0600, and the edge then syncs with nothing else set', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tonypi-register-'))
  dirs.push(dir)
  const r = await register(dir, ['--robot-id', 'regbot'])
  expect(r.err).toBe('')
  expect(r.code).toBe(0)
  expect(r.out).toContain('Robot regbot is registered')
  const file = join(dir, 'hub.json')
  expect(statSync(file).mode & 0o777).toBe(0o600)
  expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ url: hub.base, robot_id: 'regbot' })
  const edge = await startTestEdge({ TONYPI_ROBOT_ID: 'regbot' }, { dataDir: dir })
  try {
    await waitFor('regbot online on the hub', async () => (await call(hub, 'GET', '/api/v1/robots/regbot')).body.status === 'online', 15_000)
    // A second run is refused (the robot exists); --rotate issues a new credential the edge must be given.
    const again = await register(dir, ['--robot-id', 'regbot'])
    expect(again.code).toBe(2)
    expect(again.err).toMatch(/registered with the hub already: --rotate/)
  } finally {
    await edge.stop({ keepData: true })
  }
  const before = readFileSync(file, 'utf8')
  const rotated = await register(dir, ['--robot-id', 'regbot', '--rotate'])
  expect(rotated.code).toBe(0)
  expect(readFileSync(file, 'utf8')).not.toBe(before)
}, 60_000)

test('a wrong password, an unreachable hub or a bad robot id: one clear line, exit 2, nothing written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tonypi-register-'))
  dirs.push(dir)
  const bad = await register(dir, ['--robot-id', 'pwbot'], 'not-the-password')
  expect(bad.code).toBe(2)
  expect(bad.err).toMatch(/^edge:register: the hub refused the login of admin: wrong username or password\n$/)
  const id = await register(dir, ['--robot-id', 'system'])
  expect(id.err).toMatch(/robot id "system" is reserved or invalid/)
  const gone = await register(dir, ['--robot-id', 'gonebot'], 'x', 'http://127.0.0.1:1')
  expect(gone.code).toBe(2)
  expect(gone.err).toMatch(/cannot reach the hub at http:\/\/127.0.0.1:1/)
  expect(existsSync(join(dir, 'hub.json'))).toBe(false)
})
