// `tonypi/{id}/live`: what a synced robot sends its hub for the fleet view, a few times a
// second. Not history (that arrives in sync batches, exactly once), so the hub only shows it.
import { isStreamName, type Sample } from '../core/streams.ts'

export class LivePayloadError extends Error {}

export function encodeLive(robotId: string, samples: readonly Sample[]): string {
  return JSON.stringify({ robot_id: robotId, samples })
}

const NAME = /^[a-z][a-z0-9_]{0,47}$/
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/** The samples of a live message, checked field by field; throws LivePayloadError with the reason. */
export function decodeLive(robotId: string, body: unknown): Sample[] {
  const b = body as { robot_id?: unknown; samples?: unknown } | null
  if (!b || typeof b !== 'object') throw new LivePayloadError('live: not a JSON object')
  if (b.robot_id !== robotId) throw new LivePayloadError(`live: robot_id ${JSON.stringify(b.robot_id)} is not the topic's ${robotId}`)
  if (!Array.isArray(b.samples) || b.samples.length > 500) throw new LivePayloadError('live: samples must be an array of at most 500')
  return b.samples.map((s, i) => {
    const x = s as Partial<Sample> | null
    if (!x || typeof x !== 'object' || typeof x.stream !== 'string' || !isStreamName(x.stream))
      throw new LivePayloadError(`live: samples[${i}].stream is not a stream`)
    if (!finite(x.ts) || x.ts < 1e12 || x.ts > 1e13) throw new LivePayloadError(`live: samples[${i}].ts is not epoch milliseconds`)
    if (x.source !== undefined && (typeof x.source !== 'string' || x.source.length > 64))
      throw new LivePayloadError(`live: samples[${i}].source is not a short string`)
    const values: Record<string, number> = {}
    for (const [k, v] of Object.entries(x.values ?? {})) if (NAME.test(k) && finite(v)) values[k] = v
    return { stream: x.stream, ts: x.ts, ...(x.source !== undefined ? { source: x.source } : {}), values }
  })
}
