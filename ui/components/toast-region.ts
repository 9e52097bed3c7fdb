// Where toasts appear: announced to screen readers, dismissable, never covering the estop.
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { dismissToast, toasts } from '../lib/toasts.ts'

export function ToastRegion() {
  const list = useObservable(toasts)
  return html`<div class="toasts" role="region" aria-label="Notifications" aria-live="polite">
    ${list.map(
      (t) => html`<div key=${t.id} class=${`toast toast-${t.level}`} role=${t.level === 'error' ? 'alert' : 'status'} data-toast=${t.level}>
      <div class="toast-body"><strong>${t.title}</strong>${t.detail ? html`<span>${t.detail}</span>` : null}</div>
      <button type="button" class="toast-close" aria-label="Dismiss notification" onClick=${() => dismissToast(t.id)}>\u00d7</button>
    </div>`,
    )}
  </div>`
}
