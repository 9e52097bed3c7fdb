// The dashboard's files, served from the one Preact + htm UI in ui/: bundled in memory at
// start-up, so the edge needs no build step and no files beyond its sources.
import { dashboardResponder } from '../ui/server/dashboard-site.ts'
import type { StaticSite } from './server.ts'

export function dashboardSite(): StaticSite {
  return dashboardResponder()
}
