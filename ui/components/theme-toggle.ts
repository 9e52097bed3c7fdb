import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { theme, toggleTheme } from '../lib/theme.ts'

export function ThemeToggle() {
  const t = useObservable(theme)
  const next = t === 'dark' ? 'light' : 'dark'
  return html`<button type="button" class="icon-btn" data-action="theme" onClick=${toggleTheme}
    aria-label=${`Switch to ${next} theme`} title=${`Switch to ${next} theme`}>
    <span aria-hidden="true">${t === 'dark' ? '\u2600' : '\u263e'}</span>
  </button>`
}
