// One animation-frame loop for the whole page. Data arrives at 20..100 Hz; the screen is
// touched at most once per frame, and not at all while the tab is hidden.
type FrameListener = (now: number) => void

const listeners = new Set<FrameListener>()
let scheduled = false

function run(now: number) {
  scheduled = false
  for (const l of [...listeners]) l(now)
}

/** Asks for one frame; many calls before it runs are one frame. */
export function requestFrame() {
  if (scheduled) return
  scheduled = true
  requestAnimationFrame(run)
}

export function onFrame(l: FrameListener): () => void {
  listeners.add(l)
  return () => listeners.delete(l)
}
