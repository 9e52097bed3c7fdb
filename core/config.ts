// Edge configuration: defaults < file < environment, validated at start with an error that
// names the bad key and shows the bad value. Each key is a TypeBox schema (as the API's are),
// which carries the default and the range; the variable that sets it rides along on the schema.
// Pure: the caller passes the parsed file and the environment.
import { Kind, Type as T, type Static, type TObject, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'
import { RobotId } from './schemas.ts'

/** What every key carries besides its type: the variable that sets it, and what it is for. */
export interface SettingMeta {
  env: string
  description: string
  /** Masked in the start-up log line, and never shown in an error. */
  secret?: boolean
  /** Said in the error when the pattern does not match. */
  hint?: string
}

type Pattern = { pattern?: RegExp | string }

const metaOf = (schema: TSchema) => schema as TSchema & SettingMeta

/** Builders of configuration keys; a key without a default is wrapped in T.Optional. */
export const setting = {
  int: (minimum: number, maximum: number, meta: SettingMeta & { default?: number }) => T.Integer({ ...meta, minimum, maximum }),
  number: (minimum: number, maximum: number, meta: SettingMeta & { default?: number }) => T.Number({ ...meta, minimum, maximum }),
  bool: (meta: SettingMeta & { default?: boolean }) => T.Boolean(meta),
  string: ({ pattern, ...meta }: SettingMeta & Pattern & { default?: string }) =>
    T.String(pattern === undefined ? meta : { ...meta, pattern: typeof pattern === 'string' ? pattern : pattern.source }),
  oneOf: <const V extends string>(values: readonly V[], meta: SettingMeta & { default?: NoInfer<V> }) =>
    T.Union(
      values.map((v) => T.Literal(v)),
      meta,
    ),
}

const port = (meta: SettingMeta & { default: number }) => setting.int(0, 65535, meta)
const hz = (max: number, meta: SettingMeta & { default: number }) => setting.number(0.01, max, meta)
const s = setting

/** Shared by the edge and the hub. */
export const logLevel = s.oneOf(['debug', 'info', 'warn', 'error'], { env: 'TONYPI_LOG_LEVEL', default: 'info', description: 'lowest log level written' })

export const EDGE_CONFIG_SPEC = T.Object({
  robotId: T.Optional(
    s.string({
      env: 'TONYPI_ROBOT_ID',
      pattern: RobotId.pattern,
      hint: 'letters, digits, _ . -',
      description: 'robot id on topics and at the hub (default: the hostname)',
    }),
  ),
  profile: s.oneOf(['auto', 'sim', 'tonypi-hat', 'tonypi-board', 'legacy-client'], {
    env: 'TONYPI_PROFILE',
    default: 'auto',
    description:
      'robot profile; legacy-client: the earlier Python client drives the hardware and the edge speaks to it over its own broker; auto takes that when the client is heard, else probes the hardware, else uses the simulator',
  }),
  legacyWaitS: s.number(0, 120, {
    env: 'TONYPI_LEGACY_WAIT_S',
    default: 6,
    description: 'auto: how long to listen for the earlier Python client on loopback before probing any hardware (it reconnects every few seconds); 0 skips it',
  }),
  legacyReplyTimeoutMs: s.int(100, 120_000, {
    env: 'TONYPI_LEGACY_REPLY_TIMEOUT_MS',
    default: 10_000,
    description: 'legacy-client: a command the earlier client has not answered in this time is failed (it answers a move only when the motion has ended)',
  }),
  httpHost: s.string({ env: 'TONYPI_HTTP_HOST', default: '0.0.0.0', description: 'address the dashboard and API listen on' }),
  httpPort: port({ env: 'TONYPI_HTTP_PORT', default: 8080, description: 'dashboard, API, live WebSocket and MQTT-over-WebSocket port (0 = any free port)' }),
  mqttHost: s.string({ env: 'TONYPI_MQTT_HOST', default: '0.0.0.0', description: 'address the embedded MQTT broker listens on' }),
  mqttPort: port({ env: 'TONYPI_MQTT_PORT', default: 1883, description: 'embedded MQTT broker TCP port (0 = any free port)' }),
  mqttAnonymousLoopback: s.bool({
    env: 'TONYPI_MQTT_ANONYMOUS_LOOPBACK',
    default: true,
    description: 'accept anonymous MQTT clients from loopback (an on-robot process of the earlier system); false refuses all anonymous clients',
  }),
  dataDir: s.string({ env: 'TONYPI_DATA_DIR', default: './data', description: 'SQLite database, secrets and generated files' }),
  adminPassword: T.Optional(
    s.string({
      env: 'TONYPI_ADMIN_PASSWORD',
      pattern: /^.{8,256}$/,
      hint: 'at least 8 characters',
      secret: true,
      description: "first run only: the first admin's password (otherwise generated, printed once and saved 0600)",
    }),
  ),
  jwtSecret: T.Optional(
    s.string({
      env: 'TONYPI_JWT_SECRET',
      pattern: /^.{32,}$/,
      hint: 'at least 32 characters',
      secret: true,
      description: 'token signing secret (otherwise generated into a 0600 file)',
    }),
  ),
  batteryPack: s.oneOf(['2S', '3S'], {
    env: 'TONYPI_BATTERY_PACK',
    default: '2S',
    description: 'battery pack for the percent curve: 2S (6.0..8.4 V) or 3S (9.0..12.6 V)',
  }),
  retentionRawHours: s.number(0.01, 24 * 3650, {
    env: 'TONYPI_RETENTION_RAW_HOURS',
    default: 168,
    description: 'raw sample chunks older than this are deleted',
  }),
  // About 10 MB a day at the default rates (`npm run bench -- --only=day`): with a week of raw data
  // a month of rollups fits the default quota; the hub keeps the long history.
  retentionRollupDays: s.number(1, 3650, { env: 'TONYPI_RETENTION_ROLLUP_DAYS', default: 30, description: 'per-minute rollups older than this are deleted' }),
  logRetentionDays: s.number(1, 3650, {
    env: 'TONYPI_LOG_RETENTION_DAYS',
    default: 30,
    description: "the robot's own events (logins, commands, alerts, notes) older than this are deleted",
  }),
  diskQuotaMb: s.number(1, 1_000_000, {
    env: 'TONYPI_DISK_QUOTA_MB',
    default: 1024,
    description: 'database size limit; oldest raw chunks are dropped first (and counted)',
  }),
  tickMs: s.int(100, 10_000, { env: 'TONYPI_TICK_MS', default: 1000, description: 'store commit interval: one transaction per tick' }),
  servoPositionHz: hz(100, { env: 'TONYPI_SERVO_POSITION_HZ', default: 20, description: 'servo position polling rate' }),
  servoHealthHz: hz(10, { env: 'TONYPI_SERVO_HEALTH_HZ', default: 1, description: 'servo temperature/voltage polling rate' }),
  imuHz: hz(200, { env: 'TONYPI_IMU_HZ', default: 100, description: 'IMU sampling rate' }),
  batteryHz: hz(10, { env: 'TONYPI_BATTERY_HZ', default: 1, description: 'battery sampling rate' }),
  performanceHz: hz(10, { env: 'TONYPI_PERFORMANCE_HZ', default: 1, description: 'Pi performance sampling rate' }),
  serialPort: s.string({
    env: 'TONYPI_SERIAL_PORT',
    pattern: /^\/\S+$/,
    hint: 'an absolute device path',
    default: '/dev/ttyAMA0',
    description: 'the servo bus UART (hat) or the controller board link (board)',
  }),
  serialBaud: T.Optional(
    s.int(1200, 4_000_000, { env: 'TONYPI_SERIAL_BAUD', description: 'UART speed (default: 115200 for tonypi-hat, 1000000 for tonypi-board)' }),
  ),
  i2cBus: s.string({
    env: 'TONYPI_I2C_BUS',
    pattern: /^(none|\/\S+)$/,
    hint: 'a device path or none',
    default: '/dev/i2c-1',
    description: "the hat's I2C bus (MPU6050, battery), or none",
  }),
  gpio: s.string({
    env: 'TONYPI_GPIO',
    pattern: /^(none|(\/dev\/gpiochip\d+:)?\d{1,3},\d{1,3})$/,
    hint: 'TX,RX BCM lines like 27,4 (optionally /dev/gpiochipN:27,4), or none',
    default: '27,4',
    description:
      "the hat's half-duplex direction pins, TX-enable,RX-enable (BCM): 27,4 as TonyPi's own SDK drives them; none when the adapter switches direction itself",
  }),
  servoIds: s.string({
    env: 'TONYPI_SERVO_IDS',
    pattern: /^\d{1,3}(-\d{1,3})?(,\d{1,3}(-\d{1,3})?)*$/,
    hint: 'ids and ranges like 1-16 or 1-6,9',
    default: '1-16',
    description: 'bus servo ids to poll',
  }),
  servoNames: T.Optional(
    s.string({
      env: 'TONYPI_SERVO_NAMES',
      pattern: /^(\d{1,3}=[A-Za-z0-9_ -]{1,40})(,\d{1,3}=[A-Za-z0-9_ -]{1,40})*$/,
      hint: 'id=name pairs like 5=head_pan,6=head_tilt',
      description: 'names for servos (default: the TonyPi joint names)',
    }),
  ),
  servoLimits: T.Optional(
    s.string({
      env: 'TONYPI_SERVO_LIMITS',
      pattern: /^(\d{1,3}=\d{1,4}-\d{1,4})(,\d{1,3}=\d{1,4}-\d{1,4})*$/,
      hint: 'id=min-max pairs like 5=100-900',
      description: 'per-servo position limits (0..1000); targets are clamped to them',
    }),
  ),
  actionDir: s.string({ env: 'TONYPI_ACTION_DIR', default: '/home/pi/TonyPi/ActionGroups', description: 'folder of HiWonder .d6a action groups' }),
  simSeed: s.int(0, 2 ** 31 - 1, { env: 'TONYPI_SIM_SEED', default: 1, description: 'simulator random seed' }),
  geminiApiKey: T.Optional(
    s.string({
      env: 'GEMINI_API_KEY',
      pattern: /^\S{8,512}$/,
      hint: 'an API key from Google AI Studio',
      secret: true,
      description: 'Google Gemini API key: reports get a narrative and recommendations (without it they have figures only)',
    }),
  ),
  geminiBaseUrl: T.Optional(
    s.string({
      env: 'TONYPI_GEMINI_BASE_URL',
      pattern: /^https?:\/\/\S+$/,
      hint: 'an http(s) URL',
      description: "endpoint speaking the Gemini API (default: Google's); a proxy, or a local stand-in in tests",
    }),
  ),
  logLevel,
  hubUrl: T.Optional(
    s.string({
      env: 'TONYPI_HUB_URL',
      pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/,
      hint: "the hub's http(s) URL, e.g. https://hub.local:8000",
      description:
        'the hub this robot syncs to (otherwise read from <data dir>/hub.json, written by npm run edge:register); none: the robot keeps everything locally',
    }),
  ),
  hubToken: T.Optional(
    s.string({
      env: 'TONYPI_HUB_TOKEN',
      pattern: /^[A-Za-z0-9_-]{16,200}$/,
      hint: 'the credential token the hub showed once for this robot',
      secret: true,
      description: 'the token of the credential the hub issued for TONYPI_ROBOT_ID (POST robots)',
    }),
  ),
  hubCa: T.Optional(
    s.string({
      env: 'TONYPI_HUB_CA',
      pattern: /^\/\S+$/,
      hint: 'an absolute path to a PEM file',
      description: "the hub's CA certificate (PEM): the robot trusts only servers it signed",
    }),
  ),
  syncMaxKbps: s.number(1, 1_000_000, {
    env: 'TONYPI_SYNC_MAX_KBPS',
    default: 512,
    description: 'catch-up cap after an outage, KiB of batch data a second, so the robot stays responsive',
  }),
})

/** The schema of a whole configuration: one property per key, each carrying its SettingMeta. */
export type ConfigSpec = TObject<Record<string, TSchema>>
export type EdgeConfig = Static<typeof EDGE_CONFIG_SPEC>

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`configuration ${key}: ${message}`)
    this.name = 'ConfigError'
  }
}

const TRUE = new Set(['1', 'true', 'yes', 'on'])
const FALSE = new Set(['0', 'false', 'no', 'off'])

/**
 * A text value (the environment, or a string in the file) as the key's type. Not TypeBox's
 * Value.Convert, which turns "18.5" into 18 for an integer, "0x10" into 0 for a number and
 * `true` into 1, and knows no yes/no. Text that does not convert is left as it is, for the check to refuse with its value.
 */
function fromText(schema: TSchema, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw
  switch (schema[Kind]) {
    case 'Integer':
    case 'Number': {
      const n = raw.trim() === '' ? NaN : Number(raw)
      return Number.isFinite(n) ? n : raw
    }
    case 'Boolean': {
      const t = raw.toLowerCase()
      return TRUE.has(t) ? true : FALSE.has(t) ? false : raw
    }
    default:
      return raw
  }
}

/** What is wrong, with the value as given (a secret's only by its length). */
function explain(e: ValueError, given: unknown): string {
  const schema = metaOf(e.schema)
  const shown = schema.secret && typeof given === 'string' ? `(secret, ${given.length} characters)` : JSON.stringify(given)
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'not set, and it has no default'
    case ValueErrorType.Integer:
      return typeof e.value === 'number' ? `expected a whole number, got ${shown}` : `expected a number, got ${shown}`
    case ValueErrorType.Number:
      return `expected a number, got ${shown}`
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.NumberMaximum:
      return `${e.value} is outside ${schema.minimum}..${schema.maximum}`
    case ValueErrorType.Boolean:
      return `expected true or false (or yes/no, on/off, 1/0), got ${shown}`
    case ValueErrorType.Union:
      return `expected one of ${(schema.anyOf as { const: unknown }[]).map((v) => v.const).join(', ')}, got ${shown}`
    case ValueErrorType.String:
      return `expected a string, got ${shown}`
    case ValueErrorType.StringPattern:
      return `invalid value ${shown}: expected ${schema.hint ?? `a match of ${schema.pattern}`}`
    default:
      return `${e.message}, got ${shown}`
  }
}

/**
 * Resolve the configuration. `file` uses the camelCase names of the spec; `env` the variable
 * names. Unknown file keys are errors (a typo must not pass silently). An error names where the
 * bad value came from: the variable, or the file's key.
 */
export interface ConfigSources<S extends ConfigSpec> {
  defaults?: Partial<Record<keyof S['properties'], unknown>>
  file?: Record<string, unknown>
  env?: Record<string, string | undefined>
}

export function loadEdgeConfig(sources: ConfigSources<typeof EDGE_CONFIG_SPEC>): EdgeConfig {
  const out = loadConfig(EDGE_CONFIG_SPEC, sources)
  if (out.robotId === undefined) throw new ConfigError('TONYPI_ROBOT_ID', 'not set and no default (hostname) available')
  return out
}

export function loadConfig<S extends ConfigSpec>(spec: S, sources: ConfigSources<S>): Static<S> {
  const file = sources.file ?? {}
  const env = sources.env ?? {}
  const defaults: Record<string, unknown> = sources.defaults ?? {}
  for (const k of Object.keys(file)) {
    if (!(k in spec.properties)) throw new ConfigError(k, `unknown key in the configuration file (known: ${Object.keys(spec.properties).join(', ')})`)
  }
  const given: Record<string, { from: string; value: unknown }> = {}
  const value: Record<string, unknown> = {}
  for (const [name, prop] of Object.entries(spec.properties)) {
    const schema = metaOf(prop)
    const e = env[schema.env]
    const from =
      e !== undefined && e !== ''
        ? { from: schema.env, value: e }
        : file[name] !== undefined
          ? { from: name, value: file[name] }
          : { from: schema.env, value: defaults[name] }
    given[name] = from
    if (from.value !== undefined) value[name] = fromText(schema, from.value)
  }
  const out = Value.Default(spec, value)
  const error = Value.Errors(spec, out).First()
  if (error) {
    const name = error.path.split('/')[1] ?? ''
    const src = given[name] ?? { from: name, value: undefined }
    throw new ConfigError(src.from, explain(error, src.value))
  }
  return out as Static<S>
}

/** TONYPI_ variables read elsewhere (not configuration values). */
export const EXTRA_ENV = ['TONYPI_CONFIG'] as const

export function unknownEnvKeys(env: Record<string, string | undefined>): string[] {
  const known = new Set<string>([...Object.values(EDGE_CONFIG_SPEC.properties).map((s) => metaOf(s).env), ...EXTRA_ENV])
  return Object.keys(env).filter((k) => k.startsWith('TONYPI_') && !k.startsWith('TONYPI_HUB_') && !known.has(k))
}

/** The configuration with secrets masked, for the start-up log line. */
export function describeConfig<S extends ConfigSpec>(cfg: Static<S>, spec: S = EDGE_CONFIG_SPEC as unknown as S): Record<string, unknown> {
  const values = cfg as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [k, schema] of Object.entries(spec.properties)) {
    out[k] = metaOf(schema).secret ? (values[k] === undefined ? undefined : '***') : values[k]
  }
  return out
}
