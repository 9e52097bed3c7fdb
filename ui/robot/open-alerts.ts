// The open alerts of one robot (or of the fleet, on the robots list): loaded once, then kept
// by the live feed's `alert` events, so every view of them (the overview's card, the alerts
// page, the robots list's counts, the toasts) says the same thing at the same moment, without
// polling. Reloaded after each reconnection: events sent while the link was down are gone.
import { ApiError } from '../lib/api.ts'
import { Observable } from '../lib/observable.ts'
import { api } from '../lib/session.ts'
import { toast } from '../lib/toasts.ts'
import type { AlertMessage, AlertRow } from '../lib/types.ts'

export type OpenAlertsState = { state: 'loading' } | { state: 'ok'; rows: AlertRow[]; capped: boolean } | { state: 'error'; message: string; rows?: AlertRow[] }

const SEVERITY_RANK: Record<AlertRow['severity'], number> = { info: 0, warning: 1, critical: 2 }
const LIMIT = 500

/** What one event did to an alert, for the toasts. */
export interface AlertChangeSeen {
  message: AlertMessage
  /** Its severity rose (warning to critical) while it stayed open. */
  escalated: boolean
}

/** Newest first, as the API lists them. */
export function newestFirst(a: AlertRow, b: AlertRow): number {
  return b.created_at - a.created_at || b.id - a.id
}

/** An alert event's record, without what only the event carries. */
export function alertRecord(m: AlertMessage): AlertRow {
  const { change: _c, by: _b, ...row } = m
  return row
}

export class OpenAlerts {
  readonly view = new Observable<OpenAlertsState>({ state: 'loading' })
  private byId = new Map<number, AlertRow>()
  private listeners = new Set<(m: AlertMessage) => void>()
  /** Events that arrived while a load was in flight, applied on top of what it returns. */
  private during: AlertMessage[] | null = null
  private capped = false

  /** `path`: the API path of the open alerts (the hub's is scoped to the robot). */
  constructor(private readonly path: string) {}

  async load() {
    const mine: AlertMessage[] = []
    this.during = mine
    try {
      const rows = await api<AlertRow[]>(this.path.includes('?') ? `${this.path}&limit=${LIMIT}` : `${this.path}?limit=${LIMIT}`)
      if (this.during !== mine) return // a newer load took over
      this.byId = new Map(rows.map((r) => [r.id, r]))
      this.capped = rows.length >= LIMIT
      for (const m of mine) this.fold(m)
      this.publish()
    } catch (err) {
      if (this.during !== mine) return
      const prev = this.view.value
      this.view.set({ state: 'error', message: err instanceof ApiError ? err.message : String(err), rows: prev.state === 'loading' ? undefined : prev.rows })
    } finally {
      if (this.during === mine) this.during = null
    }
  }

  /** A live `alert` event: folded into the open list and passed to the pages that list alerts. */
  apply(m: AlertMessage): AlertChangeSeen {
    const before = this.byId.get(m.id)
    const escalated = m.change === 'update' && !m.resolved && before !== undefined && SEVERITY_RANK[m.severity] > SEVERITY_RANK[before.severity]
    this.during?.push(m)
    this.fold(m)
    if (this.view.value.state !== 'loading') this.publish()
    for (const l of [...this.listeners]) l(m)
    return { message: m, escalated }
  }

  /** Every change as it arrives (the alerts page keeps resolved ones in its list too). */
  onChange(l: (m: AlertMessage) => void): () => void {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }

  private fold(m: AlertMessage) {
    if (m.resolved) this.byId.delete(m.id)
    else this.byId.set(m.id, alertRecord(m))
  }

  private publish() {
    this.view.set({ state: 'ok', rows: [...this.byId.values()].sort(newestFirst), capped: this.capped })
  }
}

/** A new alert, or one that got worse, told in a toast (to viewers too); `robot` names it on the fleet's pages. */
export function toastAlertChange(seen: AlertChangeSeen, robot?: string) {
  const m = seen.message
  const level = m.severity === 'critical' ? 'error' : 'warn'
  const who = robot ? `${robot}: ` : ''
  if (m.change === 'open') toast(level, `${who}Alert: ${m.title}`, m.message)
  else if (seen.escalated) toast(level, `${who}Alert now ${m.severity}: ${m.title}`, m.message)
}
