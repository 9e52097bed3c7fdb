// Structured logs: one JSON object per line with a level and a component, so a journal
// or a log shipper can filter without parsing prose.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export type LogSink = (line: string) => void

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
  child(component: string): Logger
}

export function createLogger(opts: { level?: LogLevel; component?: string; sink?: LogSink; now?: () => number } = {}): Logger {
  const min = ORDER[opts.level ?? 'info']
  const sink = opts.sink ?? ((line: string) => process.stdout.write(line + '\n'))
  const now = opts.now ?? Date.now
  const make = (component: string): Logger => {
    const emit = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
      if (ORDER[level] < min) return
      const rec: Record<string, unknown> = { ts: new Date(now()).toISOString(), level, component, msg }
      if (fields) for (const [k, v] of Object.entries(fields)) rec[k] = v instanceof Error ? v.message : v
      sink(JSON.stringify(rec))
    }
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (c: string) => make(component ? `${component}.${c}` : c),
    }
  }
  return make(opts.component ?? '')
}

/** For tests and tools that must stay quiet. */
export const silentLogger: Logger = createLogger({ level: 'error', sink: () => {} })
