// A value that components and services can watch. Small on purpose: app-wide state here is
// a handful of values (session, theme, route, connection), not a store framework.
import { useEffect, useState } from 'preact/hooks'

export class Observable<T> {
  private listeners = new Set<(v: T) => void>()
  constructor(private current: T) {}

  get value(): T {
    return this.current
  }

  set(v: T) {
    if (Object.is(v, this.current)) return
    this.current = v
    for (const l of [...this.listeners]) l(v)
  }

  subscribe(l: (v: T) => void): () => void {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }
}

export function useObservable<T>(o: Observable<T>): T {
  const [, setSeen] = useState(o.value)
  useEffect(() => {
    // The value may have changed between render and subscription.
    setSeen(o.value)
    return o.subscribe((v) => setSeen(() => v))
  }, [o])
  return o.value
}
