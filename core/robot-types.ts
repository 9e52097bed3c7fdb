// What a robot is made of, as the edge, the hub and the drivers all see it.

export interface ServoInfo {
  id: number
  name: string
  /** Positions outside [min, max] are clamped before they reach the bus. */
  min: number
  max: number
}

/** Counters of one physical bus (see drivers/bus/bus-stats.ts). */
export interface BusStatus {
  name: string
  requests: number
  replies: number
  timeouts: number
  retries: number
  checksum_errors: number
  discarded_bytes: number
  errors: number
  last_error: string | null
  sweeps_per_s: number
  transactions_per_s: number
}
