// Short notices in a corner: command outcomes, robot events. Errors stay longer than
// successes, and the list is capped so a burst cannot cover the page.
import { Observable } from './observable.ts'

export type ToastLevel = 'info' | 'success' | 'warn' | 'error'

export interface Toast {
  id: number
  level: ToastLevel
  title: string
  detail?: string
}

const MAX_TOASTS = 4
let nextId = 1

export const toasts = new Observable<Toast[]>([])

export function dismissToast(id: number) {
  toasts.set(toasts.value.filter((t) => t.id !== id))
}

export function toast(level: ToastLevel, title: string, detail?: string, timeoutMs?: number): number {
  const t: Toast = { id: nextId++, level, title, detail }
  toasts.set([...toasts.value, t].slice(-MAX_TOASTS))
  const ms = timeoutMs ?? (level === 'error' ? 10_000 : level === 'warn' ? 7_000 : 4_000)
  setTimeout(() => dismissToast(t.id), ms)
  return t.id
}
