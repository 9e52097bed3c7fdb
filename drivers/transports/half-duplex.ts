/**
 * Direction control for the hat's one-wire servo bus: two GPIO lines steer a buffer
 * between the Pi's UART TX/RX and the shared wire.
 *
 * Levels and order follow HiWonder's own SDK: portWrite() sets TX_CON high then RX_CON low;
 * portRead() sets RX_CON high then TX_CON low; portInit() starts with TX_CON high and RX_CON
 * low. Both enables are active-high. The order is make-before-break: the wire is never left
 * undriven between the two writes (a floating line can read as a start bit), and the brief
 * moment with both buffers on falls while the UART is idle, so nothing is echoed.
 *
 * Pins (BCM numbers). TonyPi's own SDK, HiwonderSDK/hiwonder/BusServoCmd.py in the TonyPi Pro
 * source published in AaronWard/generative-ai-workbook (resources/libs/tonypi_pro_source_code,
 * commit 2fa8ed4c), uses GPIO.setmode(GPIO.BOARD) with tx_pin = 13 and rx_pin = 7: physical pin
 * 13 is BCM 27 and physical pin 7 is BCM 4. SpiderPi's copy (XAVILLA/spiderpi_code b91212b4,
 * BOARD 13 and 7) and ArmPi's (Fly0307/ArmPi_new 595a53a9, pigpio with tx_pin = 27, rx_pin = 4
 * in BCM) agree. Their comments still say "GPIO17" for RX_CON, but none of them drives it;
 * BCM 17 is driven by other code for HiWonder hats (a community rewrite of the hat library,
 * ians.moyes 2020-2022, in BCM mode on 17 and 27), so 27,17 stays a setting, not the default.
 *
 * Turnaround. HiWonder writes a request, sleeps about 0.34 ms and turns to receive; the
 * servo starts its reply about 0.3 ms after our last stop bit. Waiting on tcdrain instead is
 * wrong on a real UART: Linux sleeps there in whole scheduler ticks (4 ms at HZ=250) while
 * bytes remain (serial_core's uart_wait_until_sent), so the reply arrives while we still drive
 * the line. So the switch to receive happens at the computed wire time: the bytes start when
 * write() returns (or when the bytes ahead of them have left), take 10 bit times each (8N1), and
 * the line turns `marginMs` after the last stop bit, through a blocking high-resolution wait
 * (precise-wait.ts) that nothing else in the process can delay. Write-only frames (moves,
 * torque, stop) leave the line in transmit, as HiWonder's do, so a burst goes out back to back
 * with one switch at its start; tcdrain is kept for close(), where nothing is timed.
 */
import { openGpioOutput, type GpioLine, type GpioOutputOptions } from './gpio.ts'
import { blockUntil, sleepUntil } from './precise-wait.ts'
import type { SerialPort } from './serial-port.ts'

export interface HalfDuplexPins {
  txEnable: number
  rxEnable: number
  /** GPIO chip number or path; default 0. */
  chip?: string | number
}

/** What TonyPi's SDK drives: GPIO.BOARD pins 13 (TX_CON) and 7 (RX_CON). The default. */
export const HIWONDER_HAT_PINS: HalfDuplexPins = { txEnable: 27, rxEnable: 4 }
/** What the SDK's comments name for RX_CON (and a community rewrite drives). */
export const HIWONDER_HAT_PINS_GPIO17: HalfDuplexPins = { txEnable: 27, rxEnable: 17 }
/** The pairs a field check tries, most likely first. */
export const PLAUSIBLE_HAT_PINS: readonly HalfDuplexPins[] = [HIWONDER_HAT_PINS, HIWONDER_HAT_PINS_GPIO17]

/** The LX bus rate, fixed by the servos. */
export const LX_BUS_BAUD = 115_200
/** 8N1: start bit, 8 data bits, stop bit. */
export const UART_BITS_PER_BYTE = 10
/**
 * After the computed last stop bit, before turning to receive. The bytes start within tens of
 * microseconds of write() on the Pi's PL011 (the driver fills the TX FIFO in the write path),
 * and the servo answers about 0.3 ms after the stop bit: 0.1 ms covers the first and leaves
 * most of the second for the switch itself.
 */
export const DEFAULT_TURNAROUND_MARGIN_MS = 0.1

/** The longest stretch of a turnaround wait that holds the thread; at 115200 a request is 0.6 ms. */
const BLOCK_AT_MOST_MS = 2

export interface TurnaroundOptions {
  /** The wire's rate, for its timing model. Default 115200 (the LX bus). */
  baud?: number
  marginMs?: number
}

export type DirectionMode = 'transmit' | 'receive'

export interface DirectionStats {
  /** Changes of direction (each one is two line writes). */
  switches: number
  /** Turns to receive that waited on the wire model. */
  timedTurns: number
  /** How far past the planned instant the last timed turn happened, in ms. */
  lastLateMs: number
  maxLateMs: number
}

/** Wire time of n bytes at baud (8N1), in ms. */
export function uartWireTimeMs(bytes: number, baud: number): number {
  return (bytes * UART_BITS_PER_BYTE * 1000) / baud
}

export class HalfDuplexDirection {
  readonly #tx: GpioLine | null
  readonly #rx: GpioLine | null
  readonly byteMs: number
  readonly marginMs: number
  readonly stats: DirectionStats = { switches: 0, timedTurns: 0, lastLateMs: 0, maxLateMs: 0 }
  /** HiWonder's portInit leaves the line in transmit; openHalfDuplexDirection opens it so. */
  #mode: DirectionMode = 'transmit'
  /** performance.now() at which the model says the last byte written has left the wire. */
  #wireFreeAt = -Infinity

  /** For adapters that switch direction themselves (the STM32 board, auto-direction USB adapters). */
  static none(opts: TurnaroundOptions = {}): HalfDuplexDirection {
    return new HalfDuplexDirection(null, opts)
  }

  /** Lines already opened as outputs in the transmit state (the memory twin in tests; openHalfDuplexDirection on a Pi). */
  constructor(lines: { tx: GpioLine; rx: GpioLine } | null, opts: TurnaroundOptions = {}) {
    this.#tx = lines?.tx ?? null
    this.#rx = lines?.rx ?? null
    const baud = opts.baud ?? LX_BUS_BAUD
    if (!(Number.isFinite(baud) && baud > 0)) throw new RangeError(`baud must be a positive number, got ${baud}`)
    this.byteMs = uartWireTimeMs(1, baud)
    this.marginMs = opts.marginMs ?? DEFAULT_TURNAROUND_MARGIN_MS
    if (!(this.marginMs >= 0 && this.marginMs < 5)) throw new RangeError(`turnaround margin must be 0..5 ms, got ${this.marginMs}`)
  }

  get switching(): boolean {
    return this.#tx !== null
  }

  get mode(): DirectionMode {
    return this.#mode
  }

  /** performance.now() at which everything written has left the wire, by the model. */
  get wireFreeAt(): number {
    return this.#wireFreeAt
  }

  /**
   * A write-only frame (or several, joined): drive the line if it was listening, write, and
   * stay in transmit, so the next frame of a burst follows without a switch.
   */
  async send(port: SerialPort, bytes: Uint8Array): Promise<void> {
    this.#drive()
    await port.write(bytes)
    this.#occupy(bytes.length)
  }

  /**
   * A request whose reply follows: drive, write, and turn to receive `marginMs` after its last
   * stop bit. Bytes still on the wire from an earlier burst are waited out first (a timer is
   * fine there: nothing answers a write-only frame), so the timed wait is one frame long. A
   * failed write still turns the line to receive.
   */
  async request(port: SerialPort, bytes: Uint8Array): Promise<void> {
    if (!this.switching) {
      await port.write(bytes)
      return
    }
    this.#drive()
    if (this.#wireFreeAt > performance.now()) await sleepUntil(this.#wireFreeAt)
    try {
      await port.write(bytes)
    } catch (err) {
      this.#listen()
      throw err
    }
    const turnAt = this.#occupy(bytes.length) + this.marginMs
    // At a slow rate a frame lasts many ms: wait out all but the last stretch without holding the thread.
    if (turnAt - performance.now() > BLOCK_AT_MOST_MS) await sleepUntil(turnAt - BLOCK_AT_MOST_MS)
    blockUntil(turnAt)
    this.#listen()
    const late = performance.now() - turnAt
    this.stats.timedTurns++
    this.stats.lastLateMs = late
    if (late > this.stats.maxLateMs) this.stats.maxLateMs = late
  }

  /** Resolves once everything written has left the wire (tcdrain): before closing, where nothing is timed. */
  finish(port: SerialPort): Promise<void> {
    return port.drain()
  }

  close(): void {
    this.#tx?.close()
    this.#rx?.close()
  }

  /** Drive the wire: TX on, then RX off. */
  #drive(): void {
    if (this.#mode === 'transmit' || !this.#tx) return
    this.#tx.set(1)
    this.#rx!.set(0)
    this.#mode = 'transmit'
    this.stats.switches++
  }

  /** Listen: RX on, then TX off. */
  #listen(): void {
    if (this.#mode === 'receive' || !this.#tx) return
    this.#rx!.set(1)
    this.#tx.set(0)
    this.#mode = 'receive'
    this.stats.switches++
  }

  /** Books n bytes written just now onto the wire model; returns when the last one leaves. */
  #occupy(n: number): number {
    const start = Math.max(performance.now(), this.#wireFreeAt)
    this.#wireFreeAt = start + n * this.byteMs
    return this.#wireFreeAt
  }
}

/**
 * Open both lines as outputs in HiWonder's initial state (TX_CON high, RX_CON low), or
 * the no-op direction for "none".
 */
export function openHalfDuplexDirection(
  pins: HalfDuplexPins | 'none',
  open: (o: GpioOutputOptions) => GpioLine = openGpioOutput,
  opts: TurnaroundOptions = {},
): HalfDuplexDirection {
  if (pins === 'none') return HalfDuplexDirection.none(opts)
  const tx = open({ chip: pins.chip, line: pins.txEnable, initial: 1, consumer: 'tonypi-bus-tx' })
  let rx: GpioLine
  try {
    rx = open({ chip: pins.chip, line: pins.rxEnable, initial: 0, consumer: 'tonypi-bus-rx' })
  } catch (err) {
    tx.close()
    throw err
  }
  return new HalfDuplexDirection({ tx, rx }, opts)
}
