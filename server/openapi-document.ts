// The OpenAPI document of an Elysia app, built on first request. @elysiajs/openapi is an
// 8,000-line module whose other half renders CDN-hosted UIs we do not serve (the edge has its
// own page, which works offline); importing it at start cost the edge about 1.5 MB of its
// 80 MB memory budget for a document a person asks for now and then.
import { Elysia } from 'elysia'
import type { authPlugin } from './auth-plugin.ts'

export interface OpenApiInfo {
  title: string
  version: string
  description?: string
}

const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
  robotCredential: { type: 'http', scheme: 'basic', description: 'a robot: `robot-<id>` and the token `POST robots` issued' },
}

/** A plugin serving `{path}` (default `/openapi.json`) under the app's prefix. */
export function lazyOpenApi(info: OpenApiInfo, opts: { auth: ReturnType<typeof authPlugin>; path?: string; excludePaths?: string[] }) {
  const path = opts.path ?? '/openapi.json'
  let cached: { routes: number; doc: unknown } | null = null
  const plugin = new Elysia({ name: 'tonypi-openapi' })
  return plugin.use(opts.auth).get(
    path,
    async () => {
      // Routes are global to the app tree; the count tells a stale cache (routes added later).
      const routes = (plugin as unknown as { getGlobalRoutes(): unknown[] }).getGlobalRoutes().length
      if (cached?.routes === routes) return cached.doc
      const { toOpenAPISchema } = await import('@elysiajs/openapi')
      const { paths, components } = toOpenAPISchema(plugin, { paths: opts.excludePaths ?? [] })
      const doc = {
        openapi: '3.1.2',
        info,
        paths,
        components: { ...components, securitySchemes: SECURITY_SCHEMES },
      }
      cached = { routes, doc }
      return doc
    },
    { auth: 'public', detail: { hide: true } },
  )
}
