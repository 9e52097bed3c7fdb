// What a TonyPi owner needs when a servo misbehaves, over either wire: find the servos on
// the bus, read everything one servo knows, change its id, trim its offset, set its limits.
import {
  decodeLxReply,
  encodeAngleLimitRead,
  encodeAngleLimitWrite,
  encodeAngleOffsetAdjust,
  encodeAngleOffsetRead,
  encodeAngleOffsetWrite,
  encodeIdRead,
  encodeIdWrite,
  encodeLedErrorRead,
  encodePosRead,
  encodeTempMaxLimitRead,
  encodeTempRead,
  encodeTorqueRead,
  encodeVinLimitRead,
  encodeVinRead,
  type LxReply,
} from '../codecs/lx-bus.ts'
import {
  encodeBusServoRead,
  encodeBusServoSaveOffset,
  encodeBusServoSetAngleLimit,
  encodeBusServoSetId,
  encodeBusServoSetOffset,
  type BusServoReadName,
  type BusServoReply,
} from '../codecs/board.ts'
import type { BoardLink } from '../board/board-link.ts'
import type { LxBusMaster } from '../hat/lx-bus-master.ts'

export interface ServoReport {
  id: number
  position: number | null
  temperature_c: number | null
  voltage_v: number | null
  torque: boolean | null
  offset: number | null
  angle_limit: { min: number; max: number } | null
  vin_limit_v: { min: number; max: number } | null
  temp_limit_c: number | null
  /** LX servos only: the latched fault bits. */
  faults?: { over_temp: boolean; over_voltage: boolean; stalled: boolean } | null
}

export interface ServoTool {
  /** Ids that answer a position read, in order; `onProgress` sees each id as it is tried. */
  scan(ids: readonly number[], onProgress?: (id: number, found: boolean) => void): Promise<number[]>
  read(id: number): Promise<ServoReport | null>
  setId(oldId: number, newId: number): Promise<void>
  /** Adjusts and saves the offset (survives power-off). */
  setOffset(id: number, offset: number): Promise<void>
  setLimits(id: number, min: number, max: number): Promise<void>
}

export class LxServoTool implements ServoTool {
  constructor(private readonly bus: LxBusMaster) {}

  private async get(frame: Uint8Array): Promise<LxReply | undefined> {
    const f = await this.bus.request(frame, 'command')
    return f ? decodeLxReply(f) : undefined
  }

  /**
   * The read after a write: a servo busy storing the write in its EEPROM, or a reply lost to
   * noise, is asked again (three tries) before the change is called failed.
   */
  private async readBack(frame: Uint8Array, done: (r: LxReply | undefined) => boolean): Promise<LxReply | undefined> {
    let r: LxReply | undefined
    for (let i = 0; i < 3; i++) {
      r = await this.get(frame)
      if (done(r)) break
    }
    return r
  }

  async scan(ids: readonly number[], onProgress?: (id: number, found: boolean) => void) {
    const found: number[] = []
    for (const id of ids) {
      const ok = (await this.get(encodePosRead(id)))?.kind === 'POS_READ'
      if (ok) found.push(id)
      onProgress?.(id, ok)
    }
    return found
  }

  async read(id: number): Promise<ServoReport | null> {
    const pos = await this.get(encodePosRead(id))
    if (pos?.kind !== 'POS_READ') return null
    const r = <K extends LxReply['kind']>(x: LxReply | undefined, k: K) => (x?.kind === k ? (x as Extract<LxReply, { kind: K }>) : null)
    const temp = r(await this.get(encodeTempRead(id)), 'TEMP_READ')
    const vin = r(await this.get(encodeVinRead(id)), 'VIN_READ')
    const torque = r(await this.get(encodeTorqueRead(id)), 'LOAD_OR_UNLOAD_READ')
    const offset = r(await this.get(encodeAngleOffsetRead(id)), 'ANGLE_OFFSET_READ')
    const lim = r(await this.get(encodeAngleLimitRead(id)), 'ANGLE_LIMIT_READ')
    const vlim = r(await this.get(encodeVinLimitRead(id)), 'VIN_LIMIT_READ')
    const tlim = r(await this.get(encodeTempMaxLimitRead(id)), 'TEMP_MAX_LIMIT_READ')
    const err = r(await this.get(encodeLedErrorRead(id)), 'LED_ERROR_READ')
    return {
      id,
      position: pos.pos,
      temperature_c: temp?.tempC ?? null,
      voltage_v: vin ? vin.mv / 1000 : null,
      torque: torque?.torque ?? null,
      offset: offset?.offset ?? null,
      angle_limit: lim ? { min: lim.min, max: lim.max } : null,
      vin_limit_v: vlim ? { min: vlim.minMv / 1000, max: vlim.maxMv / 1000 } : null,
      temp_limit_c: tlim?.limitC ?? null,
      faults: err ? { over_temp: err.overTemp, over_voltage: err.overVoltage, stalled: err.stalled } : null,
    }
  }

  async setId(oldId: number, newId: number) {
    await this.bus.send(encodeIdWrite(oldId, newId))
    const check = await this.readBack(encodeIdRead(newId), (r) => r?.kind === 'ID_READ' && r.servoId === newId)
    if (check?.kind !== 'ID_READ' || check.servoId !== newId) throw new Error(`servo did not answer as ${newId} after the change`)
  }

  async setOffset(id: number, offset: number) {
    await this.bus.send(encodeAngleOffsetAdjust(id, offset))
    await this.bus.send(encodeAngleOffsetWrite(id))
    const check = await this.readBack(encodeAngleOffsetRead(id), (r) => r?.kind === 'ANGLE_OFFSET_READ' && r.offset === offset)
    if (check?.kind !== 'ANGLE_OFFSET_READ' || check.offset !== offset)
      throw new Error(`servo ${id} reads offset ${check?.kind === 'ANGLE_OFFSET_READ' ? check.offset : 'nothing'} after writing ${offset}`)
  }

  async setLimits(id: number, min: number, max: number) {
    await this.bus.send(encodeAngleLimitWrite(id, min, max))
    const check = await this.readBack(encodeAngleLimitRead(id), (r) => r?.kind === 'ANGLE_LIMIT_READ' && r.min === min && r.max === max)
    if (check?.kind !== 'ANGLE_LIMIT_READ' || check.min !== min || check.max !== max) throw new Error(`servo ${id} did not take the limits ${min}-${max}`)
  }
}

export class BoardServoTool implements ServoTool {
  constructor(private readonly link: BoardLink) {}

  private async get<K extends BusServoReadName>(kind: K, id: number): Promise<Extract<BusServoReply, { kind: K }> | null> {
    const r = await this.link.request(encodeBusServoRead(kind, id), kind, id, 'command')
    return r?.ok && r.kind === kind ? (r as Extract<BusServoReply, { kind: K }>) : null
  }

  async scan(ids: readonly number[], onProgress?: (id: number, found: boolean) => void) {
    const found: number[] = []
    for (const id of ids) {
      const ok = (await this.get('READ_POSITION', id)) !== null
      if (ok) found.push(id)
      onProgress?.(id, ok)
    }
    return found
  }

  async read(id: number): Promise<ServoReport | null> {
    const pos = await this.get('READ_POSITION', id)
    if (!pos) return null
    const temp = await this.get('READ_TEMP', id)
    const vin = await this.get('READ_VOLTAGE', id)
    const torque = await this.get('READ_TORQUE', id)
    const offset = await this.get('READ_OFFSET', id)
    const lim = await this.get('READ_ANGLE_LIMIT', id)
    const vlim = await this.get('READ_VIN_LIMIT', id)
    const tlim = await this.get('READ_TEMP_LIMIT', id)
    return {
      id,
      position: pos.position,
      temperature_c: temp?.tempC ?? null,
      voltage_v: vin ? vin.mv / 1000 : null,
      torque: torque?.torque ?? null,
      offset: offset?.offset ?? null,
      angle_limit: lim ? { min: lim.min, max: lim.max } : null,
      vin_limit_v: vlim ? { min: vlim.minMv / 1000, max: vlim.maxMv / 1000 } : null,
      temp_limit_c: tlim?.limitC ?? null,
    }
  }

  async setId(oldId: number, newId: number) {
    await this.link.send(encodeBusServoSetId(oldId, newId))
    if (!(await this.get('READ_POSITION', newId))) throw new Error(`servo did not answer as ${newId} after the change`)
  }

  async setOffset(id: number, offset: number) {
    await this.link.send(encodeBusServoSetOffset(id, offset))
    await this.link.send(encodeBusServoSaveOffset(id))
    const check = await this.get('READ_OFFSET', id)
    if (check?.offset !== offset) throw new Error(`servo ${id} reads offset ${check?.offset ?? 'nothing'} after writing ${offset}`)
  }

  async setLimits(id: number, min: number, max: number) {
    await this.link.send(encodeBusServoSetAngleLimit(id, min, max))
    const check = await this.get('READ_ANGLE_LIMIT', id)
    if (check?.min !== min || check?.max !== max) throw new Error(`servo ${id} did not take the limits ${min}-${max}`)
  }
}

/**
 * Whether any servo answers as `id`, asked `attempts` times: before giving a servo an id, one
 * missed reply must not pass for a free id (two servos with one id garble each other's replies).
 */
export async function someoneAnswers(tool: ServoTool, id: number, attempts = 3): Promise<boolean> {
  for (let i = 0; i < attempts; i++) if ((await tool.scan([id])).length) return true
  return false
}
