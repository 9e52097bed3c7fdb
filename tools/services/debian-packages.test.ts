// The services' packages: present (installed by test/setup/system-deps.sh or by us as root), and a
// missing one named with the command that installs it.
import { expect, test } from 'bun:test'
import { MissingPackageError, missingPackages } from './debian-packages.ts'

test('postgresql, influxdb and mosquitto are installed', () => {
  const missing = missingPackages()
  if (missing.length) throw new MissingPackageError(missing)
  expect(missing).toEqual([])
})

test('a missing package is reported with the command that installs it', () => {
  const err = new MissingPackageError(['influxdb', 'mosquitto'])
  expect(err.message).toContain('apt-get install -y --no-install-recommends influxdb mosquitto')
})
