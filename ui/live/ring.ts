// A fixed-size history of (time, value) pairs for sparklines: typed arrays, no allocation
// per sample, oldest overwritten. `version` tells a chart whether to redraw.
export class Ring {
  readonly t: Float64Array
  readonly v: Float64Array
  private head = 0
  size = 0
  version = 0

  constructor(readonly capacity: number) {
    this.t = new Float64Array(capacity)
    this.v = new Float64Array(capacity)
  }

  push(t: number, v: number) {
    this.t[this.head] = t
    this.v[this.head] = v
    this.head = (this.head + 1) % this.capacity
    if (this.size < this.capacity) this.size++
    this.version++
  }

  /** Index 0 is the oldest kept point. */
  timeAt(i: number): number {
    return this.t[(this.head - this.size + i + this.capacity) % this.capacity]
  }

  valueAt(i: number): number {
    return this.v[(this.head - this.size + i + this.capacity) % this.capacity]
  }

  get last(): number | null {
    return this.size ? this.valueAt(this.size - 1) : null
  }

  get lastTime(): number | null {
    return this.size ? this.timeAt(this.size - 1) : null
  }

  clear() {
    this.size = 0
    this.version++
  }
}
