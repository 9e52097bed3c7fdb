/** Pure protocol codecs for TonyPi hardware: no I/O, no timers, Uint8Array in and out. */
export * from './crc8.ts'
export * from './lx-bus.ts'
export * from './board.ts'
export * from './mpu6050.ts'
export * from './hat-battery.ts'
export type { StreamStats } from './stream-buffer.ts'
