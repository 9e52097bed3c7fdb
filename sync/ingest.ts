// The hub's reading of a batch, before anything is stored: the body inflated within its limits,
// the header checked strictly (a bad header refuses the whole batch with a reason the robot
// logs), each record checked on its own (a bad one is set aside, never blocking the rest), the
// chunks decoded back to samples, and every timestamp corrected for a clock that was wrong
// when it was taken. What to store, and how, is the hub's business (hub/sync).
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Type as T } from '@sinclair/typebox'
import { decodeChunk } from '../core/chunk-codec.ts'
import { detailsOf, ROBOT_EDITED_EVENT, robotDetailsCheck, type EditedDetails } from '../core/robot-details.ts'
import type { Sample } from '../core/streams.ts'
import { correctionFor, spanOf } from './clock.ts'
import {
  BATCH_LIMITS,
  Batch,
  SYNC_VERSION,
  SyncRecord,
  type AlertSyncRecord,
  type ClockSpan,
  type CommandSyncRecord,
  type EventRecord,
  type JobSyncRecord,
  type ReportSyncRecord,
} from './protocol.ts'

export class BatchRefused extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'BatchRefused'
  }
}

const BatchHeader = T.Omit(Batch, ['records'])
const headerCheck = TypeCompiler.Compile(T.Intersect([BatchHeader, T.Object({ records: T.Array(T.Unknown(), { maxItems: BATCH_LIMITS.maxRecords }) })]))
const recordCheck = TypeCompiler.Compile(SyncRecord)

/** Inflates and parses a request body: gzip (or plain JSON), within the wire and batch limits. */
export function readBatchBody(body: Uint8Array, contentEncoding: string | null): unknown {
  if (body.length > BATCH_LIMITS.maxWireBytes)
    throw new BatchRefused(413, 'too_large', `the body is ${body.length} bytes; at most ${BATCH_LIMITS.maxWireBytes} are accepted`)
  let raw: Uint8Array = body
  if (contentEncoding === 'gzip') {
    try {
      raw = Bun.gunzipSync(body as Uint8Array<ArrayBuffer>)
    } catch {
      throw new BatchRefused(400, 'bad_encoding', 'the body is not valid gzip')
    }
  } else if (contentEncoding && contentEncoding !== 'identity') {
    throw new BatchRefused(415, 'bad_encoding', `content-encoding ${contentEncoding} is not supported (gzip)`)
  }
  if (raw.length > BATCH_LIMITS.maxBytes)
    throw new BatchRefused(413, 'too_large', `the batch is ${raw.length} bytes uncompressed; at most ${BATCH_LIMITS.maxBytes} are accepted`)
  try {
    return JSON.parse(new TextDecoder().decode(raw))
  } catch (err) {
    throw new BatchRefused(400, 'bad_json', `the batch is not valid JSON: ${(err as Error).message}`)
  }
}

export interface Quarantine {
  seq: number
  kind: string
  reason: string
  record: unknown
}

/** A batch ready to store: records by kind with their timestamps corrected, and what was set aside. */
export interface IngestPlan {
  batch: Omit<Batch, 'records'>
  chunks: { seq: number; samples: Sample[]; correctionMs: number }[]
  events: (EventRecord & { correctionMs: number })[]
  alerts: (AlertSyncRecord & { correctionMs: number })[]
  jobs: (JobSyncRecord & { correctionMs: number })[]
  commands: (CommandSyncRecord & { correctionMs: number })[]
  reports: (ReportSyncRecord & { correctionMs: number })[]
  quarantined: Quarantine[]
  correctedSamples: number
  /** The batch's last edit of the robot's details, at its corrected time; null when it has none. */
  details: EditedDetails | null
}

/** Checks the header; throws BatchRefused with the first problem, naming its path. */
export function checkBatch(v: unknown, robotId: string): Omit<Batch, 'records'> & { records: unknown[] } {
  const version = (v as { v?: unknown } | null)?.v
  if (version !== SYNC_VERSION)
    throw new BatchRefused(400, 'unsupported_version', `sync version ${JSON.stringify(version)} is not supported by this hub (it speaks ${SYNC_VERSION})`)
  if (!headerCheck.Check(v)) {
    const e = headerCheck.Errors(v).First()
    throw new BatchRefused(400, 'invalid_batch', `invalid batch${e ? `: ${e.path || '/'} ${e.message}` : ''}`)
  }
  const b = v as Batch
  if (b.robot_id !== robotId)
    throw new BatchRefused(400, 'wrong_robot', `the batch is robot ${b.robot_id}'s, the credential robot ${robotId}'s: a robot sends only its own data`)
  for (const lane of ['events', 'telemetry'] as const) {
    const r = b.lanes[lane]
    if (r && r.to < r.after) throw new BatchRefused(400, 'invalid_batch', `lanes.${lane}: to (${r.to}) is before after (${r.after})`)
  }
  return v as Omit<Batch, 'records'> & { records: unknown[] }
}

const inLane = (r: { after: number; to: number } | undefined, seq: number) => !!r && seq > r.after && seq <= r.to

/** Sorts the records, decodes chunks, applies clock corrections; anything that fails is quarantined. */
export function planBatch(b: Omit<Batch, 'records'> & { records: unknown[] }, anchors: ReadonlyMap<string, number>): IngestPlan {
  const { records, ...header } = b
  const plan: IngestPlan = {
    batch: header,
    chunks: [],
    events: [],
    alerts: [],
    jobs: [],
    commands: [],
    reports: [],
    quarantined: [],
    correctedSamples: 0,
    details: null,
  }
  const spans: ClockSpan[] = b.clock
  for (const raw of records) {
    const seq = typeof (raw as { seq?: unknown } | null)?.seq === 'number' ? (raw as { seq: number }).seq : 0
    const kind = String((raw as { kind?: unknown } | null)?.kind ?? 'unknown')
    if (!recordCheck.Check(raw)) {
      const e = recordCheck.Errors(raw).First()
      plan.quarantined.push({ seq, kind, reason: `invalid record${e ? `: ${e.path || '/'} ${e.message}` : ''}`, record: raw })
      continue
    }
    const rec = raw as SyncRecord
    const lane = rec.kind === 'chunk' ? b.lanes.telemetry : b.lanes.events
    if (!inLane(lane, rec.seq)) {
      plan.quarantined.push({
        seq,
        kind,
        reason: `sequence ${rec.seq} is outside the batch's ${rec.kind === 'chunk' ? 'telemetry' : 'events'} lane`,
        record: null,
      })
      continue
    }
    const correctionMs = correctionFor(spanOf(spans, rec.seq), anchors)
    switch (rec.kind) {
      case 'chunk': {
        let samples: Sample[]
        try {
          samples = decodeChunk(rec.stream, Buffer.from(rec.data, 'base64'))
          if (samples.length !== rec.n) throw new Error(`it holds ${samples.length} samples, not ${rec.n}`)
        } catch (err) {
          plan.quarantined.push({
            seq,
            kind,
            reason: `chunk does not decode: ${(err as Error).message}`,
            record: { ...rec, data: `${rec.data.length} base64 characters` },
          })
          continue
        }
        if (correctionMs) {
          for (const s of samples) {
            s.ts += correctionMs
            s.values.clock_correction_ms = correctionMs
          }
          plan.correctedSamples += samples.length
        }
        plan.chunks.push({ seq: rec.seq, samples, correctionMs })
        break
      }
      case 'event': {
        const ts = rec.ts + correctionMs
        plan.events.push({ ...rec, ts, correctionMs })
        // The edit's record in the log stands whatever its details hold; only well-formed ones are kept on the robot's row.
        const details = rec.event === ROBOT_EDITED_EVENT ? (rec.data as { details?: unknown } | null)?.details : undefined
        if (details !== undefined && robotDetailsCheck.Check(details) && ts > (plan.details?.edited_at ?? -Infinity))
          plan.details = { ...detailsOf(details), edited_at: ts }
        break
      }
      case 'alert':
        plan.alerts.push({ ...rec, ...shift(rec, correctionMs, ['created_at', 'updated_at', 'acknowledged_at', 'resolved_at']), correctionMs })
        break
      case 'job':
        plan.jobs.push({ ...rec, ...shift(rec, correctionMs, ['started_at', 'updated_at', 'finished_at']), correctionMs })
        break
      case 'command':
        plan.commands.push({ ...rec, ...shift(rec, correctionMs, ['ts', 'updated_at']), correctionMs })
        break
      case 'report':
        plan.reports.push({ ...rec, ...shift(rec, correctionMs, ['created_at', 'from_ts', 'to_ts']), correctionMs })
        break
    }
  }
  return plan
}

function shift<R extends Record<string, unknown>>(rec: R, ms: number, keys: (keyof R & string)[]): Partial<R> {
  if (!ms) return {}
  const out: Record<string, unknown> = {}
  for (const k of keys) if (typeof rec[k] === 'number') out[k] = (rec[k] as number) + ms
  return out as Partial<R>
}
