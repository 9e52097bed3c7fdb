// Reading a JSON request body within limits, before anything parses or validates it: the
// declared length is checked first (413 without reading), then the bytes are counted as they
// arrive (413 as soon as they pass the limit, the rest never read), the nesting depth is
// counted in one pass over the text (400 before JSON.parse can recurse), and NUL characters,
// which PostgreSQL cannot store, are refused (400) instead of failing a query later.
import { HttpError } from '../core/http-error.ts'

export interface BodyLimits {
  /** Largest body in bytes. */
  maxBytes: number
  /** Deepest nesting of arrays and objects (a flat object is 1). */
  maxDepth: number
  /** The route reads the bytes itself (a compressed sync batch): only the size is checked here. */
  raw?: boolean
}

/** Enough for every body this API takes (a command, a user, a rule, a note of 4000 characters). */
export const DEFAULT_BODY_LIMITS: BodyLimits = { maxBytes: 16 * 1024, maxDepth: 8 }

const tooLarge = (max: number) => new HttpError(413, 'payload_too_large', `the body may be at most ${max} bytes`)

/** True when arrays and objects in `text` nest deeper than `max`; strings are skipped. */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92)
        i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 || c === 123) {
      if (++depth > max) return true
    } else if (c === 93 || c === 125) depth--
  }
  return false
}

function hasNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\0')
  if (typeof v !== 'object' || v === null) return false
  for (const [k, x] of Object.entries(v)) if (k.includes('\0') || hasNul(x)) return true
  return false
}

/** The body's bytes, up to `maxBytes` (413 past it, the rest never read). */
export async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes)
  if (!request.body) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      void reader.cancel().catch(() => {})
      throw tooLarge(maxBytes)
    }
    chunks.push(value)
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
}

/** The body as JSON within `limits`; null for an empty body. Throws HttpError 400/413/415. */
export async function readJsonBody(request: Request, limits: BodyLimits): Promise<unknown> {
  const bytes = await readCapped(request, limits.maxBytes)
  if (bytes.byteLength === 0) return null
  const type = request.headers.get('content-type') ?? ''
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) throw new HttpError(415, 'unsupported_media_type', 'send the body as application/json')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new HttpError(400, 'invalid_request', 'the body is not valid UTF-8')
  }
  if (nestsDeeperThan(text, limits.maxDepth)) throw new HttpError(400, 'invalid_request', `the body nests deeper than ${limits.maxDepth} levels`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new HttpError(400, 'invalid_request', 'the body is not valid JSON')
  }
  if (hasNul(value)) throw new HttpError(400, 'invalid_request', 'the body contains a NUL character')
  return value
}
