// A live sparkline: the last few seconds of a Ring on a canvas, redrawn from the shared
// frame loop only when its data, size, target or theme changed. Sixteen of these at 20 Hz
// cost well under a millisecond per frame.
import { useEffect, useRef } from 'preact/hooks'
import { onFrame, requestFrame } from '../live/frame-clock.ts'
import type { Ring } from '../live/ring.ts'
import { html } from '../lib/html.ts'
import { theme } from '../lib/theme.ts'
import { trackCanvasSize, type CanvasSize } from './canvas-size.ts'
import { chartColors } from './chart-colors.ts'

export interface SparklineOptions {
  /** Milliseconds of history across the width, ending at the newest point. */
  spanMs: number
  /** The smallest value range shown: jitter of a unit must not look like a swing. */
  minRange: number
  /** Fixed bounds, when the quantity has them (percentages). */
  bounds?: [number, number]
  target?: number | null
}

export function drawSparkline(ctx: CanvasRenderingContext2D, ring: Ring, size: CanvasSize, o: SparklineOptions) {
  const { width: w, height: h, dpr } = size
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.clearRect(0, 0, w, h)
  const n = ring.size
  if (n === 0 || w <= 0) return
  const end = ring.timeAt(n - 1)
  const start = end - o.spanMs
  let first = 0
  while (first < n - 1 && ring.timeAt(first) < start) first++
  let lo = Infinity
  let hi = -Infinity
  for (let i = first; i < n; i++) {
    const v = ring.valueAt(i)
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  if (o.target !== null && o.target !== undefined) {
    lo = Math.min(lo, o.target)
    hi = Math.max(hi, o.target)
  }
  if (o.bounds) {
    lo = o.bounds[0]
    hi = o.bounds[1]
  }
  if (hi - lo < o.minRange) {
    const mid = (hi + lo) / 2
    lo = mid - o.minRange / 2
    hi = mid + o.minRange / 2
  }
  const pad = 2
  const x = (t: number) => ((t - start) / o.spanMs) * w
  const y = (v: number) => pad + (1 - (v - lo) / (hi - lo)) * (h - 2 * pad)
  const c = chartColors()
  if (o.target !== null && o.target !== undefined) {
    ctx.strokeStyle = c.target
    ctx.lineWidth = 1
    ctx.setLineDash([3, 3])
    ctx.beginPath()
    ctx.moveTo(0, y(o.target))
    ctx.lineTo(w, y(o.target))
    ctx.stroke()
    ctx.setLineDash([])
  }
  ctx.strokeStyle = c.line
  ctx.lineWidth = 1.5
  ctx.lineJoin = 'round'
  ctx.beginPath()
  for (let i = first; i < n; i++) {
    const px = x(ring.timeAt(i))
    const py = y(ring.valueAt(i))
    if (i === first) ctx.moveTo(px, py)
    else ctx.lineTo(px, py)
  }
  ctx.stroke()
}

/** `target`: a value, or a way to read it, for a parent that does not re-render as it changes. */
export function Sparkline(props: {
  ring: Ring
  label: string
  spanMs?: number
  minRange?: number
  bounds?: [number, number]
  target?: number | null | (() => number | null)
  class?: string
}) {
  const ref = useRef<HTMLCanvasElement>(null)
  // Props change on every parent render; the draw loop reads the newest through this ref.
  const opts = useRef({ spanMs: 10_000, minRange: 1 } as SparklineOptions & { targetOf?: () => number | null })
  const t = props.target
  opts.current = {
    spanMs: props.spanMs ?? 10_000,
    minRange: props.minRange ?? 1,
    bounds: props.bounds,
    target: typeof t === 'function' ? undefined : t,
    targetOf: typeof t === 'function' ? t : undefined,
  }

  useEffect(() => {
    const canvas = ref.current
    if (!canvas) return
    const ctx = canvas.getContext('2d')
    if (!ctx) return
    let drawn = ''
    const tracked = trackCanvasSize(canvas, requestFrame)
    const off = onFrame(() => {
      const o = opts.current.targetOf ? { ...opts.current, target: opts.current.targetOf() } : opts.current
      const key = `${props.ring.version}|${tracked.size.version}|${o.target ?? ''}|${theme.value}`
      if (key === drawn) return
      drawn = key
      drawSparkline(ctx, props.ring, tracked.size, o)
    })
    requestFrame()
    return () => {
      off()
      tracked.stop()
    }
  }, [props.ring])

  return html`<canvas ref=${ref} class=${`sparkline ${props.class ?? ''}`} role="img" aria-label=${props.label}></canvas>`
}
