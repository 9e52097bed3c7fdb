// GET docs: the browsable API page (docs-page.ts), left out of the document it shows.
import { Elysia } from 'elysia'
import { docsPage } from './docs-page.ts'
import type { EdgeAuth } from './routes.ts'

export function docsRoutes(auth: EdgeAuth) {
  return new Elysia()
    .use(auth)
    .get('/docs', () => new Response(docsPage('/api/v1/openapi.json'), { headers: { 'content-type': 'text/html; charset=utf-8' } }), {
      auth: 'public',
      detail: { hide: true },
    })
}
