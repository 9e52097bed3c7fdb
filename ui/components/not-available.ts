// The honest empty state: this robot's software does not offer the feature yet. Never
// sample data in its place.
import type { ComponentChildren } from 'preact'
import { html } from '../lib/html.ts'
import { SERVER_NAME } from '../lib/mode.ts'

export function NotAvailable(props: { what: string; children?: ComponentChildren }) {
  return html`<div class="not-available" data-state="not-available">
    <strong>${props.what} ${/s$/.test(props.what) ? 'are' : 'is'} not available on this ${SERVER_NAME} yet.</strong>
    <p class="muted">${props.children ?? 'This robot\u2019s software does not offer it in this version. It will appear here when it does.'}</p>
  </div>`
}
