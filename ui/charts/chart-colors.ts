// Canvas cannot use CSS variables: read the theme's chart colours once per theme.
import { theme } from '../lib/theme.ts'

export interface ChartColors {
  line: string
  band: string
  grid: string
  text: string
  target: string
  warn: string
}

let cached: { theme: string; colors: ChartColors } | null = null

export function chartColors(): ChartColors {
  if (cached && cached.theme === theme.value) return cached.colors
  const css = getComputedStyle(document.documentElement)
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback
  const colors: ChartColors = {
    line: v('--chart-line', '#4ea1ff'),
    band: v('--chart-band', 'rgba(78,161,255,0.2)'),
    grid: v('--chart-grid', 'rgba(128,128,128,0.25)'),
    text: v('--muted', '#888'),
    target: v('--warn', '#d29922'),
    warn: v('--danger', '#e5534b'),
  }
  cached = { theme: theme.value, colors }
  return colors
}
