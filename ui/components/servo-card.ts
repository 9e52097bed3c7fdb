// One servo: position and angle with a live sparkline, temperature, voltage, torque and
// health; controls for operators. Preact draws the card once; its readings are written into it
// from the frame loop, and only the ones that changed, when they changed: sixteen cards at the
// feed's rate, re-rendered through Preact each time, cost a Pi-class CPU most of its frames.
// Each changing number sits in a fixed-size box that is its own layout root (`.readout`), so a
// new digit lays out that box, not the grid of sixteen cards around it.
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks'
import { positionToDegrees } from '../../core/units.ts'
import { Sparkline } from '../charts/sparkline.ts'
import { jointName, num, signed } from '../lib/format.ts'
import { html } from '../lib/html.ts'
import { onFrame } from '../live/frame-clock.ts'
import type { CommandClient } from '../robot/commands.ts'
import type { RobotLive, ServoLive } from '../robot/robot-live.ts'
import { servoHealth, tempTone, voltTone } from '../robot/servo-health.ts'
import { ServoControls } from './servo-controls.ts'

interface Parts {
  card: HTMLElement
  pill: HTMLElement
  pos: HTMLElement
  angle: HTMLElement
  target: HTMLElement
  targetText: HTMLElement
  temp: HTMLElement
  tempBox: HTMLElement
  volt: HTMLElement
  voltBox: HTMLElement
  torque: HTMLElement
}

/** Writes what changed since the last write: text, tones and the attributes tests and tools read. */
class Readout {
  private last = new Map<string, string>()

  constructor(private readonly p: Parts) {}

  private put(key: string, value: string, apply: (v: string) => void) {
    if (this.last.get(key) === value) return
    this.last.set(key, value)
    apply(value)
  }

  write(s: ServoLive, stale: boolean, offline: boolean) {
    const { p } = this
    const health = servoHealth(s, stale, offline)
    const attr = (name: string, v: string) => this.put(name, v, (x) => p.card.setAttribute(name, x))
    attr('data-position', s.position === null ? '' : String(s.position))
    attr('data-ts', s.ts === null ? '' : String(s.ts))
    attr('data-stale', String(stale))
    attr('data-torque', s.torque === null ? '' : String(s.torque))
    this.put('stale', String(stale), (v) => p.card.classList.toggle('is-stale', v === 'true'))
    this.put('health', health.label, (v) => {
      p.pill.textContent = v
    })
    this.put('tone', health.tone ?? 'ok', (v) => {
      p.pill.className = `pill tone-${v}`
    })
    this.put('pos', num(s.position), (v) => {
      p.pos.textContent = v
    })
    this.put('angle', s.position === null ? '\u2014' : signed(positionToDegrees(s.position), 1, '\u00b0'), (v) => {
      p.angle.textContent = v
    })
    this.put('target', s.target === null ? '' : `\u2192 ${s.target}`, (v) => {
      p.targetText.textContent = v
      p.target.hidden = v === ''
    })
    this.put('temp', num(s.temperature_c, 0, '\u00b0C'), (v) => {
      p.temp.textContent = v
    })
    this.put('tempTone', `tone-${tempTone(s.temperature_c) ?? 'none'}`, (v) => {
      p.tempBox.className = v
    })
    this.put('volt', num(s.voltage_v, 2, 'V'), (v) => {
      p.volt.textContent = v
    })
    this.put('voltTone', `tone-${voltTone(s.voltage_v) ?? 'none'}`, (v) => {
      p.voltBox.className = v
    })
    this.put('torque', s.torque === null ? '\u2014' : s.torque ? 'on' : 'off', (v) => {
      p.torque.textContent = v
    })
  }
}

export function ServoCard(props: {
  servo: ServoLive
  robot: RobotLive
  offline: boolean
  controls: boolean
  durationMs: number
  commands: CommandClient
  estopped: boolean
}) {
  const { servo: s, robot } = props
  const name = jointName(s.name)
  const label = `servo ${s.id} (${name})`
  const refs = {
    card: useRef<HTMLElement>(null),
    pill: useRef<HTMLElement>(null),
    pos: useRef<HTMLElement>(null),
    angle: useRef<HTMLElement>(null),
    target: useRef<HTMLElement>(null),
    targetText: useRef<HTMLElement>(null),
    temp: useRef<HTMLElement>(null),
    tempBox: useRef<HTMLElement>(null),
    volt: useRef<HTMLElement>(null),
    voltBox: useRef<HTMLElement>(null),
    torque: useRef<HTMLElement>(null),
  }
  const offline = useRef(props.offline)
  offline.current = props.offline
  const readout = useRef<{ r: Readout; seen: string } | null>(null)
  const draw = () => {
    const r = readout.current
    if (!r) return
    const stale = robot.isStale(s)
    const key = `${s.version}|${stale}|${offline.current}`
    if (key === r.seen) return
    r.seen = key
    r.r.write(s, stale, offline.current)
  }
  // The first readings before the first paint; then whatever changes, once per frame at most.
  useLayoutEffect(() => {
    const p = Object.fromEntries(Object.entries(refs).map(([k, v]) => [k, v.current])) as unknown as Parts
    readout.current = { r: new Readout(p), seen: '' }
    draw()
    return onFrame(draw)
  }, [s, robot])
  useEffect(draw, [props.offline])

  return html`<article class="servo-card" ref=${refs.card} data-servo-id=${s.id} aria-label=${`Servo ${s.id}, ${name}`}>
    <header class="servo-head">
      <span class="servo-id">${s.id}</span>
      <span class="servo-name" title=${s.name}>${name}</span>
      <span class="pill" ref=${refs.pill}></span>
    </header>
    <div class="servo-main">
      <span class="servo-pos" aria-label="Position"><span class="readout" ref=${refs.pos}></span></span>
      <span class="servo-angle" aria-label="Angle from centre"><span class="readout" ref=${refs.angle}></span></span>
      <span class="servo-target" title="Commanded target" hidden ref=${refs.target}><span class="readout" ref=${refs.targetText}></span></span>
    </div>
    <${Sparkline} ring=${s.history} label=${`Position of ${label}, last 12 seconds`} spanMs=${12_000} minRange=${20} target=${() => s.target} />
    <dl class="servo-facts">
      <div ref=${refs.tempBox}><dt>Temp</dt><dd><span class="readout" ref=${refs.temp}></span></dd></div>
      <div ref=${refs.voltBox}><dt>Volt</dt><dd><span class="readout" ref=${refs.volt}></span></dd></div>
      <div><dt>Torque</dt><dd><span class="readout" ref=${refs.torque}></span></dd></div>
    </dl>
    ${props.controls ? html`<${ServoControls} servo=${s} label=${label} durationMs=${props.durationMs} commands=${props.commands} disabled=${props.estopped} />` : null}
  </article>`
}
