// Who is on the other end of an MQTT connection to the embedded broker, and how they proved it.
import type { UserPrincipal } from '../../server/principal.ts'

export type BrokerPrincipal =
  /** A person: `ver` is the account's token version at connect; the session ends when it changes. */
  | UserPrincipal
  /** An unauthenticated client on the robot itself over TCP (the earlier system's Python client). */
  | { kind: 'local'; username: 'local' }
