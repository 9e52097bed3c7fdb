// The page's building blocks: a titled card, and a labelled reading inside it.
import type { ComponentChildren } from 'preact'
import { html } from '../lib/html.ts'

export function Card(props: { title: string; class?: string; actions?: ComponentChildren; children?: ComponentChildren; [k: string]: unknown }) {
  const { title, class: cls, actions, children, ...rest } = props
  return html`<section class=${`card ${cls ?? ''}`} aria-label=${title} ...${rest}>
    <header class="card-head"><h2>${title}</h2>${actions ? html`<div class="card-actions">${actions}</div>` : null}</header>
    ${children}
  </section>`
}

export type Tone = 'ok' | 'warn' | 'bad' | 'muted' | undefined

export function Reading(props: { label: string; value: ComponentChildren; tone?: Tone; hint?: string; [k: string]: unknown }) {
  const { label, value, tone, hint, ...rest } = props
  return html`<div class=${`reading ${tone ? `tone-${tone}` : ''}`} title=${hint} ...${rest}>
    <span class="reading-label">${label}</span>
    <span class="reading-value">${value}</span>
  </div>`
}

/** A horizontal bar for a percentage, with its number for people and screen readers.
 * `stale`: the value is the last known, not live: greyed. An unknown value is no meter at all
 * (a meter without a value says nothing to a screen reader), just its dash. */
export function Meter(props: {
  label: string
  percent: number | null | undefined
  warnAt?: number
  badAt?: number
  lowIsBad?: boolean
  text?: string
  stale?: boolean
}) {
  const p = props.percent
  const known = p !== null && p !== undefined && Number.isFinite(p)
  // For a battery, little is bad; for a CPU, much is.
  const level = known ? (props.lowIsBad ? 100 - p! : p!) : 0
  const tone = !known || props.stale ? 'muted' : level >= (props.badAt ?? 90) ? 'bad' : level >= (props.warnAt ?? 75) ? 'warn' : 'ok'
  const text = props.text ?? (known ? `${p!.toFixed(0)}\u202f%` : '\u2014')
  return html`<div class=${`meter tone-${tone}`} data-stale=${props.stale ? 'true' : undefined}>
    <div class="meter-top"><span>${props.label}</span><span class="meter-num">${text}</span></div>
    ${
      known
        ? html`<div class="meter-track" role="meter" aria-label=${props.label} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(p!)} aria-valuetext=${props.stale ? `${text}, last known` : text}>
      <div class="meter-fill" style=${`width:${Math.max(0, Math.min(100, p!))}%`}></div>
    </div>`
        : html`<div class="meter-track" aria-hidden="true"></div>`
    }
  </div>`
}
