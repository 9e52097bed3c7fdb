// Executes robot commands off the request path. Every command is validated, rate
// limited, clamped to the servo limits and audited with its user. Emergency stop never
// waits in the queue: it stops the servos at once and drops whatever is queued; until
// `resume`, only reads and `resume` are accepted.
import { Value } from '@sinclair/typebox/value'
import { eq } from 'drizzle-orm'
import type { Logger } from '../../core/log.ts'
import { Command, type CommandOutcome, type CommandState } from '../../core/schemas.ts'
import { clampPosition } from '../../core/units.ts'
import type { RemoteRobot, RobotDriver } from '../../drivers/robot-driver.ts'
import type { RobotState } from '../../core/robot-state.ts'
import type { SampleBus } from '../sample-bus.ts'
import type { EdgeDb } from '../store/database.ts'
import { commands } from '../store/schema.ts'
import type { SampleStore } from '../store/sample-store.ts'
import { RateLimiter } from './rate-limit.ts'
import { ActionGroupError } from '../../drivers/action-groups/d6a.ts'
import { resolveLegacyMove } from '../../drivers/action-groups/legacy-moves.ts'
import { ActionGroupPlayer, type PlayResult } from '../../drivers/action-groups/player.ts'
import { loadMotion, plannedFrames, type Motion } from '../../drivers/action-groups/walking.ts'

export interface CommandRequest {
  body: unknown
  username: string
  origin: 'api' | 'mqtt' | 'legacy' | 'hub'
  /** A caller-chosen id (MQTT clients correlate replies with it); one is generated otherwise. */
  id?: string
}

export const COMMAND_TYPES: string[] = Command.anyOf.map((c) => c.properties.type.const)

/** A union's error says only "expected union value": check against the variant the type names. */
function explainInvalid(body: unknown): string {
  const type = (body as { type?: unknown } | null)?.type
  if (typeof type !== 'string') return 'a command is a JSON object with a string `type`'
  const variant = Command.anyOf.find((c) => c.properties.type.const === type)
  if (!variant) return `unknown type ${JSON.stringify(type.slice(0, 40))} (known: ${COMMAND_TYPES.join(', ')})`
  const e = Value.Errors(variant, body).First()
  if (!e) return 'does not match its schema'
  return `${e.path || '/'}: ${e.message}`
}

export class CommandExecutor {
  private queue: Promise<void> = Promise.resolve()
  /** Bumped by estop: queued commands from an older generation are dropped. */
  private generation = 0
  private readonly limiter: RateLimiter

  readonly player: ActionGroupPlayer

  constructor(
    private readonly deps: { driver: RobotDriver; state: RobotState; db: EdgeDb; store: SampleStore; bus: SampleBus; log: Logger; actionDir: string },
    opts: { perSecond?: number; burst?: number } = {},
  ) {
    this.limiter = new RateLimiter(opts.perSecond ?? 10, opts.burst ?? 20)
    const limits = new Map(deps.driver.servos.map((s) => [s.id, s]))
    this.player = new ActionGroupPlayer({
      // Frames name all 16 TonyPi servos; a robot configured with fewer moves the ones it has.
      move: (targets, ms) =>
        deps.driver.move(
          targets.filter((t) => limits.has(t.id)),
          ms,
        ),
      clamp: (id, pos) => {
        const l = limits.get(id)
        return l ? clampPosition(pos, l.min, l.max) : pos
      },
      onListenerError: (err) => deps.log.error('action group listener failed', { error: err as Error }),
    })
    this.player.subscribe((e) => {
      if (e.type === 'progress') deps.bus.event('action.progress', 'debug', { ...e })
      else if (e.type === 'started') deps.bus.event('action.started', 'info', { ...e })
      else deps.bus.event('action.finished', 'info', { ...e })
    })
  }

  /** Decides at once (accepted or rejected); execution continues in the background. */
  submit(req: CommandRequest): CommandOutcome {
    const id = req.id && /^[A-Za-z0-9_.:-]{1,64}$/.test(req.id) ? req.id : crypto.randomUUID()
    const type = typeof (req.body as { type?: unknown })?.type === 'string' ? String((req.body as { type: string }).type).slice(0, 40) : 'unknown'
    const reject = (reason: string) => this.record(id, type, req, 'rejected', reason)

    if (!Value.Check(Command, req.body)) return reject(`invalid command: ${explainInvalid(req.body)}`)
    const cmd = req.body as Command
    if (this.exists(id)) return reject(`duplicate command id ${id}`)

    const remote = this.deps.driver.remote
    if (cmd.type === 'estop') {
      this.generation++
      this.deps.state.estopped = true
      this.deps.state.estopReason = cmd.reason ?? `by ${req.username}`
      const out = this.record(id, type, req, 'accepted')
      // Not queued: no further frame of a motion, and the stop goes to the driver now (or to the
      // program driving the robot, whose confirmation is the outcome).
      void this.player.abort('emergency stop')
      void Promise.resolve()
        .then(async (): Promise<string | undefined> => {
          if (remote) return remote.run({ ...cmd, reason: this.deps.state.estopReason! }, id)
          await this.deps.driver.stop()
        })
        .then(
          (answer) => this.finish(id, type, 'done', answer),
          (err) => this.finish(id, type, 'failed', (err as Error).message),
        )
      this.deps.bus.event('estop', 'warn', { by: req.username, reason: this.deps.state.estopReason })
      return out
    }
    if (!this.limiter.take(req.username)) return reject('rate limit: too many commands, slow down')
    if (this.deps.state.estopped && cmd.type !== 'resume') return reject('emergency-stopped: only resume is accepted')
    if (remote) return this.submitRemote(id, type, req, cmd, remote)

    let note: string | undefined
    if (cmd.type === 'servo.move') {
      const known = new Map(this.deps.driver.servos.map((s) => [s.id, s]))
      const unknown = cmd.targets.filter((t) => !known.has(t.id)).map((t) => t.id)
      if (unknown.length) return reject(`unknown servo id ${unknown.join(', ')}`)
      const clamped = cmd.targets.map((t) => {
        const s = known.get(t.id)!
        return { id: t.id, position: clampPosition(t.position, s.min, s.max) }
      })
      const changed = clamped.filter((t, i) => t.position !== cmd.targets[i].position)
      if (changed.length) note = `clamped to servo limits: ${changed.map((t) => `${t.id}->${t.position}`).join(', ')}`
      cmd.targets = clamped
    }
    if (cmd.type === 'servo.torque') {
      const known = new Set(this.deps.driver.servos.map((s) => s.id))
      const unknown = cmd.ids.filter((i) => !known.has(i))
      if (unknown.length) return reject(`unknown servo id ${unknown.join(', ')}`)
    }
    if ((cmd.type === 'buzzer' && !this.deps.driver.buzzer) || (cmd.type === 'led' && !this.deps.driver.led)) {
      return reject(`the ${this.deps.driver.profile} profile has no ${cmd.type}`)
    }
    // One motion at a time: a move or another group while a group plays would fight it.
    const playing = this.player.current
    if (playing && (cmd.type === 'servo.move' || cmd.type === 'action.run' || cmd.type === 'motion')) {
      return reject(`action group ${playing.name} is playing; send action.stop or stop first`)
    }
    let group: Motion | null = null
    try {
      if (cmd.type === 'action.run') group = loadMotion(this.deps.actionDir, cmd.name)
      if (cmd.type === 'motion') {
        const plan = resolveLegacyMove(cmd.motion, this.deps.actionDir)
        if (plan.kind === 'play') group = plan.group
      }
    } catch (err) {
      if (err instanceof ActionGroupError) return reject(err.message)
      throw err
    }
    if (group) return this.startGroup(id, type, req, group, cmd.type === 'action.run' ? (cmd.repeat ?? 1) : 1)

    const out = this.record(id, type, req, 'accepted', note)
    const gen = this.generation
    this.queue = this.queue.then(async () => {
      if (gen !== this.generation) return this.finish(id, type, 'failed', 'preempted by emergency stop')
      try {
        await this.execute(cmd)
        this.finish(id, type, 'done', note)
      } catch (err) {
        this.finish(id, type, 'failed', (err as Error).message)
      }
    })
    return out
  }

  /**
   * A robot another program drives takes the whole command, at once and not behind the queue (a
   * stop must not wait for a move's answer); its answer is the outcome.
   */
  private submitRemote(id: string, type: string, req: CommandRequest, cmd: Command, remote: RemoteRobot): CommandOutcome {
    const refused = remote.refuses(cmd)
    if (refused) return this.record(id, type, req, 'rejected', refused)
    const out = this.record(id, type, req, 'accepted')
    remote.run(cmd, id).then(
      (answer) => {
        if (cmd.type === 'resume') this.resumed()
        this.finish(id, type, 'done', answer)
      },
      (err) => this.finish(id, type, 'failed', (err as Error).message),
    )
    return out
  }

  private resumed() {
    this.deps.state.estopped = false
    this.deps.state.estopReason = null
    this.deps.bus.event('resume', 'info', {})
  }

  /** A group plays outside the queue (stop and e-stop must reach it); its outcome comes when it ends. */
  private startGroup(id: string, type: string, req: CommandRequest, group: Motion, repeat: number): CommandOutcome {
    const out = this.record(id, type, req, 'accepted', `${group.name}: ${group.frames.length} frames x ${repeat === 0 ? 'until stopped' : repeat}`)
    this.player.play(group, { repeat }).then(
      (r: PlayResult) => {
        const total = plannedFrames(group, repeat)
        if (r.state === 'done') this.finish(id, type, 'done', `${r.framesPlayed} frame${r.framesPlayed === 1 ? '' : 's'} played`)
        else if (r.state === 'stopped') this.finish(id, type, 'done', `stopped after ${r.framesPlayed} of ${total ?? 'endless'} frames`)
        else this.finish(id, type, 'failed', `aborted after ${r.framesPlayed} frames: ${r.reason ?? 'aborted'}`)
      },
      (err) => this.finish(id, type, 'failed', (err as Error).message),
    )
    return out
  }

  private async execute(cmd: Command) {
    const { driver } = this.deps
    switch (cmd.type) {
      case 'stop':
        await this.player.stop()
        return driver.stop()
      case 'action.stop':
        await this.player.stop()
        return
      case 'buzzer':
        return driver.buzzer!(cmd.freq_hz, cmd.on_ms, cmd.off_ms, cmd.repeat)
      case 'led':
        return driver.led!(cmd.led_id, cmd.on_ms, cmd.off_ms, cmd.repeat)
      case 'action.run':
      case 'motion':
        return // started by startGroup (a motion "stop" never gets here: resolveLegacyMove maps it to a stop)
      case 'resume':
        return this.resumed()
      case 'servo.move':
        return driver.move(cmd.targets, cmd.duration_ms)
      case 'servo.torque':
        return driver.setTorque(cmd.ids, cmd.on)
      case 'estop':
        return
    }
  }

  /** Resolves when everything queued so far has run (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue
  }

  private exists(id: string): boolean {
    return !!this.deps.db.select({ id: commands.id }).from(commands).where(eq(commands.id, id)).get()
  }

  private record(id: string, type: string, req: CommandRequest, state: CommandState, reason?: string): CommandOutcome {
    const ts = this.deps.bus.now()
    const body = JSON.stringify(req.body ?? null).length > 4000 ? { truncated: true } : (req.body ?? null)
    try {
      this.deps.db
        .insert(commands)
        .values({
          id: state === 'rejected' && this.exists(id) ? `${id}#${ts}` : id,
          seq: this.deps.store.takeSeq(),
          ts,
          username: req.username,
          origin: req.origin,
          type,
          body,
          state,
          reason: reason ?? null,
          updatedAt: ts,
        })
        .run()
    } catch (err) {
      this.deps.log.error('command audit write failed', { id, error: err as Error })
    }
    const out: CommandOutcome = { id, type, state, ts, ...(reason ? { reason } : {}) }
    this.deps.log.info('command', { id, type, state, user: req.username, origin: req.origin, ...(reason ? { reason } : {}) })
    this.deps.bus.event('command', state === 'rejected' ? 'warn' : 'info', { ...out, user: req.username, origin: req.origin })
    return out
  }

  private finish(id: string, type: string, state: CommandState, reason?: string) {
    const ts = this.deps.bus.now()
    try {
      // A new sequence number: the outcome reaches the hub even if the accepted state already did.
      this.deps.db
        .update(commands)
        .set({ state, reason: reason ?? null, updatedAt: ts, seq: this.deps.store.takeSeq() })
        .where(eq(commands.id, id))
        .run()
    } catch (err) {
      this.deps.log.error('command audit update failed', { id, error: err as Error })
    }
    const out: CommandOutcome = { id, type, state, ts, ...(reason ? { reason } : {}) }
    this.deps.bus.event('command', state === 'failed' ? 'error' : 'info', { ...out })
  }

  get(id: string) {
    return this.deps.db.select().from(commands).where(eq(commands.id, id)).get() ?? null
  }
}
