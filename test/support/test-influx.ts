// For tests of what talks to InfluxDB: a real, throwaway influxd (Debian's, through the hub's own
// service starter) in a scratch directory, with the credentials the hub would use.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureServicePackages } from '../../tools/services/debian-packages.ts'
import { startInfluxDB, type InfluxService } from '../../tools/services/influxdb.ts'
import type { InfluxAuth } from '../../hub/influx/auth.ts'
import { InfluxQuery } from '../../hub/influx/query.ts'

export interface TestInflux {
  /** The running service; `restart()` replaces it (same data, new port). */
  service: InfluxService
  auth: InfluxAuth
  query: InfluxQuery
  /** Stops influxd, keeping its data, for a test of what happens while it is down. */
  down(): Promise<void>
  /** Starts it again on the same data; the port (so the URL) changes. */
  up(): Promise<InfluxService>
  /** Stops it and deletes its data. */
  remove(): Promise<void>
}

export async function startTestInflux(prefix = 'influx'): Promise<TestInflux> {
  // Fails with the apt-get command to run when influxd is missing and we cannot install it.
  await ensureServicePackages({ wanted: ['influxdb'] })
  const dir = mkdtempSync(join(tmpdir(), `tonypi-${prefix}-`))
  let service: InfluxService
  try {
    service = await startInfluxDB({ dir })
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const auth: InfluxAuth = { user: service.username, password: service.password }
  const t: TestInflux = {
    service,
    auth,
    query: new InfluxQuery({ url: service.url, db: service.db, ...auth }),
    down: () => t.service.stop(),
    async up() {
      t.service = await startInfluxDB({ dir })
      t.query = new InfluxQuery({ url: t.service.url, db: t.service.db, ...auth })
      return t.service
    },
    async remove() {
      await t.service.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return t
}
