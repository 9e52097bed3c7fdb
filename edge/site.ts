// The dashboard's files. The Preact dashboard (ui/) is served from here once it exists;
// until then `/` is a plain page that says where the API and the live feed are.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { StaticSite } from './server.ts'

const UI_DIR = join(import.meta.dir, '..', 'ui')

export function dashboardSite(): StaticSite {
  return {
    serve(req) {
      const path = new URL(req.url).pathname
      if (path !== '/' && path !== '/index.html') return null
      const index = join(UI_DIR, 'index.html')
      if (existsSync(index)) return new Response(Bun.file(index))
      return new Response(`<!doctype html><meta charset="utf-8"><title>TonyPi edge</title>
<p>The TonyPi edge is running. The dashboard is not part of this build yet.</p>
<ul><li><a href="/api/v1/docs">API documentation</a></li><li><a href="/api/v1/health">Health</a></li></ul>`, { headers: { 'content-type': 'text/html; charset=utf-8' } })
    },
  }
}
