// The fleet's jobs on the robots page (hub): the figures a robot's jobs page shows, over every
// robot, and a row per robot to compare them (GET jobs/stats).
import { Card } from '../components/card.ts'
import { num } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { useApi } from '../lib/use-api.ts'
import { JobStatsReadings, type JobStats } from '../pages/record-stats.ts'
import { RecordTable } from '../pages/page-parts.ts'

type FleetJobStats = JobStats & { robots: (JobStats & { robot_id: string })[] }

const rate = (s: JobStats) => (s.success_rate === null ? '\u2014' : num(s.success_rate * 100, 0, '%'))
const mean = (s: JobStats) => (s.mean_duration_ms === null ? '\u2014' : num(s.mean_duration_ms / 1000, 1, 's'))

export function FleetJobStats() {
  const [res] = useApi<FleetJobStats>('/jobs/stats', { refreshMs: 30_000 })
  if (res.state !== 'ok' || !res.data.total) return null
  const s = res.data
  return html`<${Card} title="Jobs across the fleet" data-card="fleet-job-stats">
    <${JobStatsReadings} stats=${s} />
    <${RecordTable} label="Jobs per robot">
      <thead><tr><th scope="col">Robot</th><th scope="col" class="num">Jobs</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Success rate</th><th scope="col" class="num">Mean duration</th></tr></thead>
      <tbody>${s.robots.map(
        (r) => html`<tr key=${r.robot_id} data-robot-jobs=${r.robot_id}>
        <td data-label="Robot">${r.robot_id}</td><td data-label="Jobs" class="num">${r.total}</td><td data-label="Failed" class="num">${r.by_status.failed ?? 0}</td>
        <td data-label="Success rate" class="num">${rate(r)}</td><td data-label="Mean duration" class="num">${mean(r)}</td>
      </tr>`,
      )}</tbody>
    <//>
  <//>`
}
