// Real edge and hub processes for the fault tests: started as the units start them, on ports
// chosen up front (so a restarted hub is at the same address), ready when their health answers,
// and stopped politely (SIGTERM) or killed (SIGKILL) like a power cut.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EDGE_RUNTIME_ENV } from '../../edge/runtime-env.ts'
import { startDevServices, type DevServices } from '../../tools/services/dev-services.ts'
import { freePorts } from '../../tools/services/free-port.ts'
import { waitFor } from './wait-for.ts'

const ROOT = join(import.meta.dir, '..', '..')

export interface Proc {
  proc: ReturnType<typeof Bun.spawn>
  base: string
  logs: string[]
  /** SIGTERM, and wait for the process to end. */
  stop(): Promise<void>
  /** SIGKILL: no shutdown code runs, as in a power cut. */
  kill9(): Promise<void>
}

async function drain(stream: ReadableStream<Uint8Array>, into: string[]) {
  const dec = new TextDecoder()
  let rest = ''
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    const text = rest + dec.decode(chunk)
    const lines = text.split('\n')
    rest = lines.pop()!
    into.push(...lines)
    if (into.length > 5000) into.splice(0, into.length - 5000)
  }
}

async function ready(base: string, proc: ReturnType<typeof Bun.spawn>, logs: string[], timeoutMs = 30_000) {
  const state = await waitFor(
    `${base} ready`,
    async () => {
      if (proc.exitCode !== null) return 'exited'
      const r = await fetch(`${base}/api/v1/health`, { signal: AbortSignal.timeout(1000) }).catch(() => null) // not listening yet
      return r && (r.status === 200 || r.status === 503) ? 'ready' : null
    },
    timeoutMs,
    50,
  ).catch(() => {
    throw new Error(`not ready within ${timeoutMs} ms:\n${logs.slice(-20).join('\n')}`)
  })
  if (state === 'exited') throw new Error(`exited with ${proc.exitCode}:\n${logs.slice(-20).join('\n')}`)
}

function spawn(args: string[], env: Record<string, string>, port: number, extraEnv: Record<string, string> = {}): Proc {
  const logs: string[] = []
  const proc = Bun.spawn([process.execPath, ...args], { cwd: ROOT, env: { ...process.env, ...env, ...extraEnv }, stdout: 'pipe', stderr: 'pipe' })
  void drain(proc.stdout as ReadableStream<Uint8Array>, logs)
  void drain(proc.stderr as ReadableStream<Uint8Array>, logs)
  return {
    proc,
    base: `http://127.0.0.1:${port}`,
    logs,
    async stop() {
      proc.kill('SIGTERM')
      await proc.exited
    },
    async kill9() {
      proc.kill('SIGKILL')
      await proc.exited
    },
  }
}

export interface EdgeProcOptions {
  robotId: string
  dataDir: string
  adminPassword: string
  env?: Record<string, string>
  preload?: Record<string, string>
}

/**
 * An edge process on the simulated robot, as `npm run edge` runs it. Its two ports are found
 * together (two separate picks may get the same port once the first is released), and a start
 * that loses a port to another process in the meantime is tried again on new ones.
 */
export async function startEdgeProcess(o: EdgeProcOptions): Promise<Proc> {
  for (let attempt = 1; ; attempt++) {
    const [http, mqtt] = await freePorts(2)
    const p = spawn(
      ['edge/main.ts'],
      {
        ...EDGE_RUNTIME_ENV,
        TONYPI_ROBOT_ID: o.robotId,
        TONYPI_DATA_DIR: o.dataDir,
        TONYPI_ADMIN_PASSWORD: o.adminPassword,
        TONYPI_PROFILE: 'sim',
        TONYPI_HTTP_HOST: '127.0.0.1',
        TONYPI_HTTP_PORT: String(http),
        TONYPI_MQTT_HOST: '127.0.0.1',
        TONYPI_MQTT_PORT: String(mqtt),
        ...o.env,
      },
      http,
      o.preload,
    )
    try {
      await ready(p.base, p.proc, p.logs)
      return p
    } catch (err) {
      if (attempt >= 3 || !/a port is already in use/.test(String(err))) throw err
    }
  }
}

export interface HubServices {
  services: DevServices
  dir: string
  pidFile: string
}

export async function startHubServices(): Promise<HubServices> {
  const dir = mkdtempSync(join(tmpdir(), 'tonypi-faults-'))
  chmodSync(dir, 0o755)
  const services = await startDevServices(join(dir, 'services'))
  const pidFile = join(dir, 'mosquitto.pid')
  writeFileSync(pidFile, `${services.mosquitto.pid}\n`)
  return { services, dir, pidFile }
}

/** A hub process on `port` against the services; the same data directory across restarts. */
export async function startHubProcess(s: HubServices, port: number, adminPassword: string, env: Record<string, string> = {}): Promise<Proc> {
  const v = s.services
  const p = spawn(
    ['hub/main.ts'],
    {
      TONYPI_HUB_DATA_DIR: join(s.dir, 'hub'),
      TONYPI_HUB_HTTP_HOST: '127.0.0.1',
      TONYPI_HUB_HTTP_PORT: String(port),
      TONYPI_LOG_LEVEL: 'warn',
      DATABASE_URL: v.postgres_url,
      TONYPI_HUB_INFLUX_URL: v.influx_url,
      TONYPI_HUB_INFLUX_DB: v.influx_db,
      TONYPI_HUB_INFLUX_USER: v.influx_username,
      TONYPI_HUB_INFLUX_PASSWORD: v.influx_password,
      TONYPI_HUB_MQTT_URL: v.mqtt_url,
      TONYPI_HUB_MQTT_USER: v.mqtt_username,
      TONYPI_HUB_MQTT_PASSWORD: v.mqtt_password,
      TONYPI_HUB_MOSQUITTO_PASSWORD_FILE: v.mosquitto_password_file,
      TONYPI_HUB_MOSQUITTO_ACL_FILE: v.mosquitto_acl_file,
      TONYPI_HUB_MOSQUITTO_PID_FILE: s.pidFile,
      TONYPI_ADMIN_PASSWORD: adminPassword,
      ...env,
    },
    port,
  )
  await ready(p.base, p.proc, p.logs)
  return p
}

/** A moment picked at random within the next `maxMs` (fault timing, not a wait for something to happen). */
export const randomMoment = (minMs: number, maxMs: number) => Bun.sleep(minMs + Math.random() * (maxMs - minMs))
