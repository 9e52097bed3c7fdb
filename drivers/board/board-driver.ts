// The `tonypi-board` profile (Pi 5 era): everything through HiWonder's STM32 controller
// board on one 1 Mbaud UART. Servo moves go out as one multi-servo frame; IMU and battery
// are the board's own periodic reports, so reading them costs no wire time.
import { encodeBusServoRead, encodeBusServoSetPositions, encodeBusServoStop, encodeBusServoTorque, encodeBuzzer, encodeLed } from '../codecs/board.ts'
import { boardImuToBody } from '../../core/units.ts'
import type { BusStatus, ImuSample, RobotDriver, ServoHealth, ServoInfo } from '../robot-driver.ts'
import type { SerialPort } from '../transports/serial-port.ts'
import { BoardLink, type BoardLinkOptions } from './board-link.ts'

/** A report older than this means the board stopped sending: report nothing rather than stale values. */
const REPORT_MAX_AGE_MS = 2_000

export class BoardDriver implements RobotDriver {
  readonly profile = 'tonypi-board'
  readonly hasImu = true
  readonly hasBattery = true
  readonly link: BoardLink

  constructor(
    port: SerialPort,
    readonly servos: readonly ServoInfo[],
    opts: BoardLinkOptions = {},
    onError?: (e: Error) => void,
  ) {
    this.link = new BoardLink(port, opts, onError)
  }

  async readPositions(ids: readonly number[]): Promise<Map<number, number | null>> {
    const out = new Map<number, number | null>()
    for (const id of ids) {
      const r = await this.link.request(encodeBusServoRead('READ_POSITION', id), 'READ_POSITION', id)
      out.set(id, r?.ok && r.kind === 'READ_POSITION' ? r.position : null)
    }
    this.link.stats.sweep()
    return out
  }

  async readServoHealth(id: number): Promise<ServoHealth | null> {
    const t = await this.link.request(encodeBusServoRead('READ_TEMP', id), 'READ_TEMP', id)
    const v = await this.link.request(encodeBusServoRead('READ_VOLTAGE', id), 'READ_VOLTAGE', id)
    const q = await this.link.request(encodeBusServoRead('READ_TORQUE', id), 'READ_TORQUE', id)
    if (!t && !v && !q) return null
    return {
      temperature_c: t?.ok && t.kind === 'READ_TEMP' ? t.tempC : null,
      voltage_v: v?.ok && v.kind === 'READ_VOLTAGE' ? v.mv / 1000 : null,
      torque: q?.ok && q.kind === 'READ_TORQUE' ? q.torque : null,
    }
  }

  /** In the body frame the hat's driver reports in (core/units.ts boardImuToBody). */
  readImu(): ImuSample | null {
    const s = this.link.latestImu
    if (!s || Date.now() - s.ts > REPORT_MAX_AGE_MS) return null
    return { accel: boardImuToBody(s.accel), gyro: boardImuToBody(s.gyro) }
  }

  readBattery(): number | null {
    const b = this.link.latestBatteryMv
    if (!b || Date.now() - b.ts > REPORT_MAX_AGE_MS * 3) return null
    return b.mv / 1000
  }

  move(targets: readonly { id: number; position: number }[], durationMs: number) {
    return this.link.send(
      encodeBusServoSetPositions(
        durationMs,
        targets.map((t) => ({ id: t.id, pos: t.position })),
      ),
    )
  }

  stop(ids?: readonly number[]) {
    return this.link.send(encodeBusServoStop(ids ?? this.servos.map((s) => s.id)))
  }

  async setTorque(ids: readonly number[], on: boolean) {
    for (const id of ids) await this.link.send(encodeBusServoTorque(id, on))
  }

  buzzer(freqHz: number, onMs: number, offMs: number, repeat: number) {
    return this.link.send(encodeBuzzer(freqHz, { onMs, offMs, repeat }))
  }

  led(id: number, onMs: number, offMs: number, repeat: number) {
    return this.link.send(encodeLed(id, { onMs, offMs, repeat }))
  }

  busStatus(): BusStatus[] {
    return [this.link.stats.snapshot()]
  }

  close() {
    this.link.close()
  }
}
