// The units start what the repository has: the entry points and scripts they name exist,
// and the installers parse.
import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EDGE_RUNTIME_ENV } from '../edge/runtime-env.ts'

const ROOT = join(import.meta.dir, '..')

describe('systemd units', () => {
  for (const [unit, entry] of [['tonypi-edge.service', 'edge/main.ts'], ['tonypi-hub.service', 'hub/main.ts']]) {
    test(`${unit} runs ${entry} with the npm-installed Bun and stops with SIGTERM`, () => {
      const text = readFileSync(join(import.meta.dir, unit), 'utf8')
      expect(text).toContain(`ExecStart=/opt/tonypi-monitor/node_modules/.bin/bun ${entry}`)
      expect(text).toContain('KillSignal=SIGTERM')
      expect(existsSync(join(ROOT, entry))).toBe(true)
      for (const line of text.split('\n').filter((l) => l.trim() && !l.startsWith('#'))) {
        expect(line).toMatch(/^(\[[A-Za-z]+\]|[A-Za-z]+=.*)$/)
      }
    })
  }

  test('the edge runs with the same runtime environment from systemd and from npm run edge', () => {
    const unit = readFileSync(join(import.meta.dir, 'tonypi-edge.service'), 'utf8')
    const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.edge
    for (const [k, v] of Object.entries(EDGE_RUNTIME_ENV)) {
      expect(unit).toContain(`Environment=${k}=${v}`)
      expect(script).toContain(`${k}=${v} bun edge/main.ts`)
    }
  })

  test('the installers are valid shell', () => {
    for (const f of ['install-edge.sh', 'install-hub.sh']) {
      const r = Bun.spawnSync(['bash', '-n', join(import.meta.dir, f)])
      expect(`${f}: ${r.exitCode} ${r.stderr.toString()}`).toBe(`${f}: 0 `)
    }
  })
})
