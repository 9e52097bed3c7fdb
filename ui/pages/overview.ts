// The robot at a glance: is it running, standing, charged, healthy; what needs attention.
import { Sparkline } from '../charts/sparkline.ts'
import { Card, Meter, Reading } from '../components/card.ts'
import { NotAvailable } from '../components/not-available.ts'
import { bytes, duration, jointName, num } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { Link } from '../lib/router.ts'
import { decodeThrottled, throttleSummary } from '../lib/throttle-flags.ts'
import type { EdgeStats, HealthReport } from '../lib/types.ts'
import { useApi } from '../lib/use-api.ts'
import { useLive } from '../live/use-live.ts'
import { classifyPosture, isFallen, POSTURE_LABEL } from '../robot/posture.ts'
import { useRobotSession } from '../robot/robot-session.ts'
import { servoHealth } from '../robot/servo-health.ts'

export function OverviewPage() {
  const rs = useRobotSession()
  const robot = useLive(rs.robot, 4)
  const conn = useObservable(rs.live.status)
  const [health] = useApi<HealthReport>('/health', { refreshMs: 10_000 })
  const [stats] = useApi<EdgeStats>('/stats', { refreshMs: 10_000 })
  const now = performance.now()

  const posture = classifyPosture(robot.imu?.smoothed ?? null)
  const fallen = isFallen(posture)
  const servos = robot.servos
  const stale = servos.filter((s) => robot.isStale(s, now))
  const problems = servos.map((s) => ({ s, h: servoHealth(s, robot.isStale(s, now), conn.state !== 'open') })).filter((x) => x.h.tone === 'bad' || x.h.tone === 'warn')
  const hottest = servos.reduce<(typeof servos)[number] | null>((a, s) => (s.temperature_c !== null && (a === null || s.temperature_c > (a.temperature_c ?? -Infinity)) ? s : a), null)
  const perf = robot.performance?.values
  const throttle = throttleSummary(perf?.throttled !== undefined ? decodeThrottled(perf.throttled) : null)
  const h = health.state === 'ok' || health.state === 'error' ? health.data : undefined
  const battery = robot.battery

  const state = robot.estopped ? { text: 'Emergency-stopped', tone: 'bad' as const }
    : conn.state !== 'open' ? { text: 'No live connection', tone: 'warn' as const }
    : fallen ? { text: 'Fallen', tone: 'bad' as const }
    : { text: 'Running', tone: 'ok' as const }

  return html`<div class="grid-cards">
    <${Card} title="Robot" data-card="robot">
      <div class=${`status-line tone-${state.tone}`} data-robot-state=${state.text}><span class="dot" aria-hidden="true"></span>${state.text}</div>
      <div class="readings">
        <${Reading} label="Robot" value=${robot.robotId || '\u2014'} />
        <${Reading} label="Profile" value=${robot.profile || '\u2014'} />
        <${Reading} label="Service health" value=${h ? (h.status === 'ok' ? 'OK' : `Failing: ${h.failing.join(', ')}`) : '\u2014'} tone=${h ? (h.status === 'ok' ? 'ok' : 'bad') : 'muted'} />
        <${Reading} label="Edge uptime" value=${stats.state === 'ok' ? duration(stats.data.uptime_s) : '\u2014'} />
      </div>
    <//>
    <${Card} title="Battery" data-card="battery">
      <${Meter} label="Charge" percent=${battery?.percent} lowIsBad warnAt=${65} badAt=${80} />
      <div class="readings">
        <${Reading} label="Voltage" value=${num(battery?.voltage_v, 2, 'V')} tone=${battery && battery.percent < 20 ? 'bad' : undefined} />
        <${Reading} label="Charge" value=${num(battery?.percent, 0, '%')} tone=${battery && battery.percent < 20 ? 'bad' : battery && battery.percent < 35 ? 'warn' : undefined} />
      </div>
      <${Sparkline} ring=${robot.batteryHistory} label="Battery voltage, last 10 minutes" spanMs=${600_000} minRange=${0.2} class="spark-wide" />
    <//>
    <${Card} title="Posture" data-card="posture" actions=${html`<${Link} href="/sensors">Sensors<//>`}>
      <div class=${`status-line tone-${fallen ? 'bad' : posture === 'tilted' ? 'warn' : posture === 'unknown' ? 'muted' : 'ok'}`} data-posture=${posture}>
        <span class="dot" aria-hidden="true"></span>${POSTURE_LABEL[posture]}</div>
      <div class="readings">
        <${Reading} label="Roll" value=${num(robot.imu?.roll_deg, 1, '\u00b0')} />
        <${Reading} label="Pitch" value=${num(robot.imu?.pitch_deg, 1, '\u00b0')} />
      </div>
    <//>
    <${Card} title="Servos" data-card="servos" actions=${html`<${Link} href="/servos">All servos<//>`}>
      <div class="readings">
        <${Reading} label="Answering" value=${conn.state !== 'open' ? 'No live data' : `${servos.length - stale.length} / ${servos.length}`} tone=${conn.state !== 'open' ? 'muted' : stale.length ? 'bad' : 'ok'} />
        <${Reading} label="Hottest" value=${hottest ? `${num(hottest.temperature_c, 0, '\u00b0C')} (#${hottest.id})` : '\u2014'} />
        <${Reading} label="Torque off" value=${String(servos.filter((s) => s.torque === false).length)} />
      </div>
      ${problems.length ? html`<ul class="issue-list">${problems.slice(0, 5).map(({ s, h: hv }) => html`<li key=${s.id} class=${`tone-${hv.tone}`}>#${s.id} ${jointName(s.name)}: ${hv.label}</li>`)}</ul>`
        : html`<p class="muted small">All servos report normal readings.</p>`}
    <//>
    <${Card} title="Raspberry Pi" data-card="pi" actions=${html`<${Link} href="/monitoring">Monitoring<//>`}>
      <${Meter} label="CPU" percent=${perf?.cpu_percent} />
      <${Meter} label="Memory" percent=${perf?.mem_percent} />
      <div class="readings">
        <${Reading} label="CPU temperature" value=${num(perf?.cpu_temp_c, 1, '\u00b0C')} tone=${perf?.cpu_temp_c === undefined ? 'muted' : perf.cpu_temp_c >= 80 ? 'bad' : perf.cpu_temp_c >= 70 ? 'warn' : undefined} />
        <${Reading} label="Throttling" value=${throttle.text} tone=${throttle.tone} />
        <${Reading} label="Database" value=${stats.state === 'ok' ? `${bytes(stats.data.store.db_bytes)} of ${bytes(stats.data.store.quota_bytes)}` : '\u2014'} />
      </div>
    <//>
    <${Card} title="Alerts" data-card="alerts"><${NotAvailable} what="Alerts">This robot has no alert rules yet, so nothing can be active. Servo and battery warnings above come from live readings.<//><//>
    <${Card} title="Current job" data-card="job"><${NotAvailable} what="Jobs">This robot's software does not track jobs in this version.<//><//>
    <${Card} title="Hub sync" data-card="sync"><${NotAvailable} what="Hub sync">This robot works on its own: it keeps its history locally and has no hub connection in this version.<//><//>
  </div>`
}
