// The dashboard's files, served from the one Preact + htm UI in ui/: bundled in memory at
// start-up, so the edge needs no build step and no files beyond its sources.
import { createLogger, type Logger } from '../core/log.ts'
import { dashboardResponder } from '../ui/server/dashboard-site.ts'
import type { StaticSite } from './server.ts'

export function dashboardSite(log: Logger = createLogger({ component: 'dashboard' })): StaticSite {
  const site = dashboardResponder()
  // The API keeps working without the dashboard; say at start-up why `/` answers 503.
  site.ready.then(
    (b) => log.debug('dashboard built', { files: b.files.size }),
    (err) => log.error('the dashboard did not build; / answers 503 until it does', { error: err as Error }),
  )
  return site
}
