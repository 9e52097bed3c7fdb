// The Pi's side of the STM32 controller board's 1 Mbaud link. The board talks on its own
// (IMU, battery and key reports), so one reader loop consumes every frame: reports update
// the latest values, bus-servo replies complete the one request waiting for them.
import {
  BOARD_INBOUND_MAX_DATA_LEN,
  BoardFrameDecoder,
  BoardFunc,
  decodeBatteryReport,
  decodeBoardImu,
  decodeBusServoReply,
  decodeKeyEvent,
  type BoardFrame,
  type BusServoReadName,
  type BusServoReply,
} from '../codecs/board.ts'
import { BusScheduler, type BusPriority } from '../bus/bus-scheduler.ts'
import { BusStats } from '../bus/bus-stats.ts'
import type { SerialPort } from '../transports/serial-port.ts'

export interface BoardLinkOptions {
  /** A read reply is ~10 bytes (0.1 ms at 1 Mbaud) plus the board's bus-servo round trip. */
  replyTimeoutMs?: number
  retries?: number
}

interface Waiter {
  kind: BusServoReadName
  id: number
  resolve: (r: BusServoReply | null) => void
}

export class BoardLink {
  readonly decoder = new BoardFrameDecoder({ maxDataLen: BOARD_INBOUND_MAX_DATA_LEN })
  readonly scheduler = new BusScheduler()
  readonly stats = new BusStats('board-link', () => this.decoder.stats)
  latestImu: { ts: number; accel: [number, number, number]; gyro: [number, number, number] } | null = null
  latestBatteryMv: { ts: number; mv: number } | null = null
  keyEvents: { ts: number; key: number; event: number }[] = []
  private waiter: Waiter | null = null
  private running = true
  private readonly timeoutMs: number
  private readonly retries: number
  readonly done: Promise<void>

  constructor(
    private readonly port: SerialPort,
    opts: BoardLinkOptions = {},
    private readonly onError: (e: Error) => void = () => {},
  ) {
    this.timeoutMs = opts.replyTimeoutMs ?? 20
    this.retries = opts.retries ?? 1
    this.done = this.readLoop()
  }

  private async readLoop() {
    while (this.running) {
      try {
        const bytes = this.port.read(4096)
        if (bytes.length) {
          for (const f of this.decoder.push(bytes)) this.dispatch(f)
          continue
        }
        await this.port.waitReadable(100)
      } catch (err) {
        if (!this.running) break
        this.stats.errors++
        this.stats.lastError = (err as Error).message
        this.onError(err as Error)
        await Bun.sleep(100) // a reopening port comes back by itself; do not spin meanwhile
      }
    }
  }

  private dispatch(f: BoardFrame) {
    const now = Date.now()
    switch (f.func) {
      case BoardFunc.IMU: {
        const s = decodeBoardImu(f.data)
        this.latestImu = { ts: now, accel: s.accel, gyro: s.gyro }
        return
      }
      case BoardFunc.SYS: {
        const mv = decodeBatteryReport(f.data)
        if (mv !== undefined) this.latestBatteryMv = { ts: now, mv }
        return
      }
      case BoardFunc.KEY: {
        const k = decodeKeyEvent(f.data)
        if (k) {
          this.keyEvents.push({ ts: now, key: k.keyId, event: k.event })
          if (this.keyEvents.length > 100) this.keyEvents.shift()
        }
        return
      }
      case BoardFunc.BUS_SERVO: {
        const r = decodeBusServoReply(f.data)
        const w = this.waiter
        if (r && w && r.kind === w.kind && r.id === w.id) {
          this.waiter = null
          w.resolve(r)
        }
      }
    }
  }

  send(frame: Uint8Array, priority: BusPriority = 'command'): Promise<void> {
    return this.scheduler.run(priority, async () => {
      this.stats.requests++
      this.stats.transaction()
      await this.port.write(frame)
    })
  }

  /** A bus-servo read: the reply, or null after the retries. One request is in flight at a time. */
  request(frame: Uint8Array, kind: BusServoReadName, id: number, priority: BusPriority = 'poll'): Promise<BusServoReply | null> {
    return this.scheduler.run(priority, async () => {
      for (let attempt = 0; attempt <= this.retries; attempt++) {
        if (attempt) this.stats.retries++
        this.stats.requests++
        this.stats.transaction()
        const reply = new Promise<BusServoReply | null>((resolve) => {
          this.waiter = { kind, id, resolve }
        })
        const timer = setTimeout(() => {
          const w = this.waiter
          this.waiter = null
          w?.resolve(null)
        }, this.timeoutMs)
        try {
          await this.port.write(frame)
        } catch (err) {
          clearTimeout(timer)
          this.waiter = null
          this.stats.errors++
          this.stats.lastError = (err as Error).message
          throw err
        }
        const r = await reply
        clearTimeout(timer)
        if (r) {
          this.stats.replies++
          return r
        }
        this.stats.timeouts++
      }
      return null
    })
  }

  close() {
    this.running = false
    this.waiter?.resolve(null)
    this.port.close()
  }
}
