// GET tls/ca on the hub: the CA a robot pins once a person has compared its fingerprint.
import { Elysia } from 'elysia'
import { HttpError } from '../../core/http-error.ts'
import { certificateFingerprint } from '../../sync/ca-fingerprint.ts'
import type { HubContext } from '../context.ts'
import type { HubAuth } from './routes.ts'

/** What these routes use of the hub. */
type Needs = Pick<HubContext, 'tlsCa'>

export function hubTlsRoutes(ctx: Needs, auth: HubAuth) {
  return new Elysia().use(auth).get(
    '/tls/ca',
    () => {
      if (!ctx.tlsCa)
        throw new HttpError(404, 'not_found', "this hub has no CA of its own (TONYPI_HUB_TLS_CA): robots trust its certificate through their system's CAs")
      return { ca: ctx.tlsCa, fingerprint: certificateFingerprint(ctx.tlsCa) }
    },
    {
      auth: 'public',
      detail: {
        summary:
          "The CA that signed the hub's certificate (PEM), for a robot to pin once a person has compared its fingerprint with the one the hub printed (npm run edge:register does)",
      },
    },
  )
}
