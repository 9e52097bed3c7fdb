// What a playing action group reports: its progress frame by frame and how it ended. The
// player (drivers/action-groups) sends these; the edge raises them as `action.*` events
// (core/events.ts) and the dashboard reads them off the live feed and GET /actions.
// Type aliases, not interfaces: the dashboard reads these as plain records off the feed.
export type PlayProgress = {
  name: string
  /** The group file playing when it is not `name` itself: a walk's start or end group. */
  part?: string
  /** 1-based frame (of `part`, or of the group) whose move has just been sent. */
  frame: number
  frames: number
  /** 1-based repetition. */
  repetition: number
  /** As requested: 0 means until stopped. */
  repeat: number
}

export type PlayState = 'done' | 'stopped' | 'aborted'

export type PlayResult = {
  state: PlayState
  /** Frames whose move was handed to the driver, over all repetitions. */
  framesPlayed: number
  /** The abort reason, for state 'aborted'. */
  reason?: string
}

export type PlayerEvent =
  | { type: 'started'; name: string; frames: number; repeat: number }
  | ({ type: 'progress' } & PlayProgress)
  | { type: 'finished'; name: string; state: PlayState | 'failed'; framesPlayed: number; reason?: string }
