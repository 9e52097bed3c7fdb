// Keeps a canvas's backing store at its CSS size times the device pixel ratio, measured by
// a ResizeObserver so drawing never forces a layout in the middle of a frame.
export interface CanvasSize {
  width: number
  height: number
  dpr: number
  version: number
}

export function trackCanvasSize(canvas: HTMLCanvasElement, onResize: () => void): { size: CanvasSize; stop(): void } {
  const size: CanvasSize = { width: canvas.clientWidth, height: canvas.clientHeight, dpr: devicePixelRatio || 1, version: 0 }
  const apply = () => {
    canvas.width = Math.max(1, Math.round(size.width * size.dpr))
    canvas.height = Math.max(1, Math.round(size.height * size.dpr))
    size.version++
    onResize()
  }
  const ro = new ResizeObserver((entries) => {
    const box = entries[entries.length - 1].contentRect
    if (box.width === size.width && box.height === size.height && devicePixelRatio === size.dpr) return
    size.width = box.width
    size.height = box.height
    size.dpr = devicePixelRatio || 1
    apply()
  })
  ro.observe(canvas)
  apply()
  return { size, stop: () => ro.disconnect() }
}
