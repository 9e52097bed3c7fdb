// One throwaway service (postgres, influxd, mosquitto) as a child process that cannot outlive us.
// Tests start and stop these many times, so every way our process can end is covered:
//   - stop(): the service's own graceful signal, then SIGKILL to its whole process group;
//   - our process exits without calling stop(): an 'exit' handler sends the graceful signal;
//   - our process is killed (SIGKILL, a crash): the kernel sends the child a parent-death signal
//     (set by setpriv --pdeathsig just before it execs the service);
//   - and if all of that failed: the pid file left behind names the process (pid + kernel start
//     time, so a reused pid is never mistaken for it) and the next start on that directory stops it.
// Each service runs in its own session (detached), so a Ctrl-C in a terminal reaches only us (and
// we stop the services cleanly), and a group kill reaches anything the service forked.

import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SystemUser } from './system-user.ts'
import { isRoot } from './system-user.ts'
import { freePorts } from './free-port.ts'

export interface ServiceSpec {
  /** Names the pid and log files (`<dir>/<name>.pid`, `<dir>/<name>.log`) and the errors. */
  name: string
  dir: string
  cmd: string[]
  /** The account to run as when we are root. */
  runAs?: SystemUser
  /** What asks this service for a clean shutdown (PostgreSQL: SIGINT, its "fast" mode). */
  stopSignal?: NodeJS.Signals
  env?: Record<string, string>
}

/** The service died before it was ready; `log` is what it wrote since it was started. */
export class ServiceExitedError extends Error {
  constructor(
    readonly service: string,
    readonly code: number | null,
    readonly log: string,
  ) {
    super(`${service} exited (code ${code}) before it was ready; its log says:\n${tail(log, 15)}`)
    this.name = 'ServiceExitedError'
  }
  /** One line: the service and the last thing it logged. */
  get summary(): string {
    const last = this.log
      .trim()
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1)
    return `${this.service} exited (code ${this.code}) before it was ready${last ? `: ${last}` : ''}`
  }

  get portClash(): boolean {
    // Mosquitto's websockets listener reports a lost bind only as this.
    return /address already in use|unable to create websockets listener/i.test(this.log)
  }
}

const tail = (text: string, lines: number) => text.trimEnd().split('\n').slice(-lines).join('\n')

export interface ProcessId {
  pid: number
  startTime: string
}
/** `<dir>/<name>.pid`: the service and the process that started it. */
export interface PidFile extends ProcessId {
  owner: ProcessId
}

/**
 * Kernel start time of a running process (field 22 of /proc/<pid>/stat): with the pid, a unique
 * identity. Null for no process and for a zombie (dead, only waiting for its parent to reap it; a
 * container's init may never do that for a leftover whose parent died).
 */
export function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return fields[0] === 'Z' ? null : (fields[19] ?? null)
  } catch {
    return null
  }
}

const alive = (id: ProcessId) => startTimeOf(id.pid) === id.startTime
const self: ProcessId = { pid: process.pid, startTime: startTimeOf(process.pid) ?? '' }

const live = new Set<ServiceProcess>()
let exitHandlerInstalled = false

function installExitHandler() {
  if (exitHandlerInstalled) return
  exitHandlerInstalled = true
  // Synchronous by necessity: an 'exit' handler cannot wait. The signal starts each service's
  // clean shutdown; the services finish it on their own.
  process.on('exit', () => {
    for (const p of live) signal(p.pid, p.stopSignal)
  })
}

function signal(target: number, sig: NodeJS.Signals | number): boolean {
  try {
    process.kill(target, sig)
    return true
  } catch {
    return false
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Whether `p` settles within `ms`; the timer is cleared so it never holds the process open. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms)
  })
  try {
    return await Promise.race([p.then(() => true as const), late])
  } finally {
    clearTimeout(timer)
  }
}

async function waitGone(id: ProcessId, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (!alive(id)) return true
    await sleep(25)
  }
  return !alive(id)
}

const SETPRIV = '/usr/bin/setpriv'

/** The command behind setpriv: the account drop (when root) and the parent-death signal. */
function wrap(spec: ServiceSpec, deathSignal: NodeJS.Signals): string[] {
  const drop = isRoot() && spec.runAs
  if (!existsSync(SETPRIV)) {
    if (drop) throw new Error(`${SETPRIV} (util-linux) is missing; it is needed to run ${spec.name} as ${spec.runAs?.name}`)
    return spec.cmd
  }
  const as = drop && spec.runAs ? [`--reuid=${spec.runAs.uid}`, `--regid=${spec.runAs.gid}`, '--init-groups'] : []
  return [SETPRIV, ...as, `--pdeathsig=${deathSignal}`, '--', ...spec.cmd]
}

// A clean environment: influxd and postgres read settings from the environment (INFLUXDB_*,
// PG*), and a developer's shell must not reconfigure a test service.
const cleanEnv = (spec: ServiceSpec): Record<string, string> => ({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: spec.dir, ...spec.env })

/** A one-shot step (initdb) under the same account and death signal, its output in the log. */
export async function runToCompletion(spec: ServiceSpec): Promise<void> {
  const logFile = join(spec.dir, `${spec.name}.log`)
  const fd = openSync(logFile, 'a', 0o600)
  const offset = statSync(logFile).size
  let code: number
  try {
    const child = Bun.spawn(wrap(spec, 'SIGKILL'), { cwd: spec.dir, env: cleanEnv(spec), stdin: 'ignore', stdout: fd, stderr: fd })
    code = await child.exited
  } finally {
    closeSync(fd)
  }
  if (code !== 0) {
    const log = readFileSync(logFile).subarray(offset).toString('utf8')
    throw new Error(`${spec.cmd.join(' ')} failed (exit ${code}):\n${tail(log, 15)}`)
  }
}

export class ServiceProcess {
  readonly pid: number
  readonly exited: Promise<number | null>
  readonly stopSignal: NodeJS.Signals
  readonly logFile: string
  private readonly pidFile: string
  private readonly logOffset: number
  private exitCode: number | null | undefined
  private stopping: Promise<void> | null = null

  private constructor(readonly spec: ServiceSpec) {
    this.stopSignal = spec.stopSignal ?? 'SIGTERM'
    this.pidFile = join(spec.dir, `${spec.name}.pid`)
    this.logFile = join(spec.dir, `${spec.name}.log`)
    const fd = openSync(this.logFile, 'a', 0o600)
    this.logOffset = statSync(this.logFile).size
    try {
      const child = Bun.spawn(wrap(spec, this.stopSignal), {
        cwd: spec.dir,
        env: cleanEnv(spec),
        stdin: 'ignore',
        stdout: fd,
        stderr: fd,
        detached: true,
      })
      // Unreferenced so that a caller who forgets stop() still lets the process end (and the exit
      // handler then stops the service) instead of hanging on it forever.
      child.unref()
      this.pid = child.pid
      this.exited = child.exited.then((code) => {
        this.exitCode = code
        return code
      })
    } finally {
      closeSync(fd)
    }
    const startTime = startTimeOf(this.pid)
    if (startTime) {
      const record: PidFile = { pid: this.pid, startTime, owner: self }
      writeFileSync(this.pidFile, JSON.stringify(record) + '\n', { mode: 0o600 })
    }
    live.add(this)
    installExitHandler()
  }

  /** Stops what a previous run left in `spec.dir`, then starts the service. */
  static async start(spec: ServiceSpec): Promise<ServiceProcess> {
    await reclaim(spec)
    return new ServiceProcess(spec)
  }

  get running(): boolean {
    return this.exitCode === undefined
  }

  /** What the service wrote to its log since this start. */
  logSinceStart(): string {
    try {
      return readFileSync(this.logFile).subarray(this.logOffset).toString('utf8')
    } catch {
      return ''
    }
  }

  /**
   * Polls `ready` until it says yes; fails at once if the service dies (with its log, and
   * `portClash` set when it lost a port race) and after `timeoutMs` otherwise.
   */
  async waitReady(what: string, ready: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs
    let pause = 10
    for (;;) {
      if (!this.running) {
        await this.exited
        throw new ServiceExitedError(this.spec.name, this.exitCode ?? null, this.logSinceStart())
      }
      if (await ready()) {
        // A service that lost a port race can still answer on the port someone else holds.
        if (this.running) return
        continue
      }
      if (Date.now() > until) {
        throw new Error(`${this.spec.name} not ${what} after ${timeoutMs} ms; its log says:\n${tail(this.logSinceStart(), 15)}`)
      }
      await sleep(pause)
      pause = Math.min(pause * 2, 100)
    }
  }

  /** Graceful signal, then SIGKILL to the whole process group after `graceMs`. Idempotent. */
  stop(graceMs = 15_000): Promise<void> {
    this.stopping ??= (async () => {
      if (this.running) {
        signal(this.pid, this.stopSignal)
        if (!(await settlesWithin(this.exited, graceMs))) signal(-this.pid, 'SIGKILL')
        await this.exited
      }
      // Anything the service forked that outlived it (the group is ours: the service leads it).
      signal(-this.pid, 'SIGKILL')
      rmSync(this.pidFile, { force: true })
      live.delete(this)
    })()
    return this.stopping
  }
}

/** The data directory is ours unless another live process started the service in it. */
async function reclaim(spec: ServiceSpec): Promise<void> {
  const pidFile = join(spec.dir, `${spec.name}.pid`)
  let rec: PidFile
  try {
    rec = JSON.parse(readFileSync(pidFile, 'utf8')) as PidFile
  } catch {
    return
  }
  if (alive(rec)) {
    const ours = rec.owner.pid === self.pid && rec.owner.startTime === self.startTime
    if (ours && [...live].some((p) => p.pid === rec.pid)) {
      throw new Error(`${spec.name} is already running from ${spec.dir} in this process (pid ${rec.pid}); stop it first`)
    }
    if (!ours && alive(rec.owner)) {
      throw new Error(`${spec.name} in ${spec.dir} belongs to another running process (pid ${rec.owner.pid}); ` + `stop that one or use another data directory`)
    }
    // Left behind by a run that died without stopping it: stop it the same way stop() would.
    signal(rec.pid, spec.stopSignal ?? 'SIGTERM')
    if (!(await waitGone(rec, 15_000))) signal(-rec.pid, 'SIGKILL')
    await waitGone(rec, 5_000)
    signal(-rec.pid, 'SIGKILL')
  }
  rmSync(pidFile, { force: true })
}

/**
 * Starts a service on free ports (one per entry of `wanted`; an entry that names a port is tried
 * first), trying again with fresh ones when it lost a port to another process between our probe
 * and its bind.
 */
export async function startWithFreePorts<T>(wanted: readonly (number | undefined)[], attempt: (ports: number[]) => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    const free = await freePorts(wanted.length)
    const ports = i === 1 ? free.map((p, k) => wanted[k] ?? p) : free
    try {
      return await attempt(ports)
    } catch (err) {
      if (!(err instanceof ServiceExitedError && err.portClash) || i >= tries) throw err
    }
  }
}
