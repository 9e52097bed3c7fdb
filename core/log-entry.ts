// A robot's log entry, from one of its events: the edge's log and the hub's copy of it (synced)
// word each event the same way.

export interface LogEntry { seq: number; ts: number; level: string; category: string; message: string; details: Record<string, unknown> }

export function toEntry(seq: number, ts: number, kind: string, level: string, data: Record<string, unknown>): LogEntry {
  return { seq, ts, level, category: kind, message: messageOf(kind, data).slice(0, 1000), details: data }
}

const s = (v: unknown) => (v === undefined || v === null ? '' : String(v))

/** A sentence per kind; an unknown kind falls back to its own message field, then its name. */
export function messageOf(kind: string, d: Record<string, unknown>): string {
  switch (kind) {
    case 'command':
      return `command ${s(d.type)} ${s(d.state)}${d.user ? ` by ${s(d.user)}` : ''}${d.reason ? `: ${s(d.reason)}` : ''}`
    case 'alert':
      return `alert ${s(d.change)}: ${s(d.title || d.message || d.type)}`
    case 'estop':
      return `emergency stop by ${s(d.by)}${d.reason ? `: ${s(d.reason)}` : ''}`
    case 'resume':
      return 'resumed after an emergency stop'
    case 'login':
      return d.ok ? `${s(d.username)} logged in from ${s(d.addr)}` : `failed login for ${s(d.username)} from ${s(d.addr)}`
    case 'note':
      return s(d.message)
    case 'job':
      return `job ${s(d.id)} ${s(d.task_name)} ${s(d.status)}${d.percent !== null && d.percent !== undefined ? ` ${s(d.percent)}%` : ''}${d.reason ? `: ${s(d.reason)}` : ''}`
    default:
      return typeof d.message === 'string' ? d.message : kind
  }
}
