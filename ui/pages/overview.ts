// The robot at a glance: is it running, standing, charged, healthy; what needs attention.
// On the hub also what the hub knows of it (online, last seen), its open alerts and latest
// job from the hub's records, and Grafana's panels for it when Grafana is configured.
import { useEffect } from 'preact/hooks'
import { Sparkline } from '../charts/sparkline.ts'
import { Card, Meter, Reading, type Tone } from '../components/card.ts'
import { GrafanaPanels } from '../components/grafana-panels.ts'
import { statusView } from '../fleet/fleet-status.ts'
import { ago, bytes, dateTime, duration, jointName, num } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { useObservable } from '../lib/observable.ts'
import { Link } from '../lib/router.ts'
import { decodeThrottled, throttleSummary } from '../lib/throttle-flags.ts'
import type { EdgeStats, HealthReport, JobRow } from '../lib/types.ts'
import { useApi } from '../lib/use-api.ts'
import { useLive } from '../live/use-live.ts'
import { classifyPosture, isFallen, POSTURE_LABEL } from '../robot/posture.ts'
import { BATTERY_SPAN_MS } from '../robot/history-fields.ts'
import { useRobotLink } from '../robot/robot-link.ts'
import { useRobotSession, type RobotSession } from '../robot/robot-session.ts'
import { RobotDetailsCard } from '../robot/robot-details.ts'
import { servoHealth } from '../robot/servo-health.ts'
import { SyncCard } from '../robot/sync-card.ts'

const SEVERITY_TONE = { critical: 'bad', warning: 'warn', info: 'muted' } as const

/** The robot's open alerts, as the live feed keeps them: the same moment as the toast and the servo beside it. */
function AlertsCard(props: { rs: RobotSession }) {
  const { rs } = props
  const alerts = useObservable(rs.alerts.view)
  const list = alerts.state === 'ok' ? alerts.rows : alerts.state === 'error' ? alerts.rows : undefined
  const capped = alerts.state === 'ok' && alerts.capped
  return html`<${Card} title="Alerts" data-card="alerts" actions=${html`<${Link} href=${rs.link('/alerts')}>All alerts<//>`}>
    ${alerts.state === 'error' ? html`<p class="form-error" role="alert">${alerts.message}</p>` : null}
    ${
      !list
        ? html`<p class="muted" role="status">Loading\u2026</p>`
        : !list.length
          ? html`<div class=${'status-line tone-ok'} data-open-alerts="0"><span class="dot" aria-hidden="true"></span>No open alerts</div>`
          : html`<div class=${`status-line tone-${list.some((a) => a.severity === 'critical') ? 'bad' : 'warn'}`} data-open-alerts=${list.length}>
          <span class="dot" aria-hidden="true"></span>${list.length}${capped ? '+' : ''} open</div>
        <ul class="issue-list">${list.slice(0, 4).map((a) => html`<li key=${a.id} class=${`tone-${SEVERITY_TONE[a.severity]}`} data-alert=${a.id} data-severity=${a.severity}>${a.title}</li>`)}</ul>`
    }
  <//>`
}

/** The robot's latest job (the edge and the hub serve the same record). */
function JobCard(props: { rs: RobotSession }) {
  const { rs } = props
  const [jobs] = useApi<JobRow[]>(rs.path('/jobs', { limit: '1' }), { refreshMs: 15_000 })
  const job = jobs.state === 'ok' || jobs.state === 'error' ? jobs.data?.[0] : undefined
  return html`<${Card} title="Current job" data-card="job" actions=${html`<${Link} href=${rs.link('/jobs')}>All jobs<//>`}>
    ${
      jobs.state === 'loading'
        ? html`<p class="muted" role="status">Loading\u2026</p>`
        : !job
          ? html`<p class="muted">No job recorded for this robot.</p>`
          : html`<div class="readings">
        <${Reading} label="Task" value=${job.task_name ?? '\u2014'} />
        <${Reading} label="Status" value=${job.status.replace('_', ' ')} tone=${job.status === 'failed' ? 'bad' : job.status === 'completed' ? 'ok' : undefined} />
        <${Reading} label="Progress" value=${job.percent !== null ? num(job.percent, 0, '%') : job.items_total ? `${job.items_done ?? 0} / ${job.items_total}` : '\u2014'} />
        <${Reading} label="Started" value=${dateTime(job.started_at)} />
      </div>`
    }
  <//>`
}

/** Under a card's readings when they are not live: how old they are, or that there are none. */
function LastKnown(props: { live: boolean; never: boolean; ts: number | null | undefined }) {
  if (props.live) return null
  return html`<p class="muted small" data-last-known=${props.ts ?? ''}>${
    props.never ? 'No readings: the robot has never connected.' : props.ts ? `Last known values, from ${ago(props.ts)}; not live.` : 'No readings received.'
  }</p>`
}

export function OverviewPage() {
  const rs = useRobotSession()
  const robot = useLive(rs.robot, 4, undefined, { ageing: true })
  useEffect(() => {
    void rs.seedChartHistory('battery', BATTERY_SPAN_MS)
  }, [rs])
  const link = useRobotLink(rs)
  const infoValue = useObservable(rs.info)
  const info = infoValue && infoValue !== 'missing' ? infoValue : null
  // The edge's own service health and store; the hub reports per robot what it heard instead.
  const [health] = useApi<HealthReport>(rs.fleet ? null : '/health', { refreshMs: 10_000 })
  const [stats] = useApi<EdgeStats>(rs.fleet ? null : '/stats', { refreshMs: 10_000 })
  const now = performance.now()
  // Not live: every reading below is the robot's last word, shown as such (greyed, with its age).
  const live = link.live
  const never = link.state === 'never'

  const posture = classifyPosture(robot.imu?.smoothed ?? null)
  const fallen = isFallen(posture)
  const servos = robot.servos
  const stale = servos.filter((s) => robot.isStale(s, now))
  const problems = servos.map((s) => ({ s, h: servoHealth(s, robot.isStale(s, now), !live) })).filter((x) => x.h.tone === 'bad' || x.h.tone === 'warn')
  const hottest = servos.reduce<(typeof servos)[number] | null>(
    (a, s) => (s.temperature_c !== null && (a === null || s.temperature_c > (a.temperature_c ?? -Infinity)) ? s : a),
    null,
  )
  const lastServoTs = servos.reduce<number | null>((a, s) => (s.ts !== null && (a === null || s.ts > a) ? s.ts : a), null)
  const perf = robot.performance?.values
  const throttle = throttleSummary(perf?.throttled !== undefined ? decodeThrottled(perf.throttled) : null)
  const h = health.state === 'ok' || health.state === 'error' ? health.data : undefined
  const battery = robot.battery

  const hubStatus = info ? statusView(info.status, info.revoked) : null
  const lastSeen = link.lastSeen
  const state = never
    ? { text: 'Never connected', tone: 'muted' as const }
    : link.state === 'revoked'
      ? { text: 'Revoked', tone: 'muted' as const }
      : link.state === 'offline'
        ? { text: 'Offline', tone: 'bad' as const }
        : robot.estopped
          ? { text: 'Emergency-stopped', tone: 'bad' as const }
          : !live
            ? { text: 'No live connection', tone: 'warn' as const }
            : fallen
              ? { text: 'Fallen', tone: 'bad' as const }
              : { text: 'Running', tone: 'ok' as const }
  const known = (tone: Tone): Tone => (live ? tone : 'muted')

  return html`<div class="grid-cards">
    <${Card} title="Robot" data-card="robot">
      <div class=${`status-line tone-${state.tone}`} data-robot-state=${state.text}><span class="dot" aria-hidden="true"></span>${state.text}</div>
      <div class="readings">
        <${Reading} label="Robot" value=${rs.robotId ?? (robot.robotId || '\u2014')} />
        <${Reading} label="Profile" value=${(info?.profile ?? robot.profile) || '\u2014'} />
        ${
          rs.fleet
            ? html`
          <${Reading} label="Hub status" value=${hubStatus?.label ?? '\u2014'} tone=${hubStatus?.tone ?? 'muted'} hint=${info?.status_source ?? undefined} data-hub-status=${info?.status ?? ''} />
          <${Reading} label="Last seen" value=${ago(lastSeen)} data-last-seen=${lastSeen ?? ''} />
          ${info?.name ? html`<${Reading} label="Name" value=${info.name} />` : null}`
            : html`
          <${Reading} label="Service health" value=${h ? (h.status === 'ok' ? 'OK' : `Failing: ${h.failing.join(', ')}`) : '\u2014'} tone=${h ? (h.status === 'ok' ? 'ok' : 'bad') : 'muted'} />
          <${Reading} label="Edge uptime" value=${stats.state === 'ok' ? duration(stats.data.uptime_s) : '\u2014'} />`
        }
      </div>
    <//>
    <${RobotDetailsCard} rs=${rs} />
    <${Card} title="Battery" data-card="battery" data-live=${String(live)}>
      <${Meter} label="Charge" percent=${battery?.percent} lowIsBad warnAt=${65} badAt=${80} stale=${!live} />
      <div class="readings">
        <${Reading} label="Voltage" value=${num(battery?.voltage_v, 2, 'V')} tone=${known(battery && battery.percent < 20 ? 'bad' : undefined)} />
      </div>
      <${LastKnown} live=${live} never=${never} ts=${battery?.ts} />
      <${Sparkline} ring=${robot.batteryHistory} label="Battery voltage, last 10 minutes" spanMs=${BATTERY_SPAN_MS} minRange=${0.2} class="spark-wide" />
    <//>
    <${Card} title="Posture" data-card="posture" data-live=${String(live)} actions=${html`<${Link} href=${rs.link('/sensors')}>Sensors<//>`}>
      <div class=${`status-line tone-${known(fallen ? 'bad' : posture === 'tilted' ? 'warn' : posture === 'unknown' ? 'muted' : 'ok')}`} data-posture=${posture}>
        <span class="dot" aria-hidden="true"></span>${live || posture === 'unknown' ? '' : 'Last known: '}${POSTURE_LABEL[posture]}</div>
      <div class="readings">
        <${Reading} label="Roll" value=${num(robot.imu?.roll_deg, 1, '\u00b0')} tone=${known(undefined)} />
        <${Reading} label="Pitch" value=${num(robot.imu?.pitch_deg, 1, '\u00b0')} tone=${known(undefined)} />
      </div>
      <${LastKnown} live=${live} never=${never} ts=${robot.imu?.ts} />
    <//>
    <${Card} title="Servos" data-card="servos" data-live=${String(live)} actions=${html`<${Link} href=${rs.link('/servos')}>All servos<//>`}>
      <div class="readings">
        <${Reading} label="Answering" value=${!live ? 'No live data' : `${servos.length - stale.length} / ${servos.length}`} tone=${!live ? 'muted' : stale.length ? 'bad' : 'ok'} />
        <${Reading} label="Hottest" value=${hottest ? `${num(hottest.temperature_c, 0, '\u00b0C')} (#${hottest.id})` : '\u2014'} tone=${known(undefined)} />
        <${Reading} label="Torque off" value=${String(servos.filter((s) => s.torque === false).length)} tone=${known(undefined)} />
      </div>
      ${
        !live
          ? html`<${LastKnown} live=${live} never=${never} ts=${lastServoTs} />`
          : problems.length
            ? html`<ul class="issue-list">${problems.slice(0, 5).map(({ s, h: hv }) => html`<li key=${s.id} class=${`tone-${hv.tone}`}>#${s.id} ${jointName(s.name)}: ${hv.label}</li>`)}</ul>`
            : html`<p class="muted small">All servos report normal readings.</p>`
      }
    <//>
    <${Card} title="Raspberry Pi" data-card="pi" data-live=${String(live)} actions=${html`<${Link} href=${rs.link('/monitoring')}>Monitoring<//>`}>
      <${Meter} label="CPU" percent=${perf?.cpu_percent} stale=${!live} />
      <${Meter} label="Memory" percent=${perf?.mem_percent} stale=${!live} />
      <div class="readings">
        <${Reading} label="CPU temperature" value=${num(perf?.cpu_temp_c, 1, '\u00b0C')} tone=${known(perf?.cpu_temp_c === undefined ? 'muted' : perf.cpu_temp_c >= 80 ? 'bad' : perf.cpu_temp_c >= 70 ? 'warn' : undefined)} />
        <${Reading} label="Throttling" value=${throttle.text} tone=${known(throttle.tone)} />
        ${rs.fleet ? null : html`<${Reading} label="Database" value=${stats.state === 'ok' ? `${bytes(stats.data.store.db_bytes)} of ${bytes(stats.data.store.quota_bytes)}` : '\u2014'} />`}
      </div>
      <${LastKnown} live=${live} never=${never} ts=${robot.performance?.ts} />
    <//>
    <${AlertsCard} rs=${rs} />
    <${JobCard} rs=${rs} />
    <${SyncCard} rs=${rs} />
  </div>
  ${rs.robotId ? html`<div class="grafana-below"><${GrafanaPanels} dashboard="robot" robotId=${rs.robotId} title="In Grafana" /></div>` : null}`
}
