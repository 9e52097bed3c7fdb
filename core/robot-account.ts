// A robot's own account at the hub (broker and sync API): one name per robot, derived from its id.
export const ROBOT_ACCOUNT_PREFIX = 'robot-'

export const robotAccount = (robotId: string) => `${ROBOT_ACCOUNT_PREFIX}${robotId}`

/** The robot id of a robot account name, or null for any other name. */
export const robotOfAccount = (username: string): string | null =>
  username.startsWith(ROBOT_ACCOUNT_PREFIX) ? username.slice(ROBOT_ACCOUNT_PREFIX.length) : null
