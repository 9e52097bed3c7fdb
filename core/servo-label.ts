// How a servo is named for people, everywhere: the dashboard, alert titles and reports say
// "Servo 3 (Left knee pitch)", never the configuration's left_knee_pitch.

/** left_knee_pitch -> Left knee pitch */
export function jointLabel(name: string): string {
  const s = name.replace(/_/g, ' ').trim()
  return s ? s[0].toUpperCase() + s.slice(1) : s
}

/** "3 (Left knee pitch)", or "3" for a servo without a name: what follows "Servo" in a sentence. */
export function servoLabel(id: number | string, name: string | null | undefined): string {
  return name ? `${id} (${jointLabel(name)})` : String(id)
}
