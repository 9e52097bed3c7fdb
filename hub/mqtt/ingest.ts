// What the hub stores from what robots publish (our topic tree and, through the one legacy
// adapter, the earlier layout): samples to InfluxDB with the robot's own timestamps, jobs and the
// earlier client's log lines to PostgreSQL. Each message comes to one replica (hub/mqtt/
// ingest-session.ts: a shared subscription, and for jobs, whose messages must be applied in the
// order they were sent, one session that the holder of a lease takes) and is stored before it is
// acknowledged; one the broker sends again (`dup`: its first delivery may have been stored before
// the replica holding it died) is stored so that a second copy changes nothing. Nothing malformed
// crashes it.
//
// The robot is always the one its topic names: the broker's ACL lets a robot's credential write
// only under its own id, and the earlier layout's shared topics, which name the robot only in the
// payload, are ignored (hub/mqtt/bridge.ts says more).
import { and, eq, gte } from 'drizzle-orm'
import { decodeJobEvent, JobEventError } from '../../core/job-event.ts'
import { adaptLegacyMessage } from '../../core/legacy/adapt.ts'
import { LegacyMessageError, type LegacyRecord } from '../../core/legacy/record.ts'
import { LegacyImuAssembler } from '../../core/legacy/imu.ts'
import { LegacyStatusTransitions } from '../../core/legacy/mapping.ts'
import type { Sample } from '../../core/streams.ts'
import { decodeTelemetry, TelemetryPayloadError } from '../../core/telemetry-payload.ts'
import { parseTopic } from '../../core/topics.ts'
import type { HubDb } from '../db/database.ts'
import { systemLogs } from '../db/schema.ts'
import type { RobotRegistry } from '../robots/robot-registry.ts'
import type { DropCounter } from './drops.ts'
import { LEGACY_SHARED_TOPICS } from './bridge.ts'

export interface DurableSink {
  write(robotId: string, samples: Sample[]): void
  /** Resolves once everything written before the call is stored (or given up for good). */
  flush(): Promise<void>
}

export interface IngestRecords {
  log(rec: { robotId: string; level: string; category: string; message: string; details?: unknown; ts: number }): Promise<void>
  job(rec: Extract<LegacyRecord, { kind: 'job' }>, resent?: boolean): Promise<void>
}

/** Queued for InfluxDB; `stored` settles once it is written. */
interface Queued {
  stored: Promise<void>
}

const TELEMETRY = new Set(['servos', 'imu', 'battery', 'performance', 'sensors'])
/** A resent log line of the earlier client whose time was not trusted was stamped on arrival: this close counts as the same. */
const RESENT_WINDOW_MS = 60_000

export class FleetIngest {
  readonly counters = { messages: 0, samples: 0, legacy: 0 }
  /** The earlier client's one-axis IMU messages, assembled into readings. */
  private readonly imu = new LegacyImuAssembler()
  /** What each earlier client last said of itself: a status is logged when it changes. */
  private readonly transitions = new LegacyStatusTransitions()
  /** Messages of one robot are stored in the order they came: a job's "started" before its "completed". */
  private readonly chains = new Map<string, Promise<void>>()

  constructor(private readonly deps: { db: HubDb; registry: RobotRegistry; sink: DurableSink; records: IngestRecords; drops: DropCounter }) {}

  readonly handle = (topic: string, payload: Buffer, dup: boolean): Promise<void> => {
    const key = topic.split('/').slice(0, 3).join('/')
    const next = (this.chains.get(key) ?? Promise.resolve()).then(() => this.store(topic, payload, dup))
    const tail = next.then(
      () => undefined,
      () => undefined,
    )
    this.chains.set(key, tail)
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key)
    })
    return next.then((queued) => queued?.stored)
  }

  /**
   * Applies a message in its robot's order. Samples are only queued for InfluxDB in that order
   * (their timestamps order them there): the message's acknowledgement waits on `stored`, the
   * robot's next message does not, so a robot's messages share the writer's requests instead of
   * each waiting out a request of its own.
   */
  private async store(topic: string, payload: Buffer, dup: boolean): Promise<Queued | undefined> {
    this.counters.messages++
    const t = parseTopic(topic)
    if (t.kind === 'unknown' || t.kind === 'system') return
    let body: unknown
    try {
      body = JSON.parse(payload.toString('utf8'))
    } catch {
      return this.drop('payload is not valid JSON', topic)
    }
    try {
      return t.kind === 'robot' ? await this.robotTopic(t.robotId, t.channel, body, topic, dup) : await this.legacy(topic, body, dup)
    } catch (err) {
      if (!(err instanceof TelemetryPayloadError || err instanceof LegacyMessageError || err instanceof JobEventError)) throw err
      return this.drop(err.message, topic)
    }
  }

  private drop(why: string, topic: string): undefined {
    this.deps.drops.drop(why, topic)
    return undefined
  }

  private samples(robotId: string, samples: Sample[]): Queued {
    this.deps.sink.write(robotId, samples)
    this.counters.samples += samples.length
    return { stored: this.deps.sink.flush() }
  }

  private async robotTopic(robotId: string, channel: string, body: unknown, topic: string, dup: boolean): Promise<Queued | undefined> {
    if (!(await this.deps.registry.isKnown(robotId))) return this.drop(`robot ${robotId} is not registered`, topic)
    if (TELEMETRY.has(channel)) return this.samples(robotId, decodeTelemetry(channel as 'servos', body))
    if (channel === 'job') {
      // The payload's job_id is the edge's own and means nothing in the hub's table: reports are
      // matched by task name to the robot's open run (hub/records.ts).
      await this.deps.records.job(decodeJobEvent(robotId, body, Date.now()).record, dup)
    }
  }

  private async legacy(topic: string, body: unknown, dup: boolean): Promise<Queued | undefined> {
    if ((LEGACY_SHARED_TOPICS as readonly string[]).includes(topic)) return
    const rec = adaptLegacyMessage(topic, body, Date.now())
    if (!rec || rec.kind === 'command' || rec.kind === 'command_response' || rec.kind === 'unused') return
    if (!(await this.deps.registry.isKnown(rec.robotId))) return this.drop(`robot ${rec.robotId} is not registered`, topic)
    this.counters.legacy++
    switch (rec.kind) {
      case 'samples':
        return this.samples(rec.robotId, rec.samples)
      case 'imu_axis': {
        const reading = this.imu.add(rec.robotId, rec.axis, rec.value, rec.ts)
        return reading ? this.samples(rec.robotId, [reading]) : undefined
      }
      case 'status': {
        this.imu.noteHardware(rec.robotId, rec.info.hardware_available)
        // Its client repeats its status every 10 s: the log gets a line when it says something new.
        const change = this.transitions.note(rec.robotId, rec)
        if (rec.status === 'offline') this.transitions.forget(rec.robotId)
        if (change)
          await this.deps.records.log({
            robotId: rec.robotId,
            level: change.level,
            category: 'robot',
            message: change.message,
            details: { status: rec.status, ...rec.info },
            ts: rec.ts,
          })
        return this.samples(rec.robotId, rec.samples)
      }
      case 'log':
        if (dup && (await this.logStored(rec))) return
        await this.deps.records.log({
          robotId: rec.robotId,
          level: rec.level,
          category: 'robot',
          message: rec.message,
          details: { source: rec.source, ts_trusted: rec.tsTrusted },
          ts: rec.ts,
        })
        return
      case 'job':
        await this.deps.records.job(rec, dup)
        return
    }
  }

  private async logStored(rec: Extract<LegacyRecord, { kind: 'log' }>): Promise<boolean> {
    const at = rec.tsTrusted ? eq(systemLogs.ts, new Date(rec.ts)) : gte(systemLogs.ts, new Date(rec.ts - RESENT_WINDOW_MS))
    const rows = await this.deps.db
      .select({ id: systemLogs.id })
      .from(systemLogs)
      .where(and(eq(systemLogs.robotId, rec.robotId), eq(systemLogs.message, rec.message), at))
      .limit(1)
    return rows.length > 0
  }
}
