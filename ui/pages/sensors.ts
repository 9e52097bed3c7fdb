// The IMU (attitude, fallen or not, raw axes), and whatever board sensors report.
import { useEffect } from 'preact/hooks'
import { Sparkline } from '../charts/sparkline.ts'
import { AttitudeIndicator } from '../components/attitude-indicator.ts'
import { Card, Reading } from '../components/card.ts'
import { num, signed, time } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { useLive } from '../live/use-live.ts'
import { classifyPosture, isFallen, POSTURE_LABEL, tiltFromVertical } from '../robot/posture.ts'
import { BATTERY_SPAN_MS } from '../robot/history-fields.ts'
import { useRobotLink } from '../robot/robot-link.ts'
import { useRobotSession } from '../robot/robot-session.ts'

const AXES = ['x', 'y', 'z'] as const

export function SensorsPage() {
  const rs = useRobotSession()
  const robot = useLive(rs.robot, 30, ['imu', 'battery', 'sensors', 'state'])
  const live = useRobotLink(rs).live
  useEffect(() => {
    void rs.seedChartHistory('battery', BATTERY_SPAN_MS)
  }, [rs])
  const imu = robot.imu
  const posture = classifyPosture(imu?.smoothed ?? null)
  const fallen = isFallen(posture)
  const tilt = imu ? tiltFromVertical(imu.smoothed) : null
  const sensors = [...robot.sensors.entries()].sort(([a], [b]) => a.localeCompare(b))

  return html`<div class="grid-cards">
    <${Card} title="Attitude" class="card-attitude" data-card="attitude">
      <div class="attitude-wrap">
        <${AttitudeIndicator} roll=${imu?.roll_deg ?? null} pitch=${imu?.pitch_deg ?? null} fallen=${fallen} />
        <div>
          <div class=${`status-line big tone-${!live || posture === 'unknown' ? 'muted' : fallen ? 'bad' : posture === 'tilted' ? 'warn' : 'ok'}`}
            data-posture=${posture} data-live=${String(live)} role="status"><span class="dot" aria-hidden="true"></span>${live || posture === 'unknown' ? '' : 'Last known: '}${POSTURE_LABEL[posture]}</div>
          <div class="readings">
            <${Reading} label="Roll" value=${signed(imu?.roll_deg, 1, '\u00b0')} />
            <${Reading} label="Pitch" value=${signed(imu?.pitch_deg, 1, '\u00b0')} />
            <${Reading} label="Tilt from vertical" value=${num(tilt, 0, '\u00b0')} />
          </div>
        </div>
      </div>
      <div class="spark-pair">
        <div><span class="small muted">Roll, 12 s</span><${Sparkline} ring=${robot.roll} label="Roll, last 12 seconds" spanMs=${12_000} minRange=${10} /></div>
        <div><span class="small muted">Pitch, 12 s</span><${Sparkline} ring=${robot.pitch} label="Pitch, last 12 seconds" spanMs=${12_000} minRange=${10} /></div>
      </div>
    <//>
    <${Card} title="IMU readings" data-card="imu">
      ${
        imu
          ? html`<div class="readings">
        ${AXES.map((a, i) => html`<${Reading} key=${`a${a}`} label=${`Accel ${a}`} value=${signed(imu.accel[i], 2, 'm/s\u00b2')} />`)}
        ${AXES.map((a, i) => html`<${Reading} key=${`g${a}`} label=${`Gyro ${a}`} value=${signed(imu.gyro[i], 2, '\u00b0/s')} />`)}
        <${Reading} label="IMU temperature" value=${num(imu.temp_c, 1, '\u00b0C')} />
        <${Reading} label="Last reading" value=${time(imu.ts)} />
      </div>`
          : html`<p class="muted">No IMU reading. This robot may have no IMU, or it has not answered yet.</p>`
      }
    <//>
    <${Card} title="Battery" data-card="battery">
      <div class="readings">
        <${Reading} label="Voltage" value=${num(robot.battery?.voltage_v, 2, 'V')} />
        <${Reading} label="Charge" value=${num(robot.battery?.percent, 0, '%')} />
      </div>
      <${Sparkline} ring=${robot.batteryHistory} label="Battery voltage, last 10 minutes" spanMs=${BATTERY_SPAN_MS} minRange=${0.2} class="spark-wide" />
    <//>
    <${Card} title="Board sensors" data-card="board-sensors">
      ${
        sensors.length
          ? html`<div class="readings">${sensors.map(([name, s]) => html`<${Reading} key=${name} label=${name} value=${num(s.value, 2)} />`)}</div>`
          : html`<p class="muted">No ultrasonic, light or other board sensor has reported on this robot since this page opened.</p>`
      }
    <//>
  </div>`
}
