// One error shape for every failure an API returns: `{error, message}` with a 4xx/5xx.
// Shared by the edge and the hub, so clients handle both the same way.
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
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
