// Messages arriving at the embedded broker from clients: command requests and job reports
// on our topic tree, and the earlier system's layout through the one legacy adapter and its
// mapping (core/legacy/mapping.ts). In the legacy-client profile the earlier client on this
// robot is the robot: its readings feed the bus as a native robot's collector would, its
// replies complete the commands the edge gave it, and it alone answers the commands it hears.
// Anything malformed is dropped with its reason counted and logged, never a crash.
import type { AedesPublishPacket, Client } from 'aedes'
import { decodeJobEvent, JobEventError } from '../../core/job-event.ts'
import { adaptLegacyMessage } from '../../core/legacy/adapt.ts'
import { LegacyMessageError, type LegacyRecord } from '../../core/legacy/record.ts'
import { LegacyImuAssembler } from '../../core/legacy/imu.ts'
import { fromLegacyCommand, legacyReply, LegacyStatusTransitions, type LegacyStatus } from '../../core/legacy/mapping.ts'
import type { Logger } from '../../core/log.ts'
import { parseTopic } from '../../core/topics.ts'
import type { CommandExecutor } from '../commands/command-executor.ts'
import { JobError, type JobService } from '../jobs/job-service.ts'
import type { LegacyClientDriver } from '../legacy-client/legacy-client-driver.ts'
import type { RobotState } from '../../core/robot-state.ts'
import { isObj } from '../../core/json-object.ts'
import type { SampleBus } from '../sample-bus.ts'
import { principalOf, type EmbeddedBroker } from './broker.ts'

type Rec<K extends LegacyRecord['kind']> = Extract<LegacyRecord, { kind: K }>

export class BrokerInbound {
  readonly dropped = new Map<string, number>()
  readonly accepted = { legacy: 0, commands: 0, jobs: 0 }
  private logged = 0
  private logWindow = 0
  private readonly imu = new LegacyImuAssembler()
  private readonly transitions = new LegacyStatusTransitions()

  constructor(
    private readonly deps: {
      broker: EmbeddedBroker
      robotId: string
      bus: SampleBus
      commands: CommandExecutor
      jobs: JobService
      state: RobotState
      log: Logger
      /** The legacy-client profile's driver: the earlier client on this robot is the robot. */
      earlier?: LegacyClientDriver | null
    },
  ) {
    deps.broker.aedes.on('publish', (packet, client) => {
      if (client) this.handle(packet, client)
    })
    if (deps.earlier) {
      // Its connection is the robot's: the log says when it comes and goes (it has no last will).
      const isIt = (c: Client) => c.id === deps.robotId && principalOf(c)?.kind === 'local'
      deps.broker.aedes.on('clientReady', (c) => {
        if (isIt(c)) deps.bus.event('legacy.client', 'info', { connected: true, message: 'the earlier client connected' })
      })
      deps.broker.aedes.on('clientDisconnect', (c) => {
        if (!isIt(c)) return
        this.transitions.forget(deps.robotId)
        deps.bus.event('legacy.client', 'warn', { connected: false, message: 'the earlier client disconnected' })
      })
    }
  }

  private drop(reason: string, topic: string) {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1)
    this.limitedLog('warn', 'mqtt message dropped', { topic: topic.slice(0, 200), reason })
  }

  /** A flood of bad messages must not become a flood of log lines: at most 20 a minute. */
  private limitedLog(level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) {
    const now = Date.now()
    if (now - this.logWindow > 60_000) {
      this.logWindow = now
      this.logged = 0
    }
    if (this.logged++ < 20) this.deps.log[level](msg, fields)
  }

  droppedTotal(): number {
    let n = 0
    for (const v of this.dropped.values()) n += v
    return n
  }

  /** IMU readings the earlier client's six messages did not complete. */
  get imuPartsDropped(): number {
    return this.imu.dropped
  }

  private handle(packet: AedesPublishPacket, client: Client) {
    const t = parseTopic(packet.topic)
    if (t.kind !== 'legacy' && !(t.kind === 'robot' && (t.channel === 'command/request' || t.channel === 'job'))) return
    let payload: unknown
    try {
      payload = JSON.parse(Buffer.from(packet.payload).toString('utf8'))
    } catch {
      return this.drop('payload is not valid JSON', packet.topic)
    }
    const user = principalOf(client)?.username ?? 'unknown'
    if (t.kind === 'robot' && t.channel === 'job') return this.jobReport(t.robotId, payload, packet.topic)
    if (t.kind === 'robot') return this.commandRequest(payload, user, packet.topic)
    try {
      const rec = adaptLegacyMessage(packet.topic, payload, Date.now())
      if (rec) this.legacy(rec, user, packet.topic)
    } catch (err) {
      if (err instanceof LegacyMessageError) return this.drop(err.message, packet.topic)
      throw err
    }
  }

  private legacy(rec: LegacyRecord, user: string, topic: string) {
    if (rec.kind === 'command') return this.legacyCommand(rec, user)
    if (rec.robotId !== this.deps.robotId) {
      return this.drop(`robot_id ${rec.robotId} is not this robot (${this.deps.robotId}); set TONYPI_ROBOT_ID to match`, topic)
    }
    this.accepted.legacy++
    const { bus } = this.deps
    switch (rec.kind) {
      case 'samples':
        bus.samples(rec.samples)
        break
      case 'imu_axis': {
        const reading = this.imu.add(rec.robotId, rec.axis, rec.value, rec.ts)
        if (reading) bus.samples([reading])
        break
      }
      case 'status': {
        this.imu.noteHardware(rec.robotId, rec.info.hardware_available)
        bus.samples(rec.samples)
        // Its client repeats its status every 10 s: only a change is worth a line in the log.
        const change = this.transitions.note(rec.robotId, rec)
        if (!change) break
        bus.event('legacy.status', change.level, { status: rec.status, message: change.message, ts_trusted: rec.tsTrusted, ...rec.info }, rec.ts)
        if (this.deps.earlier) this.followEstop(change.to)
        break
      }
      case 'log':
        bus.event('legacy.log', rec.level === 'critical' ? 'error' : rec.level, { message: rec.message, source: rec.source, ts_trusted: rec.tsTrusted }, rec.ts)
        break
      case 'job': {
        // The job service announces the change itself (bus event `job`).
        const r = this.deps.jobs.legacy(rec)
        if (r.ignored) this.limitedLog('info', 'legacy job message ignored', { job_id: r.job?.id, reason: r.ignored })
        break
      }
      case 'command_response':
        this.legacyAnswer(rec)
        break
      case 'unused':
        break
    }
  }

  /** The robot stopped or resumed by itself (its own e-stop callback, a person at it): the edge follows. */
  private followEstop(to: LegacyStatus) {
    const { state, bus } = this.deps
    if (to.estopped === state.estopped) return
    state.estopped = to.estopped
    state.estopReason = to.estopped ? (to.estopReason ?? 'stopped on the robot') : null
    if (to.estopped) bus.event('estop', 'warn', { by: 'the earlier client', reason: state.estopReason })
    else bus.event('resume', 'info', { by: 'the earlier client' })
  }

  /** Its reply: the outcome of a command the edge gave it; another (to a query) is noted. */
  private legacyAnswer(rec: Rec<'command_response'>) {
    const answer = this.deps.earlier?.reply(rec)
    if (answer === 'completed' || answer === 'repeat') return
    this.deps.bus.event(
      'legacy.command_response',
      rec.success ? 'info' : 'warn',
      {
        command_id: rec.commandId,
        success: rec.success,
        message: rec.message,
        reply_to: rec.replyTo,
      },
      rec.ts,
    )
  }

  /**
   * A command in its vocabulary from an operator's tool. It takes the path of every command
   * (validated, rate-limited, audited). In the legacy-client profile the earlier client answers
   * it (the edge gives it to the client under the same id) unless the edge refused it, which
   * the edge then says; for a robot of ours the edge answers as its client would have.
   */
  private legacyCommand(rec: Rec<'command'>, user: string) {
    if (rec.robotId !== this.deps.robotId && rec.robotId !== 'broadcast') return
    const { robotId, earlier, state, broker } = this.deps
    const reply = (success: boolean, message: string, extra: Record<string, unknown> = {}) =>
      void broker.publish('tonypi/commands/response', JSON.stringify(legacyReply(robotId, rec.id, success, message, extra)))
    const m = fromLegacyCommand(rec.type, rec.params)
    if ('query' in m) {
      // Its client hears a query as sent (edge/legacy-client/forward-rule.ts) and answers it.
      if (earlier) return
      const st = state.status(Date.now())
      const battery = st.battery?.percent ?? null
      return m.query === 'battery_request'
        ? reply(true, 'Battery status retrieved', { data: { battery_level: battery, voltage: st.battery?.voltage_v ?? null, charging: false } })
        : reply(true, 'Status retrieved', {
            data: {
              status: st.estopped ? 'emergency_stopped' : 'online',
              emergency_stopped: st.estopped,
              emergency_reason: state.estopReason,
              battery_level: battery,
              hardware_available: true,
            },
          })
    }
    if ('refused' in m) return reply(false, m.refused)
    this.accepted.commands++
    const out = this.deps.commands.submit({ body: m.command, username: user, origin: 'legacy', id: rec.id ?? undefined })
    if (out.state === 'rejected') return reply(false, out.reason ?? 'rejected')
    if (!earlier) reply(true, out.reason ?? out.state)
  }

  /** A robot-side program's job report: the same lifecycle as the API and the legacy messages. */
  private jobReport(robotId: string, payload: unknown, topic: string) {
    // The ACL refuses other ids already; this keeps a misconfigured ACL from writing them.
    if (robotId !== this.deps.robotId) return this.drop(`robot_id ${robotId} is not this robot (${this.deps.robotId})`, topic)
    try {
      const { record, jobId } = decodeJobEvent(robotId, payload, Date.now())
      const r = this.deps.jobs.reported(record, { source: 'mqtt', jobId })
      this.accepted.jobs++
      // A report after the end changes nothing (the API answers it with 409): noted, not counted as malformed.
      if (r.ignored) this.limitedLog('info', 'job message ignored', { job_id: r.job.id, reason: r.ignored })
    } catch (err) {
      if (err instanceof JobEventError || err instanceof JobError) return this.drop(err.message, topic)
      throw err
    }
  }

  private commandRequest(payload: unknown, user: string, topic: string) {
    if (!isObj(payload)) return this.drop('command is not a JSON object', topic)
    // `{id, command: {...}}` or the command itself with an optional id beside its type.
    const p = payload as Record<string, unknown>
    const id = typeof p.id === 'string' ? p.id : undefined
    let body: unknown = p.command
    if (body === undefined) {
      const { id: _id, ...rest } = p
      body = rest
    }
    this.accepted.commands++
    // Every outcome, a rejection too, reaches `command/response` through the publisher.
    this.deps.commands.submit({ body, username: user, origin: 'mqtt', id })
  }
}
