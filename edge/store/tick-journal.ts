// The store's tick journal: each tick's packed chunks appended to a plain file beside the
// database, so a tick is durable at the cost of its own bytes. Committed into SQLite per tick,
// the same bytes cost whole pages: the partly filled last page of the chunk table, its parent
// and the database header, about three pages of WAL a tick, and the checkpoint writes them again
// (bench/store-wear.ts measures the split). The store folds the journal into SQLite once a
// minute, in one transaction, and starts the next generation.
//
// Durability is SQLite's own with `synchronous=NORMAL`: an append is one write(2) that a killed
// process cannot tear, a power cut can lose what the kernel had not written yet, and a torn last
// record fails its checksum and is dropped (the tick it held is the one tick a crash may lose).
//
// Besides ticks the journal keeps values for the meta table that change every tick (sync's
// cursors move with each acknowledged batch), written into the table at the fold.
//
// File: a 20-byte header (magic, version, the database's journal tag, the generation), then
// records of [u32 length][u32 crc32][payload]. The tag ties the file to its database (a journal
// left beside a replaced database is not replayed into it); the generation tells a journal
// already folded (the fold commits its generation in the database before the file restarts).
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { STREAM_NAMES, type StreamName } from '../../core/streams.ts'
import { ByteReader, ByteWriter } from '../../core/varint.ts'

const MAGIC = 0x4a54_5054 // "TPTJ" little-endian
const VERSION = 1
const HEADER_BYTES = 20
const RECORD_HEAD = 8

export const journalPathFor = (dbPath: string) => `${dbPath}-ticks`

export interface JournalContents {
  /** The generation the file holds, or null for no usable file (absent, empty, another database's). */
  gen: number | null
  records: Uint8Array[]
  /** Bytes after the last whole record (a torn append), dropped. */
  tornBytes: number
  /** Why the file was not used, when it exists but is not this database's. */
  refused?: string
}

/** Reads a journal; never throws for a damaged file (what is damaged is reported and skipped). */
export function readJournal(path: string, tag: Uint8Array): JournalContents {
  if (!existsSync(path)) return { gen: null, records: [], tornBytes: 0 }
  const buf = readFileSync(path)
  if (buf.length < HEADER_BYTES) return { gen: null, records: [], tornBytes: buf.length }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  if (view.getUint32(0, true) !== MAGIC || buf[4] !== VERSION) return { gen: null, records: [], tornBytes: 0, refused: 'not a tick journal of this version' }
  if (!equalBytes(buf.subarray(8, 16), tag)) return { gen: null, records: [], tornBytes: 0, refused: 'the journal of another database' }
  const gen = view.getUint32(16, true)
  const records: Uint8Array[] = []
  let pos = HEADER_BYTES
  while (pos + RECORD_HEAD <= buf.length) {
    const len = view.getUint32(pos, true)
    const crc = view.getUint32(pos + 4, true)
    const end = pos + RECORD_HEAD + len
    if (end > buf.length) break
    const payload = buf.subarray(pos + RECORD_HEAD, end)
    if (Bun.hash.crc32(payload) >>> 0 !== crc) break
    records.push(new Uint8Array(payload))
    pos = end
  }
  return { gen, records, tornBytes: buf.length - pos }
}

export class TickJournal {
  private fd: number | null = null
  private gen = 0
  /** Bytes appended since this process opened the journal (headers included): its share of the card's wear. */
  written = 0
  /** Bytes in the current generation. */
  size = 0

  constructor(
    readonly path: string,
    private readonly tag: Uint8Array,
  ) {}

  /**
   * Starts generation `gen` holding `records` (what a partial fold left, or nothing): written
   * beside the journal and renamed over it, so a crash leaves the old file or the new one.
   */
  restart(gen: number, records: readonly Uint8Array[] = []): void {
    const head = new Uint8Array(HEADER_BYTES)
    const view = new DataView(head.buffer)
    view.setUint32(0, MAGIC, true)
    head[4] = VERSION
    head.set(this.tag, 8)
    view.setUint32(16, gen, true)
    const parts = [head, ...records.map(frame)]
    const tmp = `${this.path}.new`
    const fd = openSync(tmp, 'w', 0o600)
    try {
      for (const p of parts) this.write(fd, p)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, this.path)
    this.close()
    this.gen = gen
    this.size = parts.reduce((a, p) => a + p.length, 0)
  }

  get generation(): number {
    return this.gen
  }

  /** One record, in one write(2) (a killed process leaves it whole or not at all). */
  append(payload: Uint8Array): number {
    if (this.size === 0) throw new Error('tick journal: append before restart()')
    const rec = frame(payload)
    this.write(this.open(), rec)
    this.size += rec.length
    return rec.length
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
  }

  private open(): number {
    // Appends go to the end whatever happened to the offset; 0600 like the database.
    if (this.fd === null) this.fd = openSync(this.path, 'a', 0o600)
    return this.fd
  }

  private write(fd: number, bytes: Uint8Array) {
    let off = 0
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off)
    this.written += bytes.length
  }
}

function frame(payload: Uint8Array): Uint8Array {
  const rec = new Uint8Array(RECORD_HEAD + payload.length)
  const view = new DataView(rec.buffer)
  view.setUint32(0, payload.length, true)
  view.setUint32(4, Bun.hash.crc32(payload) >>> 0, true)
  rec.set(payload, RECORD_HEAD)
  return rec
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** A tick's chunk as the journal keeps it: its sequence number, the stream, the chunk codec's bytes. */
export interface JournalChunk {
  seq: number
  stream: StreamName
  data: Uint8Array
}

/** What a record holds: a tick's chunks, or values for the database's meta table (sync's cursors). */
export type JournalRecord = { kind: 'tick'; chunks: readonly JournalChunk[] } | { kind: 'meta'; entries: readonly (readonly [string, string])[] }

const KIND = { tick: 1, meta: 2 } as const

export function encodeRecord(r: JournalRecord): Uint8Array {
  const w = new ByteWriter()
  w.byte(KIND[r.kind])
  if (r.kind === 'tick') {
    w.uvar(r.chunks.length)
    for (const c of r.chunks) {
      w.uvar(c.seq)
      w.byte(STREAM_NAMES.indexOf(c.stream))
      w.uvar(c.data.length)
      w.bytes(c.data)
    }
  } else {
    w.uvar(r.entries.length)
    for (const [k, v] of r.entries) {
      w.string(k)
      w.string(v)
    }
  }
  return w.finish()
}

export function decodeRecord(payload: Uint8Array): JournalRecord {
  const r = new ByteReader(payload)
  const kind = r.byte()
  const n = r.uvar()
  if (kind === KIND.meta) {
    const entries: [string, string][] = []
    for (let i = 0; i < n; i++) entries.push([r.string(), r.string()])
    return { kind: 'meta', entries }
  }
  if (kind !== KIND.tick) throw new RangeError(`journal record: unknown kind ${kind}`)
  const chunks: JournalChunk[] = []
  for (let i = 0; i < n; i++) {
    const seq = r.uvar()
    const stream = STREAM_NAMES[r.byte()]
    if (!stream) throw new RangeError('journal record: unknown stream')
    chunks.push({ seq, stream, data: new Uint8Array(r.bytes(r.uvar())) })
  }
  return { kind: 'tick', chunks }
}
