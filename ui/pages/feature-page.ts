// Pages for features whose API this robot may not have yet (jobs, alerts, logs, reports):
// ask the robot, and say honestly when it has no such thing.
import { NotAvailable } from '../components/not-available.ts'
import { RecordTable } from '../components/record-table.ts'
import { html } from '../lib/html.ts'
import { useApi } from '../lib/use-api.ts'

export function FeaturePage(props: { what: string; path: string; explain: string }) {
  const [res, reload] = useApi<unknown>(props.path)
  if (res.state === 'loading') return html`<p class="muted" role="status">Loading\u2026</p>`
  if (res.state === 'missing') return html`<${NotAvailable} what=${props.what}>${props.explain}<//>`
  if (res.state === 'error') {
    return html`<div class="form-error" role="alert">Could not load ${props.what.toLowerCase()}: ${res.error.message}
      <button type="button" class="btn btn-small" onClick=${reload}>Try again</button></div>`
  }
  const data = res.data as unknown
  const rows = Array.isArray(data) ? data : Array.isArray((data as { items?: unknown[] })?.items) ? (data as { items: unknown[] }).items : null
  if (!rows) return html`<${NotAvailable} what=${props.what}>This robot answered, but in a form this dashboard version does not read yet.<//>`
  return html`<${RecordTable} rows=${rows} label=${props.what} />`
}
