// The units start what the repository has: the entry points and scripts they name exist,
// systemd itself accepts them (`systemd-analyze verify`, against a root laid out as the
// installers lay out a machine), and the installers parse.
import { describe, expect, test } from 'bun:test'
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EDGE_RUNTIME_ENV } from '../edge/runtime-env.ts'

const ROOT = join(import.meta.dir, '..')

describe('systemd units', () => {
  for (const [unit, entry] of [
    ['tonypi-edge.service', 'edge/main.ts'],
    ['tonypi-hub.service', 'hub/main.ts'],
  ]) {
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

  /** `systemd-analyze verify` of the units as installed: exit code and everything it printed. */
  function verify(units: Record<string, string>): { code: number; out: string } {
    const root = mkdtempSync(join(tmpdir(), 'tonypi-units-'))
    try {
      // The installed layout: the npm-installed Bun (an executable stands in) and systemd's own units.
      const bun = join(root, 'opt/tonypi-monitor/node_modules/.bin/bun')
      mkdirSync(join(bun, '..'), { recursive: true })
      writeFileSync(bun, '#!/bin/sh\n')
      chmodSync(bun, 0o755)
      cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true })
      mkdirSync(join(root, 'etc/systemd/system'), { recursive: true })
      for (const [name, text] of Object.entries(units)) writeFileSync(join(root, 'etc/systemd/system', name), text)
      const r = Bun.spawnSync(['systemd-analyze', 'verify', `--root=${root}`, ...Object.keys(units)])
      return { code: r.exitCode, out: (r.stdout.toString() + r.stderr.toString()).trim() }
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  }
  const unit = (name: string) => readFileSync(join(import.meta.dir, name), 'utf8')

  test('systemd-analyze verify accepts both units without a word', () => {
    if (!Bun.which('systemd-analyze')) throw new Error('systemd-analyze is missing: apt-get install systemd (test/setup/system-deps.sh does)')
    expect(verify({ 'tonypi-edge.service': unit('tonypi-edge.service'), 'tonypi-hub.service': unit('tonypi-hub.service') })).toEqual({ code: 0, out: '' })
    // It would say so: a bad value is reported.
    const bad = verify({ 'tonypi-edge.service': unit('tonypi-edge.service').replace('WatchdogSec=30', 'WatchdogSec=thirty') })
    expect(bad.out).toContain('Failed to parse sec value')
  })

  for (const name of ['tonypi-edge.service', 'tonypi-hub.service']) {
    test(`${name}: notify type with a watchdog, and IP and UNIX sockets only`, () => {
      const text = unit(name)
      for (const line of ['Type=notify', 'NotifyAccess=main', 'WatchdogSec=30', 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'])
        expect(text).toContain(`\n${line}\n`)
    })
  }

  test('the installers restart their service, so an upgrade runs the new code (enable --now leaves a running one as it was)', () => {
    for (const [f, unit] of [
      ['install-edge.sh', 'tonypi-edge.service'],
      ['install-hub.sh', 'tonypi-hub.service'],
    ]) {
      const text = readFileSync(join(import.meta.dir, f), 'utf8')
      expect(text).not.toContain(`enable --now ${unit}`)
      expect(text.indexOf(`systemctl restart ${unit}`)).toBeGreaterThan(text.indexOf(`systemctl enable ${unit}`))
      expect(text.indexOf(`systemctl enable ${unit}`)).toBeGreaterThan(text.indexOf('systemctl daemon-reload'))
    }
  })

  test('the installers are valid shell', () => {
    for (const f of ['install-edge.sh', 'install-hub.sh']) {
      const r = Bun.spawnSync(['bash', '-n', join(import.meta.dir, f)])
      expect(`${f}: ${r.exitCode} ${r.stderr.toString()}`).toBe(`${f}: 0 `)
    }
  })
})
