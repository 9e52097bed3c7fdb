// Client-side pages on real paths (/servos), so a link can be shared and a reload lands on
// the same page: the server answers every page path with the same index.html.
import { html } from './html.ts'
import { Observable } from './observable.ts'
import type { ComponentChildren } from 'preact'

export const route = new Observable<string>(location.pathname)

export function navigate(path: string, opts: { replace?: boolean } = {}) {
  if (path === location.pathname) return
  if (opts.replace) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  route.set(location.pathname)
  // A new page starts at the top, and focus moves to it for screen-reader and keyboard users.
  window.scrollTo(0, 0)
  queueMicrotask(() => document.getElementById('main')?.focus({ preventScroll: true }))
}

export function startRouter() {
  addEventListener('popstate', () => route.set(location.pathname))
}

export function Link(props: { href: string; class?: string; children?: ComponentChildren; current?: boolean; [k: string]: unknown }) {
  const { href, children, current, ...rest } = props
  const onClick = (e: MouseEvent) => {
    // Let the browser handle new-tab and download gestures.
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    navigate(href)
  }
  return html`<a href=${href} onClick=${onClick} aria-current=${current ? 'page' : undefined} ...${rest}>${children}</a>`
}
