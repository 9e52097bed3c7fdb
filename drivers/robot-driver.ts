// What the edge needs from a robot, whatever carries the bytes: the simulator in-process,
// the LX bus on the hat's UART, or the STM32 board. Reads answer null when the device did
// not answer (a timeout), never an invented value; a device that is absent is `null` itself.

export interface ServoHealth {
  temperature_c: number | null
  voltage_v: number | null
  torque: boolean | null
}

export interface ImuSample {
  accel: [number, number, number]
  gyro: [number, number, number]
  temp_c?: number
}

export type Maybe<T> = T | Promise<T>

export type { BusStatus, ServoInfo } from '../core/robot-types.ts'
import type { BusStatus, ServoInfo } from '../core/robot-types.ts'
import type { Command } from '../core/schemas.ts'

/**
 * A robot driven by another program that takes whole commands and reports its own state (the
 * earlier Python client): nothing is polled, every command is given to it and its answer is the
 * outcome.
 */
export interface RemoteRobot {
  /** Why it cannot take this command (a servo move it has no words for), or null. */
  refuses(cmd: Command): string | null
  /** Gives it the command; resolves with its answer when it did it, rejects with why not (its answer, or silence). */
  run(cmd: Command, id: string): Promise<string>
  /** How long apart its readings may be before they count as stale (it reports every few seconds). */
  readonly staleAfterMs: number
}

export interface RobotDriver {
  readonly profile: string
  readonly servos: readonly ServoInfo[]
  /** Absent devices report nothing: the API shows `imu: null`, never invented values. */
  readonly hasImu: boolean
  readonly hasBattery: boolean

  /** One sweep: a position per id, null for a servo that did not answer. */
  readPositions(ids: readonly number[]): Maybe<Map<number, number | null>>
  readServoHealth(id: number): Maybe<ServoHealth | null>
  readImu(): Maybe<ImuSample | null>
  /** Pack voltage in volts. */
  readBattery(): Maybe<number | null>

  move(targets: readonly { id: number; position: number }[], durationMs: number): Maybe<void>
  /** Halt in place (all servos when ids is undefined). */
  stop(ids?: readonly number[]): Maybe<void>
  setTorque(ids: readonly number[], on: boolean): Maybe<void>
  close(): Maybe<void>

  /** Bus counters, for robot/status; absent for drivers without a wire (the in-process sim). */
  busStatus?(): BusStatus[]
  /** Set for a robot another program drives: the edge polls nothing and gives it whole commands. */
  readonly remote?: RemoteRobot
  /** Peripherals only some boards have (the STM32 controller board). */
  buzzer?(freqHz: number, onMs: number, offMs: number, repeat: number): Maybe<void>
  led?(id: number, onMs: number, offMs: number, repeat: number): Maybe<void>
}
