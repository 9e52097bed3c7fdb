// The mode this page runs in, read once: one robot (served by the edge) or the fleet (the hub).
import { readUiConfig } from './ui-config.ts'

export const uiConfig = readUiConfig()
export const FLEET = uiConfig.mode === 'fleet'
/** What the page talks to, for messages: "The robot did not answer" / "The hub did not answer". */
export const SERVER_NAME = FLEET ? 'hub' : 'robot'
