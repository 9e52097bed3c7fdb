// The earlier client's IMU readings, made one `imu` sample each in the robot's body frame (the
// frame the hat's and the board's drivers report in, so attitude and fall detection apply as
// they do to a native robot).
//
// Its client (robot_client/tonypi_client.py, read_sensors / send_sensor_data in
// AimanZX06/Monitoring_System_TonyPi) sends a reading as six `tonypi/sensors/<id>` messages,
// accelerometer_x/y/z then gyroscope_x/y/z, one after the other. What the numbers are depends on
// the mode it runs in, which it reports as `hardware_available` in every status message:
// - on hardware they are `board.get_imu()` unchanged: the controller board's own report, in g
//   and deg/s with the board's x axis up (HARDWARE.md, section 2; the SDK copy's docstring says
//   m/s^2, but it unpacks the board's floats as they come);
// - in its simulation (and in simulator.py) they are made up in m/s^2 with gravity on z.
// Either way they are turned into the body frame in m/s^2 here.
import type { LegacyImuAxis } from './record.ts'
import type { Sample } from '../streams.ts'
import { boardImuToBody, GRAVITY } from '../units.ts'

/** Six messages of one reading arrive within milliseconds; a part older than this is a lost reading. */
const READING_SPAN_MS = 1_000

interface Partial6 {
  ts: number
  values: Partial<Record<LegacyImuAxis, number>>
}

type Vec3 = [number, number, number]

/** Its simulation's z-up frame to the body frame (y up): a quarter turn about x. */
const simToBody = (v: Vec3): Vec3 => [v[0], v[2], -v[1]]

export class LegacyImuAssembler {
  private pending = new Map<string, Partial6>()
  private simulated = new Map<string, boolean>()
  /** Readings started again because an axis repeated or came too late: the earlier part is dropped. */
  dropped = 0

  /** From each status message: `hardware_available` false means its IMU values are simulated. */
  noteHardware(robotId: string, hardwareAvailable: unknown) {
    if (typeof hardwareAvailable === 'boolean') this.simulated.set(robotId, !hardwareAvailable)
  }

  /** One axis; an `imu` sample once the six of a reading are in, else null. */
  add(robotId: string, axis: LegacyImuAxis, value: number, ts: number): Sample | null {
    let cur = this.pending.get(robotId)
    if (cur && (cur.values[axis] !== undefined || Math.abs(ts - cur.ts) > READING_SPAN_MS)) {
      this.dropped++
      cur = undefined
    }
    if (!cur) {
      cur = { ts, values: {} }
      this.pending.set(robotId, cur)
    }
    cur.values[axis] = value
    const v = cur.values
    if (
      v.accelerometer_x === undefined ||
      v.accelerometer_y === undefined ||
      v.accelerometer_z === undefined ||
      v.gyroscope_x === undefined ||
      v.gyroscope_y === undefined ||
      v.gyroscope_z === undefined
    )
      return null
    this.pending.delete(robotId)
    const accel: Vec3 = [v.accelerometer_x, v.accelerometer_y, v.accelerometer_z]
    const gyro: Vec3 = [v.gyroscope_x, v.gyroscope_y, v.gyroscope_z]
    // Until a status message says otherwise, the readings are taken as the board's.
    const [a, g] = this.simulated.get(robotId)
      ? [simToBody(accel), simToBody(gyro)]
      : [boardImuToBody(accel.map((x) => x * GRAVITY) as Vec3), boardImuToBody(gyro)]
    return { stream: 'imu', ts: cur.ts, values: { ax: a[0], ay: a[1], az: a[2], gx: g[0], gy: g[1], gz: g[2] } }
  }

  forget(robotId: string) {
    this.pending.delete(robotId)
    this.simulated.delete(robotId)
  }
}
