// A Pi has no battery-backed clock: it can boot hours or years off and be stepped by NTP
// later. Its monotonic clock is right all along, so the hub anchors each boot once: true time
// = monotonic time + `anchor`, measured from a batch (the hub's clock at arrival, less half the
// round trip). A record stamped in a clock span whose wall-minus-monotonic offset differs from
// the anchor by more than the tolerance was stamped by a wrong clock and is moved by exactly
// that difference. One constant per boot keeps the robot's timeline in its monotonic order;
// an anchor is stored when first measured and never re-measured, so a batch sent twice is
// corrected the same way twice (and InfluxDB sees the same point, not a near-duplicate).
import type { ClockSpan } from './protocol.ts'

/** Below this, a difference is network delay and NTP slew, not a wrong clock. */
export const CLOCK_TOLERANCE_MS = 2_000

/** No batch request waits this long: a robot's measure that far before arrival is wrong. */
const MAX_BATCH_WAIT_MS = 60_000

/**
 * The anchor a batch gives: hub time at arrival minus the robot's monotonic clock at sending.
 * A batch that waited (a busy hub, a retry) arrives late and can only make this too large, by
 * its delay; the robot's own measure (`robotAnchorMs`, from an answer with a short round trip)
 * is taken instead unless arrival rules it out: later than the batch arrived, or earlier by more
 * than a request can wait.
 */
export function measureAnchor(hubArrivalMs: number, robotMonoMs: number, rttMs = 0, robotAnchorMs?: number): number {
  const byArrival = Math.round(hubArrivalMs - rttMs / 2 - robotMonoMs)
  const plausible = robotAnchorMs !== undefined && robotAnchorMs <= byArrival + CLOCK_TOLERANCE_MS && robotAnchorMs >= byArrival - MAX_BATCH_WAIT_MS
  return plausible ? Math.round(robotAnchorMs) : byArrival
}

/** The span a record of sequence `seq` was stamped in: the last one starting at or before it. */
export function spanOf(spans: readonly ClockSpan[], seq: number): ClockSpan | null {
  let best: ClockSpan | null = null
  for (const s of spans) if (s.first_seq <= seq && (!best || s.first_seq >= best.first_seq)) best = s
  return best
}

/**
 * Milliseconds to add to a timestamp taken in `span`, given the anchors known per boot; 0 when
 * the clock was right (within tolerance) or its boot was never anchored (nothing to go by).
 */
export function correctionFor(span: ClockSpan | null, anchors: ReadonlyMap<string, number>): number {
  if (!span) return 0
  const anchor = anchors.get(span.boot_id)
  if (anchor === undefined) return 0
  const d = anchor - span.offset_ms
  return Math.abs(d) > CLOCK_TOLERANCE_MS ? Math.round(d) : 0
}
