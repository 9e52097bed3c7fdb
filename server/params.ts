// Query parameter types both APIs share.
import { t } from 'elysia'
import { EPOCH_MS_BOUNDS } from '../core/schemas.ts'

/** An epoch-ms query parameter a Date can hold: a wild value is a 400, never a failed query. */
export const EpochMs = (description = 'epoch ms') => t.Numeric({ ...EPOCH_MS_BOUNDS, description })
