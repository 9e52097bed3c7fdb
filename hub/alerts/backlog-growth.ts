// How fast a robot's sync backlog grows, from the figures it reports with each batch. One
// batch to the next is noise (batch sizes vary, a batch may drain a burst), so the rate is
// taken across a window of reports: the newest against the oldest still inside it.

/** Reports older than this (before the newest) are forgotten. */
export const GROWTH_WINDOW_MS = 10 * 60_000
/** Reports closer together than this say nothing about a rate yet. */
export const GROWTH_MIN_SPAN_MS = 60_000

export class BacklogGrowth {
  private points: { at: number; backlog: number }[] = []

  /**
   * Adds a report (`at`: when the batch arrived, epoch ms) unless it is the one already seen,
   * and returns the growth in records per minute over the window, or null while the window
   * spans less than GROWTH_MIN_SPAN_MS.
   */
  observe(at: number, backlog: number): number | null {
    const last = this.points.at(-1)
    // A report from before the newest one: the hub's records were rewritten; start again.
    if (last && at < last.at) this.points = []
    if (!last || at !== last.at) this.points.push({ at, backlog })
    const newest = this.points.at(-1)!
    this.points = this.points.filter((p) => newest.at - p.at <= GROWTH_WINDOW_MS)
    const oldest = this.points[0]
    const span = newest.at - oldest.at
    if (span < GROWTH_MIN_SPAN_MS) return null
    return ((newest.backlog - oldest.backlog) / span) * 60_000
  }
}
