// Where the robot's hub is and how it proves who it is: from configuration (TONYPI_HUB_URL and
// TONYPI_HUB_TOKEN), or from <data dir>/hub.json, which `npm run edge:register` writes (0600)
// after registering the robot with an admin's login. Everything else (the broker's address,
// the batch limits) comes from the hub itself.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, type EdgeConfig } from '../../core/config.ts'
import { writeSecret } from '../../server/secrets.ts'

export const HUB_LINK_FILE = 'hub.json'

export interface HubLink {
  url: string
  token: string
  ca?: string
}

interface HubLinkFile {
  url: string
  robot_id: string
  token: string
  ca_file?: string
}

function readCa(path: string, key: string): string {
  try {
    const pem = readFileSync(path, 'utf8')
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it')
    return pem
  } catch (err) {
    throw new ConfigError(key, `cannot read the hub's CA from ${path}: ${(err as Error).message}`)
  }
}

export function resolveHubLink(cfg: EdgeConfig, dataDir: string): HubLink | null {
  if (cfg.hubUrl || cfg.hubToken) {
    if (!cfg.hubUrl) throw new ConfigError('TONYPI_HUB_URL', 'required with TONYPI_HUB_TOKEN')
    if (!cfg.hubToken)
      throw new ConfigError('TONYPI_HUB_TOKEN', `required with TONYPI_HUB_URL (the token the hub showed when robot ${cfg.robotId} was registered)`)
    return { url: cfg.hubUrl, token: cfg.hubToken, ...(cfg.hubCa ? { ca: readCa(cfg.hubCa, 'TONYPI_HUB_CA') } : {}) }
  }
  const path = join(dataDir, HUB_LINK_FILE)
  if (!existsSync(path)) return null
  let f: HubLinkFile
  try {
    f = JSON.parse(readFileSync(path, 'utf8'))
    if (typeof f.url !== 'string' || typeof f.token !== 'string' || typeof f.robot_id !== 'string') throw new Error('url, robot_id and token are required')
  } catch (err) {
    throw new ConfigError(path, `not a hub link written by edge:register: ${(err as Error).message}`)
  }
  if (f.robot_id !== cfg.robotId) {
    throw new ConfigError(
      'TONYPI_ROBOT_ID',
      `${path} registers robot ${f.robot_id} but this edge is ${cfg.robotId}: set TONYPI_ROBOT_ID=${f.robot_id} or register again`,
    )
  }
  const caFile = cfg.hubCa ?? f.ca_file
  return { url: f.url, token: f.token, ...(caFile ? { ca: readCa(caFile, cfg.hubCa ? 'TONYPI_HUB_CA' : path) } : {}) }
}

export function writeHubLink(dataDir: string, link: HubLinkFile) {
  writeSecret(join(dataDir, HUB_LINK_FILE), JSON.stringify(link, null, 2))
}
