// `npm run hub:dev` as a new user runs it: from a checkout in a home directory the services'
// own accounts cannot enter (root's /root is 0700), it just works; when something is really
// wrong it says so in one line, never a stack trace.
import { afterAll, expect, test } from 'bun:test'
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { isRoot, RELOCATED_ROOT } from '../../tools/services/system-user.ts'
import { waitNoLeftovers } from '../../tools/services/test-helpers.ts'

const ROOT = join(import.meta.dir, '..', '..')
const cleanup: string[] = []
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true })
})

function hubDev(env: Record<string, string>) {
  return Bun.spawn([process.execPath, 'tools/hub-dev.ts'], {
    cwd: ROOT,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, TONYPI_HUB_HTTP_HOST: '127.0.0.1', TONYPI_HUB_HTTP_PORT: '0', TONYPI_ADMIN_PASSWORD: 'dev-test-password', ...env },
  })
}

/** The lines that are not JSON logs: what a person reads. */
const said = (text: string) => text.split('\n').filter((l) => l.trim() && !l.startsWith('{'))

test('from a checkout in a home the postgres account cannot enter, it starts, serves HTTPS and stops cleanly', async () => {
  const home = mkdtempSync(join(tmpdir(), 'tonypi-home-'))
  cleanup.push(home)
  chmodSync(home, 0o700)
  const dataDir = join(home, 'checkout', 'hub-data')
  const proc = hubDev({ TONYPI_HUB_DATA_DIR: dataDir })
  let text = ''
  const reader = proc.stderr.getReader()
  const decoder = new TextDecoder()
  let url = ''
  const until = Date.now() + 120_000
  while (!url) {
    const { value, done } = await reader.read()
    if (done || Date.now() > until) throw new Error(`hub:dev did not start (exit ${proc.exitCode}):\n${said(text).join('\n')}`)
    text += decoder.decode(value)
    url = /A robot:\s+npm run edge:register -- --hub (\S+)/.exec(text)?.[1] ?? ''
  }
  void (async () => {
    for (;;) {
      const r = await reader.read()
      if (r.done) break
      text += decoder.decode(r.value)
    }
  })()
  try {
    expect(url).toStartWith('https://')
    const ca = readFileSync(join(dataDir, 'tls', 'ca.pem'), 'utf8')
    const health = await (await fetch(`${url.replace('localhost', '127.0.0.1')}/api/v1/health`, { tls: { ca } } as RequestInit)).json()
    expect(health.status).toBe('ok')
    // Nothing outside the data directory was loosened: the home is still its owner's alone.
    expect(statSync(home).mode & 0o777).toBe(0o700)
    if (isRoot()) {
      // PostgreSQL runs as `postgres`, so its data lives where that account can reach it.
      const link = join(dataDir, 'postgres')
      expect(lstatSync(link).isSymbolicLink()).toBe(true)
      expect(readlinkSync(link)).toStartWith(`${RELOCATED_ROOT}/`)
      cleanup.push(dirname(readlinkSync(link)))
    }
  } finally {
    proc.kill('SIGTERM')
  }
  expect(await proc.exited).toBe(0)
  expect(said(text).filter((l) => /^\s+at /.test(l))).toEqual([])
}, 150_000)

test('a data directory that cannot be made, or a bad setting: one line, no stack trace, nothing left running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tonypi-devbad-'))
  cleanup.push(dir)
  writeFileSync(join(dir, 'a-file'), 'not a directory')
  const bad = hubDev({ TONYPI_HUB_DATA_DIR: join(dir, 'a-file', 'hub-data') })
  const [err, code] = await Promise.all([new Response(bad.stderr).text(), bad.exited])
  expect(code).toBe(1)
  expect(said(err)).toEqual([`hub:dev: ENOTDIR: not a directory, mkdir '${join(dir, 'a-file', 'hub-data')}'`])

  mkdirSync(join(dir, 'ok'))
  const port = hubDev({ TONYPI_HUB_DATA_DIR: join(dir, 'ok'), TONYPI_HUB_HTTP_PORT: '99999' })
  const [perr, pcode] = await Promise.all([new Response(port.stderr).text(), port.exited])
  expect(pcode).toBe(2)
  expect(said(perr)).toEqual(['tonypi-hub: configuration TONYPI_HUB_HTTP_PORT: 99999 is outside 0..65535'])
  // The services it had started stopped with it.
  const pgDir = lstatSync(join(dir, 'ok', 'postgres')).isSymbolicLink() ? readlinkSync(join(dir, 'ok', 'postgres')) : join(dir, 'ok', 'postgres')
  if (pgDir.startsWith(RELOCATED_ROOT)) cleanup.push(dirname(pgDir))
  expect(await waitNoLeftovers([], join(dir, 'ok'))).toEqual([])
  expect(await waitNoLeftovers([], pgDir)).toEqual([])
}, 120_000)
