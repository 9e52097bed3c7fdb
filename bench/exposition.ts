// The values of a Prometheus exposition, keyed by series as written (`name{labels}`), for the
// benchmarks that read the edge's and the hub's /metrics.
export function parseExpositionValues(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const i = line.lastIndexOf(' ')
    out.set(line.slice(0, i), Number(line.slice(i + 1)))
  }
  return out
}
