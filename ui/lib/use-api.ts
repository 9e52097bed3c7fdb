// Loads one API resource for a page, with loading, error and "this robot has no such API"
// told apart: a 404 for the route itself means the feature is not in this robot's build.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from './api.ts'
import { api } from './session.ts'

export type Resource<T> = { state: 'loading'; data?: T } | { state: 'ok'; data: T } | { state: 'missing' } | { state: 'error'; error: ApiError; data?: T }

export function isMissingRoute(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404 && err.code === 'not_found' && /no such route/i.test(err.message)
}

export function useApi<T>(path: string | null, opts: { refreshMs?: number } = {}): [Resource<T>, () => void] {
  const [res, setRes] = useState<Resource<T>>({ state: 'loading' })
  const gen = useRef(0)
  const load = useCallback(() => {
    if (!path) return
    const mine = ++gen.current
    api<T>(path).then(
      (data) => {
        if (mine === gen.current) setRes({ state: 'ok', data })
      },
      (error) => {
        if (mine !== gen.current) return
        if (isMissingRoute(error)) setRes({ state: 'missing' })
        // Keep showing the last good data beside the error: a blip should not blank the page.
        else setRes((prev) => ({ state: 'error', error: error as ApiError, data: 'data' in prev ? prev.data : undefined }))
      },
    )
  }, [path])
  useEffect(() => {
    setRes({ state: 'loading' })
    load()
    if (!opts.refreshMs) return
    const t = setInterval(load, opts.refreshMs)
    return () => clearInterval(t)
  }, [load, opts.refreshMs])
  return [res, load]
}
