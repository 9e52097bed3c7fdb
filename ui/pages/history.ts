// Charts over a chosen window from the robot's own store: raw points for short windows,
// per-minute (or coarser) min/mean/max for long ones. The choice lives in the URL, so a
// chart can be bookmarked or shared.
import { useEffect, useMemo, useState } from 'preact/hooks'
import { TimeChart, type Series } from '../charts/time-chart.ts'
import { Card, Reading } from '../components/card.ts'
import { GrafanaPanels } from '../components/grafana-panels.ts'
import type { ApiError } from '../lib/api.ts'
import { jointName, num } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { api } from '../lib/session.ts'
import type { SensorHistory, StreamName } from '../lib/types.ts'
import { chartResolution, HISTORY_STREAMS, HISTORY_WINDOWS } from '../robot/history-fields.ts'
import { useLive } from '../live/use-live.ts'
import { useRobotSession } from '../robot/robot-session.ts'

interface Choice {
  stream: StreamName
  servo: number
  field: string
  windowMs: number
}

function readChoice(): Choice {
  const q = new URLSearchParams(location.search)
  const stream = (q.get('stream') ?? 'servos') as StreamName
  const def = HISTORY_STREAMS[stream] ?? HISTORY_STREAMS.servos!
  const field = q.get('field') ?? ''
  return {
    stream: HISTORY_STREAMS[stream] ? stream : 'servos',
    servo: Number(q.get('servo') ?? 1) || 1,
    field: field in def.fields ? field : Object.keys(def.fields)[0],
    windowMs: HISTORY_WINDOWS.find((w) => w.ms === Number(q.get('window')))?.ms ?? 15 * 60_000,
  }
}

/** The chart's width before it is drawn: the page's, less the page list beside it on a wide screen. */
function chartWidth(): number {
  return innerWidth > 760 ? innerWidth - 270 : innerWidth - 60
}

function toSeries(points: SensorHistory['points'], field: string): Series {
  const s: Series = { t: [], v: [] }
  const rollup = points.some((p) => typeof p[`${field}_min`] === 'number')
  if (rollup) {
    s.lo = []
    s.hi = []
  }
  for (const p of points) {
    const v = p[field]
    if (typeof v !== 'number') continue
    s.t.push(p.ts)
    s.v.push(v)
    if (rollup) {
      s.lo!.push(Number(p[`${field}_min`] ?? v))
      s.hi!.push(Number(p[`${field}_max`] ?? v))
    }
  }
  return s
}

function downloadCsv(name: string, s: Series) {
  const rows = ['time,value' + (s.lo ? ',min,max' : '')]
  for (let i = 0; i < s.t.length; i++) rows.push(`${new Date(s.t[i]).toISOString()},${s.v[i]}${s.lo ? `,${s.lo[i]},${s.hi![i]}` : ''}`)
  const url = URL.createObjectURL(new Blob([rows.join('\n') + '\n'], { type: 'text/csv' }))
  const a = Object.assign(document.createElement('a'), { href: url, download: `${name}.csv` })
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 1_000)
}

export function HistoryPage() {
  const rs = useRobotSession()
  // The servo list arrives with the robot's state, which a direct load or a reload has not
  // fetched yet when the page first draws: redraw when it comes.
  const robot = useLive(rs.robot, 2, ['roster'])
  const [choice, setChoice] = useState<Choice>(readChoice)
  const [data, setData] = useState<SensorHistory | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(false)
  const [reload, setReload] = useState(0)
  const def = HISTORY_STREAMS[choice.stream]!
  const field = def.fields[choice.field]

  useEffect(() => {
    const q = new URLSearchParams({
      stream: choice.stream,
      field: choice.field,
      window: String(choice.windowMs),
      ...(def.perServo ? { servo: String(choice.servo) } : {}),
    })
    history.replaceState(null, '', `${location.pathname}?${q}`)
    const ctrl = new AbortController()
    const to = Date.now()
    const from = to - choice.windowMs
    // About a point per pixel of the chart, and only the value charted.
    const params = new URLSearchParams({
      stream: choice.stream,
      from: String(from),
      to: String(to),
      resolution: chartResolution(choice.windowMs, chartWidth()),
      fields: choice.field,
    })
    if (def.perServo) params.set('servo_id', String(choice.servo))
    setLoading(true)
    setError(null)
    api<SensorHistory>(rs.path(`/robot/sensors?${params}`), { signal: ctrl.signal }).then(
      (d) => {
        setData(d)
        setLoading(false)
      },
      (e) => {
        if ((e as Error).name !== 'AbortError') {
          setError((e as ApiError).message)
          setLoading(false)
        }
      },
    )
    return () => ctrl.abort()
  }, [choice, reload])

  const series = useMemo(() => toSeries(data?.points ?? [], choice.field), [data, choice.field])
  const summary = useMemo(() => {
    if (!series.v.length) return null
    let lo = Infinity,
      hi = -Infinity,
      sum = 0
    for (let i = 0; i < series.v.length; i++) {
      lo = Math.min(lo, series.lo?.[i] ?? series.v[i])
      hi = Math.max(hi, series.hi?.[i] ?? series.v[i])
      sum += series.v[i]
    }
    return { lo, hi, mean: sum / series.v.length }
  }, [series])

  const update = (patch: Partial<Choice>) =>
    setChoice((c) => {
      const next = { ...c, ...patch }
      const d = HISTORY_STREAMS[next.stream]!
      if (!(next.field in d.fields)) next.field = Object.keys(d.fields)[0]
      return next
    })
  // Until the list comes, the servo the link names, so the choice shows as it is.
  const servoOptions = robot.servos.length ? robot.servos : [{ id: choice.servo, name: '' }]
  const subject = def.perServo ? `Servo ${choice.servo} ${field.label.toLowerCase()}` : `${def.label} ${field.label.toLowerCase()}`
  const fname = `${rs.robotId ?? (rs.robot.robotId || 'robot')}-${choice.stream}${def.perServo ? `-${choice.servo}` : ''}-${choice.field}`

  return html`<div class="page-history">
    <form class="filters" onSubmit=${(e: Event) => {
      e.preventDefault()
      setReload((n) => n + 1)
    }}>
      <label class="field"><span>Data</span>
        <select name="stream" value=${choice.stream} onChange=${(e: Event) => update({ stream: (e.target as HTMLSelectElement).value as StreamName })}>
          ${Object.entries(HISTORY_STREAMS).map(([k, d]) => html`<option key=${k} value=${k}>${d!.label}</option>`)}
        </select></label>
      ${
        def.perServo
          ? html`<label class="field"><span>Servo</span>
        <select name="servo" value=${choice.servo} onChange=${(e: Event) => update({ servo: Number((e.target as HTMLSelectElement).value) })}>
          ${servoOptions.map((s) => html`<option key=${s.id} value=${s.id}>${s.name ? `${s.id}: ${jointName(s.name)}` : `Servo ${s.id}`}</option>`)}
        </select></label>`
          : null
      }
      <label class="field"><span>Value</span>
        <select name="field" value=${choice.field} onChange=${(e: Event) => update({ field: (e.target as HTMLSelectElement).value })}>
          ${Object.entries(def.fields).map(([k, f]) => html`<option key=${k} value=${k}>${f.label}</option>`)}
        </select></label>
      <label class="field"><span>Window</span>
        <select name="window" value=${choice.windowMs} onChange=${(e: Event) => update({ windowMs: Number((e.target as HTMLSelectElement).value) })}>
          ${HISTORY_WINDOWS.map((w) => html`<option key=${w.ms} value=${w.ms}>Last ${w.label}</option>`)}
        </select></label>
      <div class="filter-actions">
        <button type="submit" class="btn">Refresh</button>
        <button type="button" class="btn btn-ghost" disabled=${!series.t.length} onClick=${() => downloadCsv(fname, series)}>Download CSV</button>
      </div>
    </form>
    <${Card} title=${subject} data-card="history-chart" aria-busy=${loading}>
      ${error ? html`<p class="form-error" role="alert">Could not load the history: ${error}</p>` : null}
      ${
        series.t.length && data
          ? html`
        <${TimeChart} series=${series} from=${data.from} to=${data.to} label=${subject} unit=${field.unit} digits=${field.digits} minRange=${field.minRange} />
        <div class="readings">
          <${Reading} label="Points" value=${`${series.t.length.toLocaleString()}${data.truncated ? ' (newest only)' : ''}`} tone=${data.truncated ? 'warn' : undefined} />
          <${Reading} label="Resolution" value=${data.resolution === 'raw' ? 'every sample' : `${data.resolution} min/mean/max`} />
          <${Reading} label="Lowest" value=${num(summary?.lo, field.digits, field.unit)} />
          <${Reading} label="Mean" value=${num(summary?.mean, field.digits, field.unit)} />
          <${Reading} label="Highest" value=${num(summary?.hi, field.digits, field.unit)} />
        </div>`
          : !loading && !error
            ? html`<p class="muted" data-state="empty">No ${field.label.toLowerCase()} data in this window. ${rs.fleet ? 'The hub stores what the robot sent while it was connected' : 'The robot stores what it measured while running'}; try a longer window.</p>`
            : null
      }
      ${loading ? html`<p class="muted small" role="status">Loading\u2026</p>` : null}
    <//>
    ${rs.robotId ? html`<${GrafanaPanels} dashboard="servos" robotId=${rs.robotId} title="Servo health in Grafana" from="now-24h" />` : null}
  </div>`
}
