// Where Debian's PostgreSQL, InfluxDB and Mosquitto keep their programs, and installing them
// when they are missing. The services are always Debian's own packages, so a dev box, CI and a
// hub host run the same builds; nothing is downloaded from elsewhere.

import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../../core/log.ts'

export type ServicePackage = 'postgresql' | 'influxdb' | 'mosquitto'
export const SERVICE_PACKAGES: readonly ServicePackage[] = ['postgresql', 'influxdb', 'mosquitto']

export interface PostgresPrograms {
  version: number
  initdb: string
  postgres: string
}

/** A missing package, said so that a person knows the one command that fixes it. */
export class MissingPackageError extends Error {
  constructor(
    readonly packages: readonly ServicePackage[],
    detail = '',
  ) {
    super(
      `${packages.join(', ')} not installed${detail ? ` (${detail})` : ''}: run ` +
        `'apt-get install -y --no-install-recommends ${packages.join(' ')}' as root ` +
        `(or run as root and it is installed for you)`,
    )
    this.name = 'MissingPackageError'
  }
}

const PG_ROOT = '/usr/lib/postgresql'

/** The newest installed PostgreSQL major version (Debian can hold several side by side). */
export function findPostgres(): PostgresPrograms | null {
  if (!existsSync(PG_ROOT)) return null
  const versions = readdirSync(PG_ROOT)
    .map(Number)
    .filter((v) => Number.isInteger(v))
    .sort((a, b) => b - a)
  for (const version of versions) {
    const bin = join(PG_ROOT, String(version), 'bin')
    const p = { version, initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') }
    if (existsSync(p.initdb) && existsSync(p.postgres)) return p
  }
  return null
}

export function findInfluxd(): string | null {
  return ['/usr/bin/influxd', '/usr/local/bin/influxd'].find((p) => existsSync(p)) ?? null
}

export function findMosquitto(): string | null {
  return ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto'].find((p) => existsSync(p)) ?? null
}

export function requirePostgres(): PostgresPrograms {
  const p = findPostgres()
  if (!p) throw new MissingPackageError(['postgresql'], `no ${PG_ROOT}/<version>/bin/postgres`)
  return p
}

export function requireInfluxd(): string {
  const p = findInfluxd()
  if (!p) throw new MissingPackageError(['influxdb'], 'no influxd')
  return p
}

export function requireMosquitto(): string {
  const p = findMosquitto()
  if (!p) throw new MissingPackageError(['mosquitto'], 'no mosquitto')
  return p
}

export function missingPackages(wanted: readonly ServicePackage[] = SERVICE_PACKAGES): ServicePackage[] {
  const present: Record<ServicePackage, () => unknown> = {
    postgresql: findPostgres,
    influxdb: findInfluxd,
    mosquitto: findMosquitto,
  }
  return wanted.filter((p) => !present[p]())
}

/**
 * Installs whichever of `wanted` is missing, with apt-get, when running as root; otherwise throws
 * a MissingPackageError naming them. Debian's maintainer scripts also start each package's own
 * system-wide instance (where the host allows it); ours never use those ports, so both coexist.
 */
export async function ensureServicePackages(opts: { wanted?: readonly ServicePackage[]; log?: Logger } = {}): Promise<void> {
  const missing = missingPackages(opts.wanted)
  if (missing.length === 0) return
  if (process.getuid?.() !== 0) throw new MissingPackageError(missing, 'not root, so not installing them')
  opts.log?.info('installing Debian packages', { packages: missing })
  const started = performance.now()
  let result = await aptGet(['install', '-y', '--no-install-recommends', ...missing])
  // A fresh container has no package lists yet; that is the one failure worth one retry.
  if (result.code !== 0 && /Unable to locate package|has no installation candidate/.test(result.output)) {
    await aptGet(['update'])
    result = await aptGet(['install', '-y', '--no-install-recommends', ...missing])
  }
  const still = missingPackages(missing)
  if (result.code !== 0 || still.length > 0) {
    throw new MissingPackageError(
      still.length ? still : missing,
      `apt-get install failed (exit ${result.code}): ${result.output.trim().split('\n').slice(-5).join(' | ')}`,
    )
  }
  opts.log?.info('installed Debian packages', { packages: missing, ms: Math.round(performance.now() - started) })
}

async function aptGet(args: string[]): Promise<{ code: number; output: string }> {
  // The lock timeout lets two test runs that both find a package missing queue up instead of
  // one failing on dpkg's lock.
  const proc = Bun.spawn(['apt-get', '-q', '-o', 'DPkg::Lock::Timeout=300', ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  return { code, output: out + err }
}
