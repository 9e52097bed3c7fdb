// Which converter a topic of the earlier layout (LEGACY.md) goes to: its root, except where its
// client answers commands, whose third level is `response` and not a robot id.
import { parseTopic, type LegacyRoot } from '../topics.ts'

/** The roots that carry commands to a robot, and under `<root>/response` its client's answers. */
const COMMAND_ROOTS = ['commands', 'emergency_stop'] as const satisfies readonly LegacyRoot[]
type CommandRoot = (typeof COMMAND_ROOTS)[number]
const isCommandRoot = (root: string): root is CommandRoot => (COMMAND_ROOTS as readonly string[]).includes(root)

export type LegacyTopicKind = LegacyRoot | `${CommandRoot}/response`

export interface LegacyTopic {
  kind: LegacyTopicKind
  /** The robot id its third level names (`broadcast` for a command to all), if it has one. */
  robotId: string | undefined
}

/** The kind of a legacy topic, or null for a topic outside the legacy layout. */
export function legacyTopicOf(topic: string): LegacyTopic | null {
  const t = parseTopic(topic)
  if (t.kind !== 'legacy') return null
  if (t.robotId === 'response' && isCommandRoot(t.root)) return { kind: `${t.root}/response`, robotId: undefined }
  return { kind: t.root, robotId: t.robotId }
}

/** A command (or the e-stop) to one robot, or to all under `broadcast`. */
export function isLegacyCommand(t: LegacyTopic | null): t is LegacyTopic & { kind: CommandRoot } {
  return t !== null && isCommandRoot(t.kind)
}

/** The earlier client's answer to a command or the e-stop. */
export function isLegacyReply(t: LegacyTopic | null): boolean {
  return t?.kind.endsWith('/response') === true
}
