// The robot's own log on the edge: search, paging, counts, notes, export. The edge's API uses
// snake_case and epoch milliseconds; the hub's record pages are records.ts.
import { useState } from 'preact/hooks'
import { Card } from '../components/card.ts'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { api, canCommand, session } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import { useApi } from '../lib/use-api.ts'
import { act, DownloadLink, loaded, Status, value } from './page-parts.ts'
import { LogTable } from './log-table.ts'
import { LogCounts, type LogStats } from './record-stats.ts'
import type { LogEntry as EdgeLog } from '../../core/log-entry.ts'

const PAGE = 50
const LEVELS = ['debug', 'info', 'warn', 'error']

function NoteForm(props: { onAdded: () => void }) {
  const [message, setMessage] = useState('')
  const [level, setLevel] = useState('info')
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    if (!message.trim()) return
    setBusy(true)
    const ok = await act('add the note', () => api('/logs', { method: 'POST', json: { message: message.trim(), level } }))
    setBusy(false)
    if (ok) {
      setMessage('')
      toast('success', 'Note added to the log')
      props.onAdded()
    }
  }
  return html`<${Card} title="Add a note" data-card="log-note">
    <form class="filters" onSubmit=${submit}>
      <label class="field field-grow"><span>Note</span><input name="note" required maxlength="4000" value=${message} onInput=${(e: Event) => setMessage(value(e))} /></label>
      <label class="field"><span>Level</span><select name="note-level" value=${level} onChange=${(e: Event) => setLevel(value(e))}>
        <option value="info">info</option><option value="warn">warn</option><option value="error">error</option></select></label>
      <div class="filter-actions"><button type="submit" class="btn" data-action="log-note" disabled=${busy || !message.trim()}>Add note</button></div>
    </form>
  <//>`
}

export function EdgeLogsPage() {
  const operator = canCommand(useObservable(session)?.user.role)
  const [level, setLevel] = useState('')
  const [category, setCategory] = useState('')
  // What is being typed stays apart from the applied filter, so a refresh mid-word does not undo it.
  const [categoryDraft, setCategoryDraft] = useState('')
  const [q, setQ] = useState('')
  const [draft, setDraft] = useState('')
  const [offset, setOffset] = useState(0)
  const filters: Record<string, string> = {}
  if (level) filters.level = level
  if (category.trim()) filters.category = category.trim()
  if (q) filters.q = q
  const qs = (extra: Record<string, string> = {}) => {
    const s = new URLSearchParams({ ...filters, ...extra }).toString()
    return s ? `?${s}` : ''
  }
  const [res, reload] = useApi<{ total: number; logs: EdgeLog[] }>(`/logs${qs({ limit: String(PAGE), offset: String(offset) })}`, {
    refreshMs: offset ? undefined : 15_000,
  })
  const [statsRes] = useApi<LogStats>(`/logs/stats${qs()}`, { refreshMs: 15_000 })
  const data = loaded(res)
  const stats = loaded(statsRes)
  const refilter = (f: () => void) => {
    f()
    setOffset(0)
  }
  return html`<div class="stack">
    ${
      operator
        ? html`<${NoteForm} onAdded=${() => {
            setOffset(0)
            reload()
          }} />`
        : null
    }
    <form class="filters" role="search" onSubmit=${(e: Event) => {
      e.preventDefault()
      if (draft.trim() === q && !offset) reload()
      else refilter(() => setQ(draft.trim()))
    }}>
      <label class="field"><span>Level</span>
        <select name="level" value=${level} onChange=${(e: Event) => refilter(() => setLevel(value(e)))}>
          <option value="">Any</option>${LEVELS.map((l) => html`<option key=${l} value=${l}>${l}</option>`)}
        </select></label>
      <label class="field"><span>Category</span>
        <input name="category" placeholder="e.g. alert, note, command" maxlength="256" value=${categoryDraft}
          onInput=${(e: Event) => setCategoryDraft(value(e))} onChange=${(e: Event) => refilter(() => setCategory(value(e)))} /></label>
      <label class="field"><span>Contains</span>
        <input type="search" name="q" value=${draft} maxlength="200" onInput=${(e: Event) => setDraft(value(e))} /></label>
      <div class="filter-actions">
        <button type="submit" class="btn">Search</button>
        <${DownloadLink} path=${`/logs/export/csv${qs()}`} data-export="csv">Export CSV<//>
        <${DownloadLink} path=${`/logs/export/json${qs()}`} data-export="json">Export JSON<//>
      </div>
    </form>
    <${Status} res=${res} what="logs" reload=${reload} />
    ${
      data
        ? html`<${Card} title="Log" data-card="logs">
      <p class="muted small" data-total=${data.total}>${data.total.toLocaleString()} matching ${data.total === 1 ? 'entry' : 'entries'}${data.total ? `; ${offset + 1}\u2013${offset + data.logs.length} shown, newest first` : ''}.</p>
      ${stats ? html`<${LogCounts} stats=${stats} />` : null}
      <${LogTable} lines=${data.logs.map((l) => ({ ...l, key: l.seq, data: { 'data-log': l.seq, 'data-category': l.category } }))} />
      <div class="pager">
        <button type="button" class="btn btn-small" data-action="logs-newer" disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - PAGE))}>Newer</button>
        <button type="button" class="btn btn-small" data-action="logs-older" disabled=${offset + PAGE >= data.total} onClick=${() => setOffset(offset + PAGE)}>Older</button>
      </div>
    <//>`
        : null
    }
  </div>`
}
