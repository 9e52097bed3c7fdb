// Holds a live client's samples to the rates it asked for. A robot measures its servos at
// 20 Hz and its IMU at 100 Hz; a browser that shows a number, or a sparkline a few hundred
// pixels wide, cannot show more than ten or so of those a second, and parsing the rest costs a
// Pi-class CPU its frame rate. Samples of a held stream are merged per source (the latest value
// of each field wins, so a temperature reported between two positions is not lost) and sent
// once per period: the first at once, the rest when the period is up.
import type { Sample, StreamName } from '../streams.ts'
import type { LiveRates } from './protocol.ts'

type Timer = ReturnType<typeof setTimeout>

interface Held {
  /** Per group (the robot, on the hub) and source: the merged sample waiting to go. */
  pending: Map<string, { group: string; sample: Sample }>
  /** Monotonic time when the stream may send again. */
  due: number
  timer: Timer | null
}

export class SampleRate {
  private hz = new Map<StreamName, number>()
  private held = new Map<StreamName, Held>()

  /** `emit` sends samples whose period came up later, per group. */
  constructor(
    private readonly emit: (group: string, samples: Sample[]) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** True when every stream comes as it is measured: nothing to hold. */
  get unlimited(): boolean {
    return this.hz.size === 0
  }

  get rates(): LiveRates {
    return Object.fromEntries(this.hz)
  }

  /** Replaces the rates; what a stream that is no longer held was holding goes out now. */
  set(rates: LiveRates) {
    this.hz = new Map(Object.entries(rates) as [StreamName, number][])
    for (const [stream, h] of this.held) {
      if (this.hz.has(stream)) continue
      if (h.timer) clearTimeout(h.timer)
      this.held.delete(stream)
      this.send(h)
    }
  }

  /** The samples of `group` to send now; held ones go out through `emit` when their stream is due. */
  offer(samples: readonly Sample[], group = ''): Sample[] {
    if (this.hz.size === 0) return samples as Sample[]
    const now: Sample[] = []
    const touched = new Set<StreamName>()
    for (const s of samples) {
      const hz = this.hz.get(s.stream)
      if (hz === undefined) {
        now.push(s)
        continue
      }
      if (hz === 0) continue
      let h = this.held.get(s.stream)
      if (!h) {
        h = { pending: new Map(), due: -Infinity, timer: null }
        this.held.set(s.stream, h)
      }
      const key = `${group}\u0000${s.source ?? ''}`
      const prev = h.pending.get(key)
      h.pending.set(key, { group, sample: prev ? { ...s, ts: Math.max(s.ts, prev.sample.ts), values: { ...prev.sample.values, ...s.values } } : s })
      touched.add(s.stream)
    }
    const at = this.now()
    for (const stream of touched) {
      const h = this.held.get(stream)!
      if (h.timer) continue
      if (at >= h.due) {
        h.due = at + 1000 / this.hz.get(stream)!
        for (const [g, list] of this.take(h)) {
          if (g === group) now.push(...list)
          else this.emit(g, list)
        }
      } else {
        h.timer = setTimeout(() => this.due(stream), h.due - at)
      }
    }
    return now
  }

  private due(stream: StreamName) {
    const h = this.held.get(stream)
    const hz = this.hz.get(stream)
    if (!h || !hz) return
    h.timer = null
    h.due = this.now() + 1000 / hz
    this.send(h)
  }

  private send(h: Held) {
    for (const [group, list] of this.take(h)) this.emit(group, list)
  }

  /** What `h` holds, by group, and empties it. */
  private take(h: Held): Map<string, Sample[]> {
    const out = new Map<string, Sample[]>()
    for (const { group, sample } of h.pending.values()) {
      let list = out.get(group)
      if (!list) {
        list = []
        out.set(group, list)
      }
      list.push(sample)
    }
    h.pending.clear()
    return out
  }

  stop() {
    for (const h of this.held.values()) if (h.timer) clearTimeout(h.timer)
    this.held.clear()
  }
}
