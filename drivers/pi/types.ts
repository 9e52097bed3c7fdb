/**
 * Decoded `vcgencmd get_throttled` bits. The "now" flags describe the
 * current state; the "occurred" flags latch until the firmware is reset,
 * which is what reveals a brown-out that happened between two samples.
 */
export interface ThrottledFlags {
  raw: number
  under_voltage_now: boolean
  freq_capped_now: boolean
  throttled_now: boolean
  soft_temp_limit_now: boolean
  under_voltage_occurred: boolean
  freq_capped_occurred: boolean
  throttled_occurred: boolean
  soft_temp_limit_occurred: boolean
}

/**
 * One performance snapshot. Every metric is optional because the rule is
 * that a metric the machine cannot provide is left out entirely rather than
 * reported as zero: a zero would be indistinguishable from a real reading.
 */
export interface PerformanceSample {
  ts: number
  cpu_percent?: number
  cpu_per_core?: number[]
  load_1?: number
  load_5?: number
  load_15?: number
  mem_total_bytes?: number
  mem_used_bytes?: number
  mem_percent?: number
  disk_total_bytes?: number
  disk_used_bytes?: number
  disk_free_bytes?: number
  disk_percent?: number
  cpu_temp_c?: number
  net_rx_bytes?: number
  net_tx_bytes?: number
  net_rx_bps?: number
  net_tx_bps?: number
  uptime_s?: number
  throttled?: ThrottledFlags
}
