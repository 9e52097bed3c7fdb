// What the record pages (alerts, jobs, logs, reports, settings; edge and hub) are made of: a
// loading or failed state with a retry, filters kept in the URL, downloads that carry the
// token, actions whose failure is told, and tables that become cards on a phone.
import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { API_BASE } from '../lib/api.ts'
import { dateTime } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { session } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import type { Resource } from '../lib/use-api.ts'

export const when = (ts: number | null | undefined) => (ts ? dateTime(ts) : '\u2014')
export const loaded = <T>(r: Resource<T>): T | undefined => (r.state === 'ok' || r.state === 'error' ? r.data : undefined)
export const value = (e: Event) => (e.target as HTMLInputElement).value

export function Status(props: { res: Resource<unknown>; what: string; reload: () => void }) {
  if (props.res.state === 'error') {
    return html`<p class="form-error" role="alert">Could not load the ${props.what}: ${props.res.error.message}
      <button type="button" class="btn btn-small" onClick=${props.reload}>Try again</button></p>`
  }
  return props.res.state === 'loading' ? html`<p class="muted" role="status">Loading\u2026</p>` : null
}

/** Reloads when a counter (live events of a kind) moves. */
export function useReloadOn(counter: number, reload: () => void) {
  const [first] = useState(counter)
  useEffect(() => {
    if (counter !== first) reload()
  }, [counter])
}

/** A filter kept in the page's query string, so a filtered view can be shared and survives a reload. */
export function useQueryParam(name: string, fallback: string): [string, (v: string) => void] {
  const [current, setCurrent] = useState(() => new URLSearchParams(location.search).get(name) ?? fallback)
  const set = (v: string) => {
    const q = new URLSearchParams(location.search)
    if (v === fallback) q.delete(name)
    else q.set(name, v)
    const qs = q.toString()
    history.replaceState(null, '', `${location.pathname}${qs ? `?${qs}` : ''}`)
    setCurrent(v)
  }
  return [current, set]
}

/** A download that needs the bearer token: fetched, then saved under the server's file name. */
async function download(path: string) {
  const token = session.value?.token
  const res = await fetch(API_BASE + path, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`)
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'download'
  const url = URL.createObjectURL(await res.blob())
  const a = Object.assign(document.createElement('a'), { href: url, download: name })
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** A download through the API with the session's token (a plain link would carry none). */
export function DownloadLink(props: { path: string; children: ComponentChildren; [k: string]: unknown }) {
  const { path, children, ...rest } = props
  return html`<a ...${rest} class="btn btn-small" href=${API_BASE + path}
    onClick=${(e: Event) => {
      e.preventDefault()
      download(path).catch((err: Error) => toast('error', 'Download failed', err.message))
    }}>${children}</a>`
}

/** Runs an API call; a failure becomes an error toast naming what was attempted. */
export async function act<T>(what: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run()
  } catch (err) {
    toast('error', `Could not ${what}`, (err as Error).message)
    return undefined
  }
}

/**
 * A table of records: a table on a wide screen, a card per row on a phone (each cell labelled
 * by its `data-label`, the actions in full view; styles in cards.css). Its scroll area, when a
 * wide table needs one, can be reached and scrolled from the keyboard.
 */
export function RecordTable(props: { label: string; class?: string; cards?: boolean; children: ComponentChildren }) {
  return html`<div class="table-wrap" role="region" aria-label=${`${props.label} table`} tabindex="0">
    <table class=${`table ${props.cards === false ? '' : 'table-cards'} ${props.class ?? ''}`} aria-label=${props.label}>${props.children}</table>
  </div>`
}
