// One error shape for every failure the API returns: `{error, message}` with a 4xx/5xx.
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message)
  }
}

export const unauthorized = () => new HttpError(401, 'unauthorized', 'a valid bearer token is required')
export const forbidden = (role: string) => new HttpError(403, 'forbidden', `this needs the ${role} role`)
