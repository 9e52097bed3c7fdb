// A list of log entries, the same on the edge (edge-logs.ts) and the hub (records.ts): time,
// level, category and message, or a line saying nothing matched.
import { dateTime } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { RecordTable } from './page-parts.ts'

const LEVEL_TONE: Record<string, string> = { debug: 'muted', info: 'muted', warn: 'warn', error: 'bad', critical: 'bad' }

export interface LogLine {
  key: string | number
  ts: number
  level: string
  category: string
  message: string
  /** Attributes the row carries for its page, such as its sequence number. */
  data?: Record<string, string | number>
}

export function LogTable(props: { lines: LogLine[] }) {
  if (!props.lines.length) return html`<p class="muted" data-state="empty">No log entries match.</p>`
  return html`<${RecordTable} label="Logs" class="table-logs">
    <thead><tr><th scope="col">Time</th><th scope="col">Level</th><th scope="col">Category</th><th scope="col">Message</th></tr></thead>
    <tbody>${props.lines.map(
      (l) => html`<tr key=${l.key} ...${l.data}>
      <td data-label="Time" class="nowrap">${dateTime(l.ts, { seconds: true })}</td><td data-label="Level"><span class=${`pill tone-${LEVEL_TONE[l.level] ?? 'muted'}`}>${l.level}</span></td>
      <td data-label="Category">${l.category}</td><td data-label="Message" class="log-message">${l.message}</td>
    </tr>`,
    )}</tbody>
  <//>`
}
