// An operator's controls for one servo: a target position (slider and number, Enter or
// Move sends it) and torque. Releasing torque asks twice: a standing robot collapses.
import { useEffect, useRef, useState } from 'preact/hooks'
import { POSITION_MAX, POSITION_MIN } from '../../core/units.ts'
import { html } from '../lib/html.ts'
import { useVersion } from '../live/use-live.ts'
import type { CommandClient } from '../robot/commands.ts'
import type { ServoLive } from '../robot/robot-live.ts'

const CONFIRM_MS = 4_000

/** The slider shows where the servo is until someone drags it: followed twice a second, and
 * only past a few units, so a standing robot's reading jitter moves nothing. */
const FOLLOW_HZ = 2
const FOLLOW_MIN = 4

export function ServoControls(props: { servo: ServoLive; label: string; durationMs: number; commands: CommandClient; disabled: boolean }) {
  const { servo, label, commands } = props
  const [draft, setDraft] = useState<number | null>(null)
  const shown = useRef<{ position: number | null; torque: boolean | null; stamp: number }>({ position: null, torque: null, stamp: 0 })
  useVersion(
    () => {
      const cur = shown.current
      const moved = servo.position !== null && (cur.position === null || Math.abs(servo.position - cur.position) >= FOLLOW_MIN)
      if (draft === null && (moved || servo.torque !== cur.torque)) cur.stamp++
      return cur.stamp
    },
    FOLLOW_HZ,
    false,
    [servo, draft],
  )
  shown.current.position = servo.position
  shown.current.torque = servo.torque
  const [confirmRelease, setConfirmRelease] = useState(false)
  useEffect(() => {
    if (!confirmRelease) return
    const t = setTimeout(() => setConfirmRelease(false), CONFIRM_MS)
    return () => clearTimeout(t)
  }, [confirmRelease])

  const value = draft ?? servo.position ?? 500
  const set = (v: string) => {
    if (v.trim() === '') return // mid-edit: an empty field is not position 0
    const n = Math.round(Number(v))
    if (Number.isFinite(n)) setDraft(Math.max(POSITION_MIN, Math.min(POSITION_MAX, n)))
  }
  const move = async (e: Event) => {
    e.preventDefault()
    const position = value
    const out = await commands.send(
      { type: 'servo.move', targets: [{ id: servo.id, position }], duration_ms: props.durationMs },
      `Move servo ${servo.id} to ${position}`,
    )
    if (out) setDraft(null)
  }
  const torque = () => {
    if (servo.torque !== false && !confirmRelease) {
      setConfirmRelease(true)
      return
    }
    setConfirmRelease(false)
    const on = servo.torque === false
    void commands.send({ type: 'servo.torque', ids: [servo.id], on }, `Torque ${on ? 'on' : 'off'}, servo ${servo.id}`)
  }
  const torqueText = confirmRelease ? 'Release? Click again' : servo.torque === false ? 'Torque off' : 'Torque on'

  return html`<form class="servo-controls" onSubmit=${move}>
    <div class="servo-target-row">
      <input type="range" class="servo-slider" min=${POSITION_MIN} max=${POSITION_MAX} step="1" value=${value}
        aria-label=${`Target position, ${label}`} onInput=${(e: Event) => set((e.target as HTMLInputElement).value)} disabled=${props.disabled} />
      <input type="number" name="target" inputmode="numeric" min=${POSITION_MIN} max=${POSITION_MAX} step="1" value=${value}
        aria-label=${`Target position (0 to 1000), ${label}`} onInput=${(e: Event) => set((e.target as HTMLInputElement).value)} disabled=${props.disabled} />
    </div>
    <div class="servo-control-row">
      <button type="submit" class="btn btn-small" data-action="move" disabled=${props.disabled}>Move</button>
      <button type="button" class=${`btn btn-small toggle ${servo.torque === false ? '' : 'is-on'} ${confirmRelease ? 'is-confirm' : ''}`}
        data-action="torque" aria-pressed=${servo.torque !== false} onClick=${torque} disabled=${props.disabled}
        aria-label=${confirmRelease ? `Confirm: release torque on ${label}` : `Torque ${servo.torque === false ? 'off' : 'on'}, ${label}`}>${torqueText}</button>
    </div>
  </form>`
}
