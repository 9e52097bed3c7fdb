// One error shape for every failure an API returns: `{error, message}` with a 4xx/5xx.
// Shared by the edge and the hub, so clients handle both the same way.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

export const unauthorized = () => new HttpError(401, 'unauthorized', 'a valid bearer token is required')
export const forbidden = (role: string) => new HttpError(403, 'forbidden', `this needs the ${role} role`)

/** The message of a schema validation failure, from Elysia's error, naming the field. */
export function validationMessage(error: unknown): string {
  const e = error as { all?: { path?: string; summary?: string; message?: string }[] }
  const first = e.all?.find((x) => x.path) ?? e.all?.[0]
  if (first) return `${first.path || 'body'}: ${first.summary ?? first.message ?? 'invalid'}`
  return 'the request does not match its schema'
}

/**
 * The edge's and the hub's onError: our HttpError as it is, Elysia's validation, parse and
 * routing failures as 4xx in the same shape, anything else logged and a bare 500 (no stack
 * or internals to the client).
 */
export function apiErrorHandler(log: { error(msg: string, fields: Record<string, unknown>): void }) {
  return ({ error: raised, code, set }: { error: unknown; code: unknown; set: { status?: number | string; headers: Record<string, string | number> } }) => {
    // A refusal from the auth layer's body reader arrives wrapped as a parse failure.
    const cause = (raised as { cause?: unknown } | null)?.cause
    const error = code === 'PARSE' && cause instanceof HttpError ? cause : raised
    if (error instanceof HttpError) {
      set.status = error.status
      Object.assign(set.headers, error.headers)
      return { error: error.code, message: error.message }
    }
    if (code === 'VALIDATION') {
      set.status = 400
      return { error: 'invalid_request', message: validationMessage(error) }
    }
    if (code === 'PARSE') {
      set.status = 400
      return { error: 'invalid_request', message: 'the body is not valid JSON' }
    }
    if (code === 'NOT_FOUND') {
      set.status = 404
      return { error: 'not_found', message: 'no such route' }
    }
    log.error('request failed', { error: loggable(error) })
    set.status = 500
    return { error: 'internal', message: 'internal error' }
  }
}

/**
 * An error as it may be logged: a failed query's message carries its SQL and its parameters,
 * which are the request's input (and may be a password or a token): only the database's own
 * reason is kept.
 */
function loggable(error: unknown): Error {
  const e = error as Error & { cause?: unknown; query?: unknown }
  if (typeof e?.message === 'string' && (e.message.startsWith('Failed query') || e.query !== undefined)) {
    const reason = e.cause instanceof Error ? e.cause.message : 'query failed'
    return Object.assign(new Error(`database: ${reason}`), { name: e.name })
  }
  return e
}
