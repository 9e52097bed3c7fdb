// A robot's own credential on the sync API (HTTP Basic: `robot-<id>` and the token the hub
// issued). Checking an argon2 hash on every batch would cost the hub tens of milliseconds a
// batch, so a verified token is remembered by its digest next to the stored hash it matched:
// rotating or revoking the credential changes that hash, and the next request is refused.
import { createHash } from 'node:crypto'
import { robotOfAccount } from '../../core/robot-account.ts'
import type { RobotRepo, RobotRow } from '../robots/robot-repo.ts'

export class RobotCredentials {
  private verified = new Map<string, { digest: string; hash: string }>()

  constructor(private readonly robots: RobotRepo) {}

  /** The robot this `Authorization: Basic` header proves, or null. */
  async verify(authorization: string | undefined | null): Promise<RobotRow | null> {
    const m = authorization ? /^Basic\s+([A-Za-z0-9+/=]{1,400})$/i.exec(authorization) : null
    if (!m) return null
    const decoded = Buffer.from(m[1], 'base64').toString('utf8')
    const i = decoded.indexOf(':')
    if (i < 1) return null
    const robotId = robotOfAccount(decoded.slice(0, i))
    const token = decoded.slice(i + 1)
    if (!robotId || token.length < 16 || token.length > 200) return null
    const robot = await this.robots.get(robotId)
    if (!robot || robot.revokedAt || !robot.credentialHash) return null
    const digest = createHash('sha256').update(token).digest('hex')
    const known = this.verified.get(robotId)
    if (known && known.digest === digest && known.hash === robot.credentialHash) return robot
    if (!(await Bun.password.verify(token, robot.credentialHash))) return null
    this.verified.set(robotId, { digest, hash: robot.credentialHash })
    return robot
  }
}
