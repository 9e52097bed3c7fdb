// Query parameter and body helpers both APIs share.
import type { ObjectOptions, TProperties } from '@sinclair/typebox'
import { t } from 'elysia'
import { HttpError } from '../core/http-error.ts'
import { EPOCH_MS_BOUNDS } from '../core/schemas.ts'

/** An epoch-ms query parameter a Date can hold: a wild value is a 400, never a failed query. */
export const EpochMs = (description = 'epoch ms') => t.Numeric({ ...EPOCH_MS_BOUNDS, description })

/**
 * A JSON object body that keeps the fields it does not know, for `knownFields` to name them:
 * the framework would drop them silently, and a misspelt filter would then match everything,
 * a misspelt field change nothing.
 */
export const OpenBody = <P extends TProperties>(props: P, opts: ObjectOptions = {}) => t.Object(props, { ...opts, additionalProperties: true })

/** The body, or a 400 naming its unknown fields and what `what` (`a rule`, `a filter`) has. */
export function knownFields<B extends object>(body: B, props: TProperties, what: string): B {
  const known = Object.keys(props)
  const unknown = Object.keys(body).filter((k) => !known.includes(k))
  if (unknown.length) {
    throw new HttpError(
      400,
      'invalid_request',
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}: ${what} has ${known.join(', ')}`,
    )
  }
  return body
}
