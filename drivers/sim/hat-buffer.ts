// The hat's half-duplex buffer, simulated: which of the host's bytes reach the servo wire and
// which of the servos' bytes reach the host, from the levels of its TX_CON and RX_CON lines
// (both active-high, HARDWARE.md section 1). A simulated robot is wired to particular pins, so
// a test can check that a host drives the right ones: with the wrong RX enable no reply ever
// arrives, as on a real TonyPi.
//
// The lines are GPIO twins (MemoryGpioChip) that keep their history with timestamps, so levels
// are judged at each byte's own wire time, not when the pump gets round to it.
//
// The pty carries no timing: the simulator stamps a host byte when it reads it from the master,
// which can be later than the host wrote it (as long as the host held its thread, e.g. in its
// blocking turnaround wait). So the pty server takes in the host's bytes before every change of
// a line (MemoryGpioChip.onBeforeChange): a byte is judged under the levels it was written
// under. Whether the host turns too early for a real wire is checked against the wire model in
// the transport's own tests (half-duplex.test.ts), which the pty cannot show.

import type { MemoryGpioChip } from '../transports/memory.ts'
import type { HostLineGate } from './wire.ts'

export interface HatWiring {
  gpio: MemoryGpioChip
  /** BCM line of the buffer's TX enable (TX_CON). */
  txEnable: number
  /** BCM line of the buffer's RX enable (RX_CON). */
  rxEnable: number
}

/** The simulator's clocks are epoch ms (wire.ts); the GPIO twins stamp performance.now(). */
const toPerf = (epochMs: number) => epochMs - performance.timeOrigin

export class SimulatedHatBuffer implements HostLineGate {
  constructor(readonly wiring: HatWiring) {}

  drives(startMs: number): boolean {
    return this.wiring.gpio.levelAt(this.wiring.txEnable, toPerf(startMs)) === 1
  }

  hears(endMs: number): boolean {
    return this.wiring.gpio.levelAt(this.wiring.rxEnable, toPerf(endMs)) === 1
  }
}
