// Messages arriving at the embedded broker from clients: command requests and job reports
// on our topic tree, and the earlier system's layout through the one legacy adapter.
// Anything malformed is dropped with its reason counted and logged, never a crash.
import type { AedesPublishPacket, Client } from 'aedes'
import { decodeJobEvent, JobEventError } from '../../core/job-event.ts'
import { adaptLegacyMessage, LegacyMessageError } from '../../core/legacy.ts'
import type { Logger } from '../../core/log.ts'
import { parseTopic, robotTopic } from '../../core/topics.ts'
import type { CommandExecutor } from '../commands/command-executor.ts'
import { JobError, type JobService } from '../jobs/job-service.ts'
import type { RobotState } from '../../core/robot-state.ts'
import { isObj } from '../../core/json-object.ts'
import type { SampleBus } from '../sample-bus.ts'
import { principalOf, type EmbeddedBroker } from './broker.ts'

/** The earlier client's command vocabulary (LEGACY.md), mapped to ours. */
const LEGACY_COMMANDS: Record<string, (p: Record<string, unknown>) => unknown> = {
  stop: () => ({ type: 'stop' }),
  emergency_stop: (p) => ({ type: 'estop', reason: typeof p.reason === 'string' ? p.reason.slice(0, 200) : undefined }),
  resume: () => ({ type: 'resume' }),
  move: (p) => (p.direction === 'stop' ? { type: 'stop' } : { type: 'motion', motion: p.direction }),
  head_nod: () => ({ type: 'motion', motion: 'head_nod' }),
  head_shake: () => ({ type: 'motion', motion: 'head_shake' }),
}

/** Requests the earlier robot answered with data rather than a motion. */
const LEGACY_QUERIES = new Set(['status_request', 'battery_request'])

export class BrokerInbound {
  readonly dropped = new Map<string, number>()
  readonly accepted = { legacy: 0, commands: 0, jobs: 0 }
  private logged = 0
  private logWindow = 0

  constructor(
    private readonly deps: { broker: EmbeddedBroker; robotId: string; bus: SampleBus; commands: CommandExecutor; jobs: JobService; state: RobotState; log: Logger },
  ) {
    deps.broker.aedes.on('publish', (packet, client) => {
      if (client) this.handle(packet, client)
    })
  }

  private drop(reason: string, topic: string) {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1)
    this.limitedLog('warn', 'mqtt message dropped', { topic: topic.slice(0, 200), reason })
  }

  /** A flood of bad messages must not become a flood of log lines: at most 20 a minute. */
  private limitedLog(level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) {
    const now = Date.now()
    if (now - this.logWindow > 60_000) { this.logWindow = now; this.logged = 0 }
    if (this.logged++ < 20) this.deps.log[level](msg, fields)
  }

  droppedTotal(): number {
    let n = 0
    for (const v of this.dropped.values()) n += v
    return n
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
      if (!rec) return
      if (rec.kind === 'command') {
        if (rec.robotId !== this.deps.robotId && rec.robotId !== 'broadcast') return
        const reply = (success: boolean, message: string, extra: Record<string, unknown> = {}) =>
          void this.deps.broker.publish('tonypi/commands/response', JSON.stringify({
            robot_id: this.deps.robotId, command_id: rec.id, timestamp: new Date().toISOString(), success, message, ...extra,
          }))
        if (LEGACY_QUERIES.has(rec.type)) {
          const st = this.deps.state.status(Date.now())
          return reply(true, rec.type, rec.type === 'battery_request'
            ? { battery: st.battery ? { voltage: st.battery.voltage_v, percentage: st.battery.percent } : null }
            : { status: st.estopped ? 'emergency_stopped' : 'online', emergency_stopped: st.estopped, emergency_reason: this.deps.state.estopReason })
        }
        const map = LEGACY_COMMANDS[rec.type]
        if (!map) return reply(false, `command type ${JSON.stringify(rec.type.slice(0, 40))} is not supported by this robot${rec.type === 'shutdown' ? ' (power the Pi off with systemctl poweroff)' : ''}`)
        const out = this.deps.commands.submit({ body: map(rec.params), username: user, origin: 'legacy', id: rec.id ?? undefined })
        return reply(out.state !== 'rejected', out.reason ?? out.state)
      }
      if (rec.robotId !== this.deps.robotId) {
        return this.drop(`robot_id ${rec.robotId} is not this robot (${this.deps.robotId}); set TONYPI_ROBOT_ID to match`, packet.topic)
      }
      this.accepted.legacy++
      switch (rec.kind) {
        case 'samples': this.deps.bus.samples(rec.samples); break
        case 'status':
          this.deps.bus.samples(rec.samples)
          this.deps.bus.event('legacy.status', 'info', { status: rec.status, ts_trusted: rec.tsTrusted, ...rec.info }, rec.ts)
          break
        case 'log': this.deps.bus.event('legacy.log', rec.level === 'critical' ? 'error' : rec.level, { message: rec.message, source: rec.source, ts_trusted: rec.tsTrusted }, rec.ts); break
        case 'job': {
          // The job service announces the change itself (bus event `job`).
          const r = this.deps.jobs.legacy(rec)
          if (r.ignored) this.deps.log.info('legacy job message ignored', { job_id: r.job.id, reason: r.ignored })
          break
        }
        case 'command_response': this.deps.bus.event('legacy.command_response', 'info', { ...rec, kind: undefined }, rec.ts); break
      }
    } catch (err) {
      if (err instanceof LegacyMessageError) return this.drop(err.message, packet.topic)
      throw err
    }
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
    if (body === undefined) { const { id: _id, ...rest } = p; body = rest }
    this.accepted.commands++
    const out = this.deps.commands.submit({ body, username: user, origin: 'mqtt', id })
    // Later outcomes (done, failed) follow from the bus's command events.
    if (out.state === 'rejected') void this.deps.broker.publish(robotTopic(this.deps.robotId, 'command/response'), JSON.stringify(out))
  }
}
