// Which converter a topic of the earlier layout (LEGACY.md) goes to: its root, except where its
// client answers commands, whose third level is `response` and not a robot id.
import { parseTopic, type LegacyRoot } from '../topics.ts'

const REPLY_ROOTS = ['commands', 'emergency_stop'] as const satisfies readonly LegacyRoot[]
type ReplyRoot = (typeof REPLY_ROOTS)[number]
const isReplyRoot = (root: LegacyRoot): root is ReplyRoot => (REPLY_ROOTS as readonly string[]).includes(root)

export type LegacyTopicKind = LegacyRoot | `${ReplyRoot}/response`

export interface LegacyTopic {
  kind: LegacyTopicKind
  /** The robot id its third level names (`broadcast` for a command to all), if it has one. */
  robotId: string | undefined
}

/** The kind of a legacy topic, or null for a topic outside the legacy layout. */
export function legacyTopicOf(topic: string): LegacyTopic | null {
  const t = parseTopic(topic)
  if (t.kind !== 'legacy') return null
  if (t.robotId === 'response' && isReplyRoot(t.root)) return { kind: `${t.root}/response`, robotId: undefined }
  return { kind: t.root, robotId: t.robotId }
}
