// The edge's end of sync, wired from its parts: the outbox over the robot's database, the batch
// client, the live uplink to the hub's broker, and the state the hub sends down. Without a hub
// configured it does nothing but keep the clock spans; the robot works the same either way.
import type { Logger } from '../../core/log.ts'
import { robotAccount } from '../../core/robot-account.ts'
import type { RobotState } from '../../core/robot-state.ts'
import { SyncClient } from '../../sync/client.ts'
import type { EdgeSyncStatus } from '../../sync/status.ts'
import { hubFetch, jsonBody, type HubEndpoint } from '../../sync/hub-request.ts'
import { SYNC_VERSION, type DownState } from '../../sync/protocol.ts'
import { Uplink, type UplinkHost } from '../../sync/uplink.ts'
import type { AlertMonitor } from '../alerts/alert-monitor.ts'
import type { CommandExecutor } from '../commands/command-executor.ts'
import type { SampleBus } from '../sample-bus.ts'
import type { EdgeDb } from '../store/database.ts'
import type { ClockWatch } from './clock-watch.ts'
import { applyAlertActions, applyHubDetails, applyHubRules, applyHubUsers } from './down-state.ts'
import type { SyncOutbox } from './outbox.ts'
import type { RobotClock } from './robot-clock.ts'

/** How often the robot asks for the hub's users, rules and alert actions without a nudge. */
const DOWN_EVERY_MS = 30_000
export interface EdgeSyncDeps {
  robotId: string
  hub: { url: string; token: string; ca?: string } | null
  maxKbps: number
  db: EdgeDb
  outbox: SyncOutbox
  clockWatch: ClockWatch
  clock: RobotClock
  bus: SampleBus
  state: RobotState
  commands: CommandExecutor
  alerts: AlertMonitor
  /** A hub user's account changed or went: the robot ends that person's live and broker sessions. */
  accountChanged: (uid: number) => void
  log: Logger
}

export class EdgeSync {
  readonly client: SyncClient | null
  private readonly uplink: Uplink | null
  private readonly endpoint: HubEndpoint | null
  private downTimer: ReturnType<typeof setInterval> | null = null
  private pulling: Promise<void> | null = null
  private pullAgain = false
  private doneActions: number[] = []
  private down = { last_ts: null as number | null, last_error: null as string | null }

  constructor(private readonly deps: EdgeSyncDeps) {
    if (!deps.hub) {
      this.client = null
      this.uplink = null
      this.endpoint = null
      return
    }
    this.endpoint = { url: deps.hub.url, username: robotAccount(deps.robotId), token: deps.hub.token, ...(deps.hub.ca ? { ca: deps.hub.ca } : {}) }
    this.uplink = new Uplink({ host: this.host(), token: deps.hub.token, log: deps.log.child('uplink'), onLost: () => this.client?.forgetConfig() })
    this.client = new SyncClient({
      endpoint: this.endpoint,
      source: deps.outbox,
      clock: deps.clock,
      log: deps.log,
      maxBytesPerS: deps.maxKbps * 1024,
      onConfig: (cfg) => this.uplink!.use({ ...cfg.mqtt, ...(deps.hub?.ca ? { ca: deps.hub.ca } : {}) }),
    })
  }

  get configured(): boolean {
    return this.client !== null
  }

  start() {
    if (!this.client) {
      this.deps.log.info('no hub configured (TONYPI_HUB_URL): the robot keeps everything locally')
      return
    }
    this.deps.log.info('syncing with the hub', { url: this.endpoint!.url, account: this.endpoint!.username })
    const u = new URL(this.endpoint!.url)
    if (u.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)) {
      this.deps.log.warn(
        "the hub's URL is http://: the robot's credential and data cross the network in clear text (hub:dev and the hub installer serve HTTPS; register with its https:// URL)",
        { url: this.endpoint!.url },
      )
    }
    this.client.start()
    this.downTimer = setInterval(() => this.pullDown(), DOWN_EVERY_MS)
  }

  /** Once per tick, before the store writes: a stepped clock starts a new span at the next record. */
  beforeFlush() {
    this.deps.clockWatch.check()
  }

  /** Once per tick, after the store wrote: there is something new to send. */
  afterFlush() {
    this.client?.kick()
  }

  private host(): UplinkHost {
    const { bus, state, commands, robotId } = this.deps
    return {
      robotId,
      status: (s) => ({
        robot_id: robotId,
        status: s === 'online' && state.estopped ? 'emergency_stopped' : s,
        ts: Date.now(),
        profile: state.profile,
        estopped: state.estopped,
        estop_reason: state.estopReason,
      }),
      listen: (l) => {
        const owner = {}
        bus.on('samples', owner, (samples) => l.samples(samples))
        bus.on('command', owner, (e) => l.command(e.data))
        bus.on('estop', owner, () => l.statusChanged())
        bus.on('resume', owner, () => l.statusChanged())
        return () => bus.off(owner)
      },
      submit: (body, id, username) => commands.submit({ body, id, username, origin: 'hub' }),
      hubClockOffsetMs: () => this.client?.hubClockOffsetMs ?? null,
      pullDown: () => this.pullDown(),
    }
  }

  /** Asks the hub for what flows down; one request at a time, one more if asked meanwhile. */
  pullDown() {
    if (!this.endpoint) return
    if (this.pulling) {
      this.pullAgain = true
      return
    }
    this.pulling = this.pullOnce().finally(() => {
      this.pulling = null
      if (this.pullAgain) {
        this.pullAgain = false
        this.pullDown()
      }
    })
  }

  private async pullOnce() {
    const { db, alerts, log, outbox } = this.deps
    try {
      const body = JSON.stringify({ v: SYNC_VERSION, db_id: outbox.dbId(), done_actions: this.doneActions })
      const down = await hubFetch<DownState>(this.endpoint!, 'sync/down', { method: 'POST', body: jsonBody(body, false) })
      this.doneActions = []
      const u = applyHubUsers(db, down.users, Date.now())
      if (u.added || u.updated || u.removed) log.info('users from the hub applied', { added: u.added, updated: u.updated, removed: u.removed })
      for (const uid of u.changed) this.deps.accountChanged(uid)
      if (u.shadowed.length) log.warn('hub users with the name of a local user are not copied (the local user wins)', { usernames: u.shadowed })
      const rules = applyHubRules(db, alerts, down.rules, log)
      if (rules.length) log.info('alert rules from the hub applied', { metrics: rules })
      this.doneActions = applyAlertActions(alerts, down.alert_actions)
      const fields = applyHubDetails(db, down.details, this.client?.hubClockOffsetMs ?? 0)
      if (fields.length) log.info("the robot's details from the hub applied (edited there later than here)", { fields })
      // Tell the hub at once which actions are done, so it stops offering them.
      if (this.doneActions.length) this.pullAgain = true
      this.down = { last_ts: Date.now(), last_error: null }
    } catch (err) {
      this.down = { last_ts: this.down.last_ts, last_error: (err as Error).message }
    }
  }

  status(): EdgeSyncStatus {
    if (!this.client) {
      const b = this.deps.outbox.backlog()
      const dropped = this.deps.outbox.dropped()
      return {
        configured: false,
        connected: false,
        backlog: b.events + b.telemetry,
        cursor: this.deps.outbox.cursors(),
        dropped: { total: Object.values(dropped).reduce((a, x) => a + x, 0), by_stream: dropped },
        message: 'no hub configured: set TONYPI_HUB_URL and TONYPI_HUB_TOKEN, or run `npm run edge:register`',
      }
    }
    const s = this.client.status()
    const live = this.uplink!.status()
    return { ...s, connected: s.connected && live.connected, live, down: this.down }
  }

  async stop() {
    if (this.downTimer) clearInterval(this.downTimer)
    await this.uplink?.stop()
    await this.client?.stop()
    await this.pulling
  }
}
