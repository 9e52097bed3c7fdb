// The edge's command line: a bad configuration value stops the start with the key named.
import { describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '..', '..')

async function run(env: Record<string, string>, main = 'edge/main.ts') {
  const p = Bun.spawn([process.execPath, main], { cwd: ROOT, env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' })
  const timer = setTimeout(() => p.kill(), 10_000)
  const [code, err] = await Promise.all([p.exited, new Response(p.stderr).text()])
  clearTimeout(timer)
  return { code, err }
}

describe('edge CLI', () => {
  test('a bad environment value stops the start, naming the key', async () => {
    const r = await run({ TONYPI_HTTP_PORT: 'eighty' })
    expect(r.code).toBe(2)
    expect(r.err).toContain('configuration TONYPI_HTTP_PORT: expected a number')
  })

  test('each bad value stops the start before anything is made: key and value named, data dir untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tonypi-bad-'))
    try {
      const data = join(dir, 'data')
      for (const [env, message] of [
        [{ TONYPI_TICK_MS: '18.5' }, 'configuration TONYPI_TICK_MS: expected a whole number, got "18.5"'],
        [{ TONYPI_PROFILE: 'robot' }, 'configuration TONYPI_PROFILE: expected one of auto, sim, tonypi-hat, tonypi-board, legacy-client, got "robot"'],
        [{ TONYPI_JWT_SECRET: 'too-short' }, 'configuration TONYPI_JWT_SECRET: invalid value (secret, 9 characters): expected at least 32 characters'],
      ] as const) {
        const r = await run({ TONYPI_DATA_DIR: data, TONYPI_HTTP_PORT: '0', TONYPI_MQTT_PORT: '0', ...env })
        expect(r.code).toBe(2)
        expect(r.err.trim()).toBe(`tonypi-edge: ${message}`)
        expect(existsSync(data)).toBe(false)
      }
      // The hub the same way: its message, and nothing written to its data directory.
      const r = await run({ DATABASE_URL: 'postgres://x@localhost/x', TONYPI_HUB_ALERT_INTERVAL_S: 'often', TONYPI_HUB_DATA_DIR: data }, 'hub/main.ts')
      expect(r.code).toBe(2)
      expect(r.err.trim()).toBe('tonypi-hub: configuration TONYPI_HUB_ALERT_INTERVAL_S: expected a number, got "often"')
      expect(readdirSync(dir)).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a bad config file key stops the start, naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tonypi-cfg-'))
    try {
      const f = join(dir, 'edge.json')
      writeFileSync(f, JSON.stringify({ retentionRawHours: -1 }))
      const r = await run({ TONYPI_CONFIG: f })
      expect(r.code).toBe(2)
      expect(r.err).toContain('configuration retentionRawHours')
      writeFileSync(f, '{broken')
      const r2 = await run({ TONYPI_CONFIG: f })
      expect(r2.err).toContain('configuration TONYPI_CONFIG')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a hardware profile whose device is missing stops the start with what is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tonypi-prof-'))
    try {
      const r = await run({ TONYPI_PROFILE: 'tonypi-hat', TONYPI_DATA_DIR: dir, TONYPI_HTTP_PORT: '0', TONYPI_MQTT_PORT: '0' })
      expect(r.code).toBe(2)
      expect(r.err).toContain('cannot reach the robot: no GPIO here')
      const r2 = await run({
        TONYPI_PROFILE: 'tonypi-board',
        TONYPI_SERIAL_PORT: '/dev/tonypi-missing',
        TONYPI_DATA_DIR: dir,
        TONYPI_HTTP_PORT: '0',
        TONYPI_MQTT_PORT: '0',
      })
      expect(r2.code).toBe(2)
      expect(r2.err).toContain('/dev/tonypi-missing: no such device')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
