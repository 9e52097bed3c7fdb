/**
 * Direction control for the hat's one-wire servo bus: two GPIO lines steer a buffer
 * between the Pi's UART TX/RX and the shared wire.
 *
 * Levels and order follow HiWonder's own SDK (verified in several published copies of its
 * BusServoCmd code): portWrite() sets TX_CON high then RX_CON low; portRead() sets RX_CON
 * high then TX_CON low; portInit() starts with TX_CON high and RX_CON low. Both enables
 * are active-high. The order is make-before-break: the wire is never left undriven between
 * the two writes (a floating line can read as a start bit), and the brief moment with both
 * buffers on falls while the UART is idle, so nothing is echoed.
 *
 * Pins: TX_CON = BCM 27 and RX_CON = BCM 17 on the Pi 4 hat; a later hat revision moved
 * RX_CON to BCM 4 (both variants appear in HiWonder's published code). Configurable.
 */
import { openGpioOutput, type GpioLine, type GpioOutputOptions } from "./gpio.ts";
import type { SerialPort } from "./serial-port.ts";

export interface HalfDuplexPins {
  txEnable: number;
  rxEnable: number;
  /** GPIO chip number or path; default 0. */
  chip?: string | number;
}

export const HIWONDER_PI4_HAT_PINS: HalfDuplexPins = { txEnable: 27, rxEnable: 17 };
export const HIWONDER_HAT_RX4_PINS: HalfDuplexPins = { txEnable: 27, rxEnable: 4 };

export class HalfDuplexDirection {
  readonly #tx: GpioLine | null;
  readonly #rx: GpioLine | null;

  /** For adapters that switch direction themselves (the STM32 board, auto-direction USB adapters). */
  static none(): HalfDuplexDirection {
    return new HalfDuplexDirection(null);
  }

  /** Lines already opened as outputs (the memory twin in tests; openHalfDuplexDirection on a Pi). */
  constructor(lines: { tx: GpioLine; rx: GpioLine } | null) {
    this.#tx = lines?.tx ?? null;
    this.#rx = lines?.rx ?? null;
  }

  get switching(): boolean {
    return this.#tx !== null;
  }

  /** Drive the wire: TX on, then RX off. */
  beforeWrite(): void {
    this.#tx?.set(1);
    this.#rx?.set(0);
  }

  /** Listen: RX on, then TX off. Call only after drain(): the last byte must have left. */
  afterWrite(): void {
    this.#rx?.set(1);
    this.#tx?.set(0);
  }

  /**
   * The whole turnaround: drive, write, wait until the last stop bit is out, listen. The
   * direction goes back to listening even when the write fails, so a dead write cannot
   * leave the bus driven (HARDWARE.md: every write needs the direction switched back).
   */
  async transmit(port: SerialPort, bytes: Uint8Array): Promise<void> {
    this.beforeWrite();
    try {
      await port.write(bytes);
      await port.drain();
    } finally {
      this.afterWrite();
    }
  }

  close(): void {
    this.#tx?.close();
    this.#rx?.close();
  }
}

/**
 * Open both lines as outputs in HiWonder's initial state (TX_CON high, RX_CON low), or
 * the no-op direction for "none".
 */
export function openHalfDuplexDirection(
  pins: HalfDuplexPins | "none",
  open: (o: GpioOutputOptions) => GpioLine = openGpioOutput,
): HalfDuplexDirection {
  if (pins === "none") return HalfDuplexDirection.none();
  const tx = open({ chip: pins.chip, line: pins.txEnable, initial: 1, consumer: "tonypi-bus-tx" });
  let rx: GpioLine;
  try {
    rx = open({ chip: pins.chip, line: pins.rxEnable, initial: 0, consumer: "tonypi-bus-rx" });
  } catch (err) {
    tx.close();
    throw err;
  }
  return new HalfDuplexDirection({ tx, rx });
}
