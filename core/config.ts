// Edge configuration: defaults < file < environment, validated at start with an error
// that names the bad key. Pure: the caller passes the parsed file and the environment.

export type Kind =
  | { type: 'int'; min: number; max: number }
  | { type: 'number'; min: number; max: number }
  | { type: 'string'; pattern?: RegExp; hint?: string }
  | { type: 'bool' }
  | { type: 'enum'; values: readonly string[] }

export interface KeySpec {
  env: string
  kind: Kind
  default?: unknown
  secret?: boolean
  doc: string
}

const port = { type: 'int', min: 0, max: 65535 } as const
const hz = (max: number) => ({ type: 'number', min: 0.01, max } as const)

export const EDGE_CONFIG_SPEC = {
  robotId: { env: 'TONYPI_ROBOT_ID', kind: { type: 'string', pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, hint: 'letters, digits, _ . -' }, doc: 'robot id on topics and at the hub (default: the hostname)' },
  profile: { env: 'TONYPI_PROFILE', kind: { type: 'enum', values: ['auto', 'sim', 'tonypi-hat', 'tonypi-board', 'legacy-client'] }, default: 'auto', doc: "robot profile; legacy-client: the earlier Python client drives the hardware and the edge speaks to it over its own broker; auto takes that when the client is heard, else probes the hardware, else uses the simulator" },
  legacyWaitS: { env: 'TONYPI_LEGACY_WAIT_S', kind: { type: 'number', min: 0, max: 120 }, default: 6, doc: 'auto: how long to listen for the earlier Python client on loopback before probing any hardware (it reconnects every few seconds); 0 skips it' },
  legacyReplyTimeoutMs: { env: 'TONYPI_LEGACY_REPLY_TIMEOUT_MS', kind: { type: 'int', min: 100, max: 120_000 }, default: 10_000, doc: 'legacy-client: a command the earlier client has not answered in this time is failed (it answers a move only when the motion has ended)' },
  httpHost: { env: 'TONYPI_HTTP_HOST', kind: { type: 'string' }, default: '0.0.0.0', doc: 'address the dashboard and API listen on' },
  httpPort: { env: 'TONYPI_HTTP_PORT', kind: port, default: 8080, doc: 'dashboard, API, live WebSocket and MQTT-over-WebSocket port (0 = any free port)' },
  mqttHost: { env: 'TONYPI_MQTT_HOST', kind: { type: 'string' }, default: '0.0.0.0', doc: 'address the embedded MQTT broker listens on' },
  mqttPort: { env: 'TONYPI_MQTT_PORT', kind: port, default: 1883, doc: 'embedded MQTT broker TCP port (0 = any free port)' },
  mqttAnonymousLoopback: { env: 'TONYPI_MQTT_ANONYMOUS_LOOPBACK', kind: { type: 'bool' }, default: true, doc: 'accept anonymous MQTT clients from loopback (an on-robot process of the earlier system); false refuses all anonymous clients' },
  dataDir: { env: 'TONYPI_DATA_DIR', kind: { type: 'string' }, default: './data', doc: 'SQLite database, secrets and generated files' },
  adminPassword: { env: 'TONYPI_ADMIN_PASSWORD', kind: { type: 'string', pattern: /^.{8,256}$/, hint: 'at least 8 characters' }, secret: true, doc: "first run only: the first admin's password (otherwise generated, printed once and saved 0600)" },
  jwtSecret: { env: 'TONYPI_JWT_SECRET', kind: { type: 'string', pattern: /^.{32,}$/, hint: 'at least 32 characters' }, secret: true, doc: 'token signing secret (otherwise generated into a 0600 file)' },
  batteryPack: { env: 'TONYPI_BATTERY_PACK', kind: { type: 'enum', values: ['2S', '3S'] }, default: '2S', doc: 'battery pack for the percent curve: 2S (6.0..8.4 V) or 3S (9.0..12.6 V)' },
  retentionRawHours: { env: 'TONYPI_RETENTION_RAW_HOURS', kind: { type: 'number', min: 0.01, max: 24 * 3650 }, default: 168, doc: 'raw sample chunks older than this are deleted' },
  retentionRollupDays: { env: 'TONYPI_RETENTION_ROLLUP_DAYS', kind: { type: 'number', min: 1, max: 3650 }, default: 365, doc: 'per-minute rollups older than this are deleted' },
  logRetentionDays: { env: 'TONYPI_LOG_RETENTION_DAYS', kind: { type: 'number', min: 1, max: 3650 }, default: 30, doc: "the robot's own events (logins, commands, alerts, notes) older than this are deleted" },
  diskQuotaMb: { env: 'TONYPI_DISK_QUOTA_MB', kind: { type: 'number', min: 1, max: 1_000_000 }, default: 1024, doc: 'database size limit; oldest raw chunks are dropped first (and counted)' },
  tickMs: { env: 'TONYPI_TICK_MS', kind: { type: 'int', min: 100, max: 10_000 }, default: 1000, doc: 'store commit interval: one transaction per tick' },
  servoPositionHz: { env: 'TONYPI_SERVO_POSITION_HZ', kind: hz(100), default: 20, doc: 'servo position polling rate' },
  servoHealthHz: { env: 'TONYPI_SERVO_HEALTH_HZ', kind: hz(10), default: 1, doc: 'servo temperature/voltage polling rate' },
  imuHz: { env: 'TONYPI_IMU_HZ', kind: hz(200), default: 100, doc: 'IMU sampling rate' },
  batteryHz: { env: 'TONYPI_BATTERY_HZ', kind: hz(10), default: 1, doc: 'battery sampling rate' },
  performanceHz: { env: 'TONYPI_PERFORMANCE_HZ', kind: hz(10), default: 1, doc: 'Pi performance sampling rate' },
  serialPort: { env: 'TONYPI_SERIAL_PORT', kind: { type: 'string', pattern: /^\/\S+$/, hint: 'an absolute device path' }, default: '/dev/ttyAMA0', doc: 'the servo bus UART (hat) or the controller board link (board)' },
  serialBaud: { env: 'TONYPI_SERIAL_BAUD', kind: { type: 'int', min: 1200, max: 4_000_000 }, doc: 'UART speed (default: 115200 for tonypi-hat, 1000000 for tonypi-board)' },
  i2cBus: { env: 'TONYPI_I2C_BUS', kind: { type: 'string', pattern: /^(none|\/\S+)$/, hint: 'a device path or none' }, default: '/dev/i2c-1', doc: "the hat's I2C bus (MPU6050, battery), or none" },
  gpio: { env: 'TONYPI_GPIO', kind: { type: 'string', pattern: /^(none|(\/dev\/gpiochip\d+:)?\d{1,3},\d{1,3})$/, hint: 'TX,RX BCM lines like 27,4 (optionally /dev/gpiochipN:27,4), or none' }, default: '27,4', doc: "the hat's half-duplex direction pins, TX-enable,RX-enable (BCM): 27,4 as TonyPi's own SDK drives them; none when the adapter switches direction itself" },
  servoIds: { env: 'TONYPI_SERVO_IDS', kind: { type: 'string', pattern: /^\d{1,3}(-\d{1,3})?(,\d{1,3}(-\d{1,3})?)*$/, hint: 'ids and ranges like 1-16 or 1-6,9' }, default: '1-16', doc: 'bus servo ids to poll' },
  servoNames: { env: 'TONYPI_SERVO_NAMES', kind: { type: 'string', pattern: /^(\d{1,3}=[A-Za-z0-9_ -]{1,40})(,\d{1,3}=[A-Za-z0-9_ -]{1,40})*$/, hint: 'id=name pairs like 5=head_pan,6=head_tilt' }, doc: 'names for servos (default: the TonyPi joint names)' },
  servoLimits: { env: 'TONYPI_SERVO_LIMITS', kind: { type: 'string', pattern: /^(\d{1,3}=\d{1,4}-\d{1,4})(,\d{1,3}=\d{1,4}-\d{1,4})*$/, hint: 'id=min-max pairs like 5=100-900' }, doc: 'per-servo position limits (0..1000); targets are clamped to them' },
  actionDir: { env: 'TONYPI_ACTION_DIR', kind: { type: 'string' }, default: '/home/pi/TonyPi/ActionGroups', doc: "folder of HiWonder .d6a action groups" },
  simSeed: { env: 'TONYPI_SIM_SEED', kind: { type: 'int', min: 0, max: 2 ** 31 - 1 }, default: 1, doc: 'simulator random seed' },
  geminiApiKey: { env: 'GEMINI_API_KEY', kind: { type: 'string', pattern: /^\S{8,512}$/, hint: 'an API key from Google AI Studio' }, secret: true, doc: 'Google Gemini API key: reports get a narrative and recommendations (without it they have figures only)' },
  geminiBaseUrl: { env: 'TONYPI_GEMINI_BASE_URL', kind: { type: 'string', pattern: /^https?:\/\/\S+$/, hint: 'an http(s) URL' }, doc: 'endpoint speaking the Gemini API (default: Google\'s); a proxy, or a local stand-in in tests' },
  logLevel: { env: 'TONYPI_LOG_LEVEL', kind: { type: 'enum', values: ['debug', 'info', 'warn', 'error'] }, default: 'info', doc: 'lowest log level written' },
  hubUrl: { env: 'TONYPI_HUB_URL', kind: { type: 'string', pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/, hint: 'the hub\'s http(s) URL, e.g. https://hub.local:8000' }, doc: 'the hub this robot syncs to (otherwise read from <data dir>/hub.json, written by npm run edge:register); none: the robot keeps everything locally' },
  hubToken: { env: 'TONYPI_HUB_TOKEN', kind: { type: 'string', pattern: /^[A-Za-z0-9_-]{16,200}$/, hint: 'the credential token the hub showed once for this robot' }, secret: true, doc: 'the token of the credential the hub issued for TONYPI_ROBOT_ID (POST robots)' },
  hubCa: { env: 'TONYPI_HUB_CA', kind: { type: 'string', pattern: /^\/\S+$/, hint: 'an absolute path to a PEM file' }, doc: "the hub's CA certificate (PEM): the robot trusts only servers it signed" },
  syncMaxKbps: { env: 'TONYPI_SYNC_MAX_KBPS', kind: { type: 'number', min: 1, max: 1_000_000 }, default: 512, doc: 'catch-up cap after an outage, KiB of batch data a second, so the robot stays responsive' },
} as const satisfies Record<string, KeySpec>

type ValueOf<K extends Kind> =
  K extends { type: 'int' | 'number' } ? number
  : K extends { type: 'bool' } ? boolean
  : K extends { type: 'enum'; values: readonly (infer V)[] } ? V
  : string

/** The typed configuration a spec describes: keys with a default are always set. */
export type ConfigOf<S extends Record<string, KeySpec>> = {
  [K in keyof S]: S[K] extends { default: unknown } ? ValueOf<S[K]['kind']> : ValueOf<S[K]['kind']> | undefined
}

type Spec = typeof EDGE_CONFIG_SPEC
export type EdgeConfig = ConfigOf<Spec>

export class ConfigError extends Error {
  constructor(readonly key: string, message: string) {
    super(`configuration ${key}: ${message}`)
    this.name = 'ConfigError'
  }
}

function coerce(key: string, kind: Kind, raw: unknown): unknown {
  switch (kind.type) {
    case 'int':
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN
      if (!Number.isFinite(n)) throw new ConfigError(key, `expected a number, got ${JSON.stringify(raw)}`)
      if (kind.type === 'int' && !Number.isInteger(n)) throw new ConfigError(key, `expected a whole number, got ${JSON.stringify(raw)}`)
      if (n < kind.min || n > kind.max) throw new ConfigError(key, `${n} is outside ${kind.min}..${kind.max}`)
      return n
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw
      const s = String(raw).toLowerCase()
      if (['1', 'true', 'yes', 'on'].includes(s)) return true
      if (['0', 'false', 'no', 'off'].includes(s)) return false
      throw new ConfigError(key, `expected true or false, got ${JSON.stringify(raw)}`)
    }
    case 'enum': {
      const s = String(raw)
      if (!kind.values.includes(s)) throw new ConfigError(key, `expected one of ${kind.values.join(', ')}, got ${JSON.stringify(raw)}`)
      return s
    }
    case 'string': {
      if (typeof raw !== 'string') throw new ConfigError(key, `expected a string, got ${JSON.stringify(raw)}`)
      if (kind.pattern && !kind.pattern.test(raw)) throw new ConfigError(key, `invalid value (${kind.hint ?? kind.pattern.source})`)
      return raw
    }
  }
}

/**
 * Resolve the configuration. `file` uses the camelCase names of EDGE_CONFIG_SPEC; `env`
 * the TONYPI_* names. Unknown file keys are errors (a typo must not pass silently);
 * unknown TONYPI_* variables too, with the same reasoning.
 */
export interface ConfigSources<S> {
  defaults?: Partial<Record<keyof S, unknown>>
  file?: Record<string, unknown>
  env?: Record<string, string | undefined>
}

export function loadEdgeConfig(sources: ConfigSources<Spec>): EdgeConfig {
  const out = loadConfig(EDGE_CONFIG_SPEC, sources)
  if (out.robotId === undefined) throw new ConfigError('TONYPI_ROBOT_ID', 'not set and no default (hostname) available')
  return out
}

export function loadConfig<S extends Record<string, KeySpec>>(specs: S, sources: ConfigSources<S>): ConfigOf<S> {
  const out: Record<string, unknown> = {}
  const file = sources.file ?? {}
  const env = sources.env ?? {}
  for (const k of Object.keys(file)) {
    if (!(k in specs)) throw new ConfigError(k, `unknown key in the configuration file (known: ${Object.keys(specs).join(', ')})`)
  }
  for (const [name, spec] of Object.entries(specs) as [keyof S & string, KeySpec][]) {
    let value: unknown = 'default' in spec ? spec.default : undefined
    if (sources.defaults && sources.defaults[name] !== undefined) value = sources.defaults[name]
    if (file[name] !== undefined) value = coerce(name, spec.kind, file[name])
    const e = env[spec.env]
    if (e !== undefined && e !== '') value = coerce(spec.env, spec.kind, e)
    else if (value !== undefined && file[name] === undefined) value = coerce(spec.env, spec.kind, value)
    out[name] = value
  }
  return out as ConfigOf<S>
}

/** TONYPI_ variables read elsewhere (not configuration values). */
export const EXTRA_ENV = ['TONYPI_CONFIG'] as const

export function unknownEnvKeys(env: Record<string, string | undefined>): string[] {
  const known = new Set<string>([...Object.values(EDGE_CONFIG_SPEC).map((s) => s.env), ...EXTRA_ENV])
  return Object.keys(env).filter((k) => k.startsWith('TONYPI_') && !k.startsWith('TONYPI_HUB_') && !known.has(k))
}

/** The configuration with secrets masked, for the start-up log line. */
export function describeConfig<S extends Record<string, KeySpec>>(cfg: ConfigOf<S>, specs: S = EDGE_CONFIG_SPEC as unknown as S): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, spec] of Object.entries(specs) as [keyof S & string, KeySpec][]) {
    out[k] = spec.secret ? (cfg[k] === undefined ? undefined : '***') : cfg[k]
  }
  return out
}
