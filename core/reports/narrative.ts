// Asking the model for the narrative without ever letting it fail or stall the report: every
// outcome is either text or a sentence saying why there is none.
import type { NarrativeModel } from './model.ts'

export type NarrativeOutcome = { narrative: string; narrative_error: null } | { narrative: null; narrative_error: string }

/** Enough for several pages; a runaway answer must not bloat the database or the PDF. */
export const MAX_NARRATIVE_CHARS = 20_000

export class NarrativeTimeout extends Error {}

export async function narrate(
  model: NarrativeModel | null,
  prompt: string,
  opts: { timeoutMs: number; signal?: AbortSignal; missingModelReason?: string },
): Promise<NarrativeOutcome> {
  if (!model) return { narrative: null, narrative_error: opts.missingModelReason ?? 'no language model is configured' }
  const ctrl = new AbortController()
  const onAbort = () => ctrl.abort(opts.signal?.reason)
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  let timer: ReturnType<typeof setTimeout> | undefined
  const started = Date.now()
  // The race is the guarantee: the deadline holds even if an SDK ignores its abort signal.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new NarrativeTimeout())
      ctrl.abort()
    }, opts.timeoutMs)
  })
  try {
    const text = await Promise.race([model.narrate(prompt, { timeoutMs: opts.timeoutMs, signal: ctrl.signal }), deadline])
    const trimmed = text.trim()
    if (!trimmed) return { narrative: null, narrative_error: `the model (${model.name}) returned no text` }
    return {
      narrative:
        trimmed.length > MAX_NARRATIVE_CHARS ? `${trimmed.slice(0, MAX_NARRATIVE_CHARS)}\n[narrative cut at ${MAX_NARRATIVE_CHARS} characters]` : trimmed,
      narrative_error: null,
    }
  } catch (err) {
    // An SDK's own timer may win the race by a hair; its abort is still our deadline.
    if (err instanceof NarrativeTimeout || isTimeout(err) || Date.now() - started >= opts.timeoutMs) {
      return { narrative: null, narrative_error: `the model (${model.name}) did not answer within ${formatSeconds(opts.timeoutMs)}` }
    }
    if (opts.signal?.aborted) return { narrative: null, narrative_error: 'the narrative was cancelled (the service is stopping)' }
    return { narrative: null, narrative_error: `the model (${model.name}) failed: ${describeError(err)}` }
  } finally {
    clearTimeout(timer)
    opts.signal?.removeEventListener('abort', onAbort)
  }
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name
  return name === 'TimeoutError'
}

const formatSeconds = (ms: number) => (ms < 1000 ? `${ms} ms` : ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`)

/** One line, bounded: an SDK's error may carry a whole response body. */
function describeError(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err)
  const line = msg.replace(/\s+/g, ' ').trim() || 'unknown error'
  return line.length > 300 ? `${line.slice(0, 300)}...` : line
}
