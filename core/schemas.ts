// Runtime schemas of the system's payloads, declared once (TypeBox, which Elysia uses) so
// routes, MQTT payloads and storage share types, validation and OpenAPI.
import { Type as T, type Static, type TLiteral } from '@sinclair/typebox'
import { ROLES } from './roles.ts'

/** A tuple of string literals as a tuple of schemas, which Elysia's types can read (an array they cannot). */
type Literals<V extends readonly string[]> = { -readonly [K in keyof V]: TLiteral<V[K]> }
export const literals = <const V extends readonly string[]>(values: V) => values.map((v) => T.Literal(v)) as Literals<V>

/** People's roles (core/roles.ts), least first. */
export const Role = T.Union(literals(ROLES))
export type Role = Static<typeof Role>

/**
 * Bounds of an epoch-ms query parameter: what a JavaScript Date (and so SQLite and PostgreSQL)
 * can hold, so a wild value is a 400 and never a failed query.
 */
export const EPOCH_MS_BOUNDS = { minimum: 0, maximum: 8.64e15 } as const

export const RobotId = T.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' })

export const ServoStatus = T.Object({
  id: T.Integer({ minimum: 0, maximum: 253 }),
  name: T.String(),
  position: T.Union([T.Integer(), T.Null()], { description: 'LX units, 0..1000 over 0..240 degrees' }),
  angle_deg: T.Union([T.Number(), T.Null()], { description: 'degrees from centre (500)' }),
  temperature_c: T.Union([T.Number(), T.Null()]),
  voltage_v: T.Union([T.Number(), T.Null()]),
  torque: T.Union([T.Boolean(), T.Null()]),
  stale: T.Boolean({ description: 'no answer within the stale window' }),
  ts: T.Union([T.Number(), T.Null()], { description: 'epoch ms of the last reading' }),
})
export type ServoStatus = Static<typeof ServoStatus>

const Vec3 = T.Tuple([T.Number(), T.Number(), T.Number()])

export const ImuStatus = T.Object({
  ts: T.Number(),
  accel: Vec3,
  gyro: Vec3,
  roll_deg: T.Number(),
  pitch_deg: T.Number(),
})
export type ImuStatus = Static<typeof ImuStatus>

export const BatteryStatus = T.Object({
  ts: T.Number(),
  voltage_v: T.Number(),
  percent: T.Number(),
})
export type BatteryStatus = Static<typeof BatteryStatus>

export const BusStatus = T.Object({
  name: T.String(),
  requests: T.Integer(),
  replies: T.Integer(),
  timeouts: T.Integer(),
  retries: T.Integer(),
  checksum_errors: T.Integer(),
  discarded_bytes: T.Integer(),
  errors: T.Integer(),
  last_error: T.Union([T.String(), T.Null()]),
  sweeps_per_s: T.Number(),
  transactions_per_s: T.Number(),
})

export const RobotStatus = T.Object({
  robot_id: T.String(),
  profile: T.String(),
  ts: T.Number(),
  estopped: T.Boolean(),
  servos: T.Array(ServoStatus),
  imu: T.Union([ImuStatus, T.Null()]),
  battery: T.Union([BatteryStatus, T.Null()]),
  buses: T.Array(BusStatus, { description: 'frames, timeouts, checksum errors and achieved rates of each physical bus' }),
})
export type RobotStatus = Static<typeof RobotStatus>

export const ServoTarget = T.Object({
  id: T.Integer({ minimum: 0, maximum: 253 }),
  position: T.Integer({ minimum: -100, maximum: 1100, description: 'clamped to the servo limits' }),
})

const Ms = T.Integer({ minimum: 0, maximum: 65535 })
const ActionName = T.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'a .d6a file in TONYPI_ACTION_DIR, without the extension' })

/** The earlier system's motions (its `move` directions and head gestures), played as action groups. */
export const LegacyMotion = T.Union(
  ['forward', 'backward', 'left', 'right', 'stand', 'squat', 'wave', 'kick_left', 'kick_right', 'bow', 'head_nod', 'head_shake'].map((m) => T.Literal(m)),
)

/** Commands a robot accepts, over HTTP and MQTT alike. */
export const Command = T.Union([
  T.Object({ type: T.Literal('stop') }, { additionalProperties: false }),
  T.Object({ type: T.Literal('estop'), reason: T.Optional(T.String({ maxLength: 200 })) }, { additionalProperties: false }),
  T.Object({ type: T.Literal('resume') }, { additionalProperties: false }),
  T.Object(
    {
      type: T.Literal('servo.move'),
      targets: T.Array(ServoTarget, { minItems: 1, maxItems: 32 }),
      duration_ms: T.Integer({ minimum: 0, maximum: 30000 }),
    },
    { additionalProperties: false },
  ),
  T.Object(
    {
      type: T.Literal('servo.torque'),
      ids: T.Array(T.Integer({ minimum: 0, maximum: 253 }), { minItems: 1, maxItems: 32 }),
      on: T.Boolean(),
    },
    { additionalProperties: false },
  ),
  T.Object(
    { type: T.Literal('action.run'), name: ActionName, repeat: T.Optional(T.Integer({ minimum: 0, maximum: 100, description: '0 = until stopped' })) },
    { additionalProperties: false },
  ),
  T.Object({ type: T.Literal('action.stop') }, { additionalProperties: false }),
  T.Object({ type: T.Literal('motion'), motion: LegacyMotion }, { additionalProperties: false }),
  T.Object(
    { type: T.Literal('buzzer'), freq_hz: T.Integer({ minimum: 0, maximum: 20000 }), on_ms: Ms, off_ms: Ms, repeat: T.Integer({ minimum: 0, maximum: 65535 }) },
    { additionalProperties: false },
  ),
  T.Object(
    {
      type: T.Literal('led'),
      led_id: T.Integer({ minimum: 1, maximum: 2, description: 'the board has LEDs 1 and 2' }),
      on_ms: Ms,
      off_ms: Ms,
      repeat: T.Integer({ minimum: 0, maximum: 65535 }),
    },
    { additionalProperties: false },
  ),
])
export type Command = Static<typeof Command>

export const CommandState = T.Union([T.Literal('accepted'), T.Literal('done'), T.Literal('rejected'), T.Literal('failed')])
export type CommandState = Static<typeof CommandState>

export const CommandOutcome = T.Object({
  id: T.String(),
  type: T.String(),
  state: CommandState,
  reason: T.Optional(T.String()),
  ts: T.Number(),
})
export type CommandOutcome = Static<typeof CommandOutcome>

export const PublicUser = T.Object({
  id: T.Integer(),
  username: T.String(),
  role: Role,
  email: T.Union([T.String(), T.Null()]),
  created_at: T.Number(),
  is_active: T.Boolean({ description: 'false: deactivated; the account cannot log in and none of its tokens work' }),
})
export type PublicUser = Static<typeof PublicUser>

export const Username = T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.@-]+$' })
export const Password = T.String({ minLength: 8, maxLength: 256 })
