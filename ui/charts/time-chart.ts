// A history chart: a line for the value (the mean, for rollups) and a band for min..max,
// with time and value axes and a readout under the pointer (or arrow keys). Large raw
// windows are reduced to one column per pixel before drawing.
import { useEffect, useRef, useState } from 'preact/hooks'
import { html } from '../lib/html.ts'
import { theme } from '../lib/theme.ts'
import { trackCanvasSize, type CanvasSize } from './canvas-size.ts'
import { chartColors } from './chart-colors.ts'
import { niceStep, niceTicks, tickDigits, timeLabel, timeTicks } from './ticks.ts'

export interface Series {
  t: number[]
  v: number[]
  lo?: number[]
  hi?: number[]
}

interface Frame {
  left: number
  top: number
  w: number
  h: number
  from: number
  to: number
  lo: number
  hi: number
}

const M = { left: 52, right: 10, top: 10, bottom: 24 }

function bounds(s: Series, minRange: number): [number, number] {
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < s.v.length; i++) {
    const a = s.lo?.[i] ?? s.v[i]
    const b = s.hi?.[i] ?? s.v[i]
    if (a < lo) lo = a
    if (b > hi) hi = b
  }
  if (!Number.isFinite(lo)) return [0, 1]
  // A unit of jitter must not fill the chart as if it were a swing.
  if (hi - lo < minRange) {
    const mid = (hi + lo) / 2
    return [mid - minRange / 2, mid + minRange / 2]
  }
  const pad = (hi - lo) * 0.06
  return [lo - pad, hi + pad]
}

/** One column per pixel: min, max and mean of what falls in it. */
function columns(s: Series, f: Frame) {
  const cols = Math.max(1, Math.floor(f.w))
  const mn = new Float64Array(cols).fill(Infinity)
  const mx = new Float64Array(cols).fill(-Infinity)
  const sum = new Float64Array(cols)
  const cnt = new Uint32Array(cols)
  const span = f.to - f.from
  for (let i = 0; i < s.t.length; i++) {
    const c = Math.floor(((s.t[i] - f.from) / span) * (cols - 1))
    if (c < 0 || c >= cols) continue
    const a = s.lo?.[i] ?? s.v[i]
    const b = s.hi?.[i] ?? s.v[i]
    if (a < mn[c]) mn[c] = a
    if (b > mx[c]) mx[c] = b
    sum[c] += s.v[i]
    cnt[c]++
  }
  return { cols, mn, mx, sum, cnt }
}

function draw(ctx: CanvasRenderingContext2D, size: CanvasSize, s: Series, from: number, to: number, minRange: number, cursor: number | null) {
  const { width, height, dpr } = size
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.clearRect(0, 0, width, height)
  const c = chartColors()
  const [lo, hi] = bounds(s, minRange)
  const f: Frame = { left: M.left, top: M.top, w: width - M.left - M.right, h: height - M.top - M.bottom, from, to, lo, hi }
  if (f.w <= 10 || f.h <= 10) return
  const x = (t: number) => f.left + ((t - from) / (to - from)) * f.w
  const y = (v: number) => f.top + (1 - (v - lo) / (hi - lo)) * f.h

  ctx.font = '11px system-ui, sans-serif'
  ctx.fillStyle = c.text
  ctx.strokeStyle = c.grid
  ctx.lineWidth = 1
  ctx.textAlign = 'right'
  ctx.textBaseline = 'middle'
  const yCount = Math.max(2, Math.floor(f.h / 40))
  const yDigits = tickDigits(niceStep(lo, hi, yCount))
  for (const v of niceTicks(lo, hi, yCount)) {
    const py = Math.round(y(v)) + 0.5
    ctx.beginPath()
    ctx.moveTo(f.left, py)
    ctx.lineTo(f.left + f.w, py)
    ctx.stroke()
    ctx.fillText(v.toFixed(yDigits), f.left - 6, py)
  }
  ctx.textAlign = 'center'
  ctx.textBaseline = 'top'
  const { ticks, step } = timeTicks(from, to, Math.max(2, Math.floor(f.w / 90)))
  for (const t of ticks) {
    const px = Math.round(x(t)) + 0.5
    ctx.beginPath()
    ctx.moveTo(px, f.top)
    ctx.lineTo(px, f.top + f.h)
    ctx.stroke()
    ctx.fillText(timeLabel(t, step), px, f.top + f.h + 6)
  }

  const col = columns(s, f)
  const colX = (i: number) => f.left + (i / Math.max(1, col.cols - 1)) * f.w
  // The band (min..max per column), then the mean line; empty columns break both, so a gap
  // in the data (robot off) shows as a gap rather than a straight line across it.
  ctx.fillStyle = c.band
  ctx.strokeStyle = c.line
  ctx.lineWidth = 1.5
  const dense = s.t.length > col.cols / 2
  const maxGap = dense ? 3 : Infinity
  let gap = 0
  ctx.beginPath()
  let open = false
  for (let i = 0; i < col.cols; i++) {
    if (!col.cnt[i]) {
      if (++gap > maxGap) open = false
      continue
    }
    gap = 0
    const px = colX(i)
    const py = y(col.sum[i] / col.cnt[i])
    if (!open) {
      ctx.moveTo(px, py)
      open = true
    } else ctx.lineTo(px, py)
  }
  for (let i = 0; i < col.cols; i++) {
    if (!col.cnt[i] || col.mx[i] - col.mn[i] <= 0) continue
    const top = y(col.mx[i])
    ctx.fillRect(colX(i) - 0.5, top, 1.5, Math.max(1, y(col.mn[i]) - top))
  }
  ctx.stroke()

  if (cursor !== null && s.t[cursor] !== undefined) {
    const px = x(s.t[cursor])
    ctx.strokeStyle = c.text
    ctx.setLineDash([2, 3])
    ctx.beginPath()
    ctx.moveTo(px, f.top)
    ctx.lineTo(px, f.top + f.h)
    ctx.stroke()
    ctx.setLineDash([])
    ctx.fillStyle = c.line
    ctx.beginPath()
    ctx.arc(px, y(s.v[cursor]), 3.5, 0, Math.PI * 2)
    ctx.fill()
  }
}

function nearest(t: number[], at: number): number {
  let lo = 0
  let hi = t.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (t[mid] < at) lo = mid + 1
    else hi = mid
  }
  return lo > 0 && Math.abs(t[lo - 1] - at) < Math.abs(t[lo] - at) ? lo - 1 : lo
}

export function TimeChart(props: { series: Series; from: number; to: number; label: string; unit: string; digits: number; minRange: number }) {
  const ref = useRef<HTMLCanvasElement>(null)
  const [cursor, setCursor] = useState<number | null>(null)
  const sizeRef = useRef<CanvasSize | null>(null)
  const redraw = useRef(() => {})
  const { series, from, to, digits, minRange } = props

  redraw.current = () => {
    const canvas = ref.current
    const size = sizeRef.current
    const ctx = canvas?.getContext('2d')
    if (ctx && size) draw(ctx, size, series, from, to, minRange, cursor)
  }

  useEffect(() => {
    const canvas = ref.current
    if (!canvas) return
    const tracked = trackCanvasSize(canvas, () => redraw.current())
    sizeRef.current = tracked.size
    redraw.current()
    const off = theme.subscribe(() => requestAnimationFrame(() => redraw.current()))
    return () => {
      tracked.stop()
      off()
    }
  }, [])
  useEffect(() => redraw.current(), [series, from, to, minRange, cursor])
  useEffect(() => setCursor(null), [series])

  const onPointer = (e: PointerEvent) => {
    const canvas = ref.current
    if (!canvas || !series.t.length) return
    const r = canvas.getBoundingClientRect()
    const w = r.width - M.left - M.right
    const at = from + ((e.clientX - r.left - M.left) / w) * (to - from)
    setCursor(nearest(series.t, at))
  }
  const onKey = (e: KeyboardEvent) => {
    if (!series.t.length) return
    const step = e.shiftKey ? Math.max(1, Math.floor(series.t.length / 20)) : 1
    const cur = cursor ?? series.t.length - 1
    if (e.key === 'ArrowLeft') setCursor(Math.max(0, cur - step))
    else if (e.key === 'ArrowRight') setCursor(Math.min(series.t.length - 1, cur + step))
    else if (e.key === 'Escape') setCursor(null)
    else return
    e.preventDefault()
  }
  const fmt = (v: number | undefined) => (v === undefined ? '' : `${v.toFixed(digits)} ${props.unit}`.trim())
  const readout =
    cursor !== null && series.t[cursor] !== undefined
      ? `${new Date(series.t[cursor]).toLocaleString()}: ${fmt(series.v[cursor])}${series.lo ? ` (min ${fmt(series.lo[cursor])}, max ${fmt(series.hi?.[cursor])})` : ''}`
      : 'Point at the chart (or focus it and use the arrow keys) to read values.'

  return html`<figure class="time-chart">
    <canvas ref=${ref} tabindex="0" role="img" aria-label=${`${props.label} chart; use arrow keys to read values`}
      onPointerMove=${onPointer} onPointerLeave=${() => setCursor(null)} onKeyDown=${onKey}></canvas>
    <figcaption class="chart-readout" aria-live="polite">${readout}</figcaption>
  </figure>`
}
