// A strict reader of Prometheus' text exposition format (0.0.4), as a scraper reads it: every
// line is a comment, a HELP or TYPE line, or a sample of a declared family; names, labels and
// values are well formed; counters end in _total; a histogram's buckets are cumulative and end
// at +Inf with its _count. Throws with the line for anything else.

export interface Series {
  name: string
  labels: Record<string, string>
  value: number
}
export interface Family {
  name: string
  type: string
  help: string
  series: Series[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ([^ ]+)( -?\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\["\\n])*)"(,|$)/y
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped']

function parseValue(v: string, line: string): number {
  if (v === '+Inf') return Infinity
  if (v === '-Inf') return -Infinity
  if (v === 'NaN') return NaN
  if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v)) throw new Error(`bad value in: ${line}`)
  return Number(v)
}

function parseLabels(s: string | undefined, line: string): Record<string, string> {
  const out: Record<string, string> = {}
  if (!s) return out
  LABEL.lastIndex = 0
  let pos = 0
  while (pos < s.length) {
    LABEL.lastIndex = pos
    const m = LABEL.exec(s)
    if (!m || m.index !== pos) throw new Error(`bad labels in: ${line}`)
    if (m[1] in out) throw new Error(`label ${m[1]} twice in: ${line}`)
    out[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\')
    pos = LABEL.lastIndex
  }
  return out
}

/** The family a sample belongs to: a histogram's _bucket, _sum and _count are its own. */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  if (families.has(name)) return families.get(name)
  const base = name.replace(/_(bucket|sum|count)$/, '')
  const f = families.get(base)
  return f && (f.type === 'histogram' || f.type === 'summary') ? f : undefined
}

export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed')
  const families = new Map<string, Family>()
  const seen = new Set<string>()
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
      const [, kind, name, ...rest] = line.split(' ')
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`)
      const f = families.get(name) ?? { name, type: 'untyped', help: '', series: [] }
      if (kind === 'TYPE') {
        if (!TYPES.includes(rest[0]) || rest.length !== 1) throw new Error(`bad type in: ${line}`)
        if (f.series.length) throw new Error(`TYPE after samples in: ${line}`)
        f.type = rest[0]
      } else f.help = rest.join(' ')
      families.set(name, f)
      continue
    }
    if (line.startsWith('#')) continue
    const m = SAMPLE.exec(line)
    if (!m) throw new Error(`not a sample: ${line}`)
    const f = familyOf(m[1], families)
    if (!f) throw new Error(`sample of an undeclared family: ${line}`)
    const labels = parseLabels(m[3], line)
    const key = `${m[1]}${JSON.stringify(Object.entries(labels).sort())}`
    if (seen.has(key)) throw new Error(`series twice: ${line}`)
    seen.add(key)
    f.series.push({ name: m[1], labels, value: parseValue(m[4], line) })
  }
  for (const f of families.values()) {
    if (f.type === 'counter') {
      if (!f.name.endsWith('_total')) throw new Error(`counter ${f.name} does not end in _total`)
      for (const s of f.series) if (!(s.value >= 0)) throw new Error(`counter ${f.name} is negative`)
    }
    if (f.type === 'histogram') checkHistogram(f)
  }
  return families
}

function checkHistogram(f: Family) {
  const groups = new Map<string, Series[]>()
  for (const s of f.series) {
    const { le, ...rest } = s.labels
    const k = JSON.stringify(Object.entries(rest).sort())
    groups.set(k, [...(groups.get(k) ?? []), s])
  }
  for (const list of groups.values()) {
    const buckets = list.filter((s) => s.name === `${f.name}_bucket`)
    const count = list.find((s) => s.name === `${f.name}_count`)
    if (!count || !list.some((s) => s.name === `${f.name}_sum`)) throw new Error(`histogram ${f.name} lacks _sum or _count`)
    const les = buckets.map((b) => parseValue(b.labels.le, `le of ${f.name}`))
    for (let i = 1; i < buckets.length; i++) {
      if (!(les[i] > les[i - 1]) || buckets[i].value < buckets[i - 1].value) throw new Error(`histogram ${f.name}: buckets not cumulative`)
    }
    if (les.at(-1) !== Infinity || buckets.at(-1)!.value !== count.value) throw new Error(`histogram ${f.name}: no +Inf bucket equal to _count`)
  }
}
