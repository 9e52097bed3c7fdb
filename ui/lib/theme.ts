// Light and dark themes. The default follows the system setting (and keeps following it
// when it changes, e.g. at dusk); choosing one explicitly is remembered on this device.
// index.html's inline script applies the same rule before the first paint.
import { Observable } from './observable.ts'

export type ThemeChoice = 'system' | 'light' | 'dark'
export type Theme = 'light' | 'dark'

const KEY = 'tonypi.theme'
const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null

function readChoice(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY)
    return v === 'light' || v === 'dark' ? v : 'system'
  } catch {
    return 'system'
  }
}

function resolve(choice: ThemeChoice): Theme {
  if (choice !== 'system') return choice
  return media?.matches ? 'dark' : 'light'
}

export const themeChoice = new Observable<ThemeChoice>(readChoice())
export const theme = new Observable<Theme>(resolve(themeChoice.value))

function apply() {
  const t = resolve(themeChoice.value)
  document.documentElement.dataset.theme = t
  theme.set(t)
}

export function chooseTheme(choice: ThemeChoice) {
  try {
    if (choice === 'system') localStorage.removeItem(KEY)
    else localStorage.setItem(KEY, choice)
  } catch {
    // No storage: the choice lasts for this page.
  }
  themeChoice.set(choice)
  apply()
}

export function toggleTheme() {
  chooseTheme(theme.value === 'dark' ? 'light' : 'dark')
}

export function startTheme() {
  apply()
  media?.addEventListener('change', apply)
}
