// A plain table of whatever records an API returns: used where this dashboard does not yet
// have a dedicated view, so real data is shown as it is rather than not at all.
import { html } from '../lib/html.ts'

function cell(v: unknown): string {
  if (v === null || v === undefined) return '\u2014'
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

export function RecordTable(props: { rows: unknown[]; label: string; max?: number }) {
  const rows = props.rows.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null).slice(0, props.max ?? 200)
  if (!rows.length) return html`<p class="muted">Nothing to show.</p>`
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 8)
  return html`<div class="table-wrap"><table class="table" aria-label=${props.label}>
    <thead><tr>${keys.map((k) => html`<th scope="col" key=${k}>${k}</th>`)}</tr></thead>
    <tbody>${rows.map((r, i) => html`<tr key=${i}>${keys.map((k) => html`<td key=${k}>${cell(r[k])}</td>`)}</tr>`)}</tbody>
  </table></div>`
}
