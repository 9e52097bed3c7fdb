import { describe, expect, test } from 'bun:test'
import { ptr } from 'bun:ffi'
import {
  I2C_M_RD,
  I2C_MODE_PLAIN,
  I2C_MODE_RDWR,
  I2C_MSG_OFFSETS,
  I2C_MSG_SIZE,
  I2C_RDWR,
  I2C_RDWR_DATA_OFFSETS,
  I2C_RDWR_DATA_SIZE,
  I2C_SLAVE,
  describeI2cError,
  encodeRdwr,
  i2cTransferSync,
  openI2cBus,
} from './i2c.ts'
import { libc, O_RDWR } from './libc.ts'
import { bytes, rejected, thrown } from './test-support.ts'
import { existsSync } from 'node:fs'

describe('i2c-dev ABI', () => {
  test('ioctl numbers from linux/i2c-dev.h', () => {
    expect(I2C_SLAVE).toBe(0x0703)
    expect(I2C_RDWR).toBe(0x0707)
    expect(I2C_M_RD).toBe(0x0001)
  })

  test('struct layouts on LP64 (gcc offsetof on x86_64)', () => {
    expect(I2C_MSG_SIZE).toBe(16)
    expect(I2C_MSG_OFFSETS).toEqual({ addr: 0, flags: 2, len: 4, buf: 8 })
    expect(I2C_RDWR_DATA_SIZE).toBe(16)
    expect(I2C_RDWR_DATA_OFFSETS).toEqual({ msgs: 0, nmsgs: 8 })
  })

  test('encodeRdwr: a register read is a write message then a read message, by address', () => {
    const reg = bytes(0x3b)
    const out = new Uint8Array(14)
    const { rdwr, table } = encodeRdwr([
      { addr: 0x68, flags: 0, buf: reg },
      { addr: 0x68, flags: I2C_M_RD, buf: out },
    ])
    const rv = new DataView(rdwr.buffer)
    expect(rv.getBigUint64(0, true)).toBe(BigInt(ptr(table)))
    expect(rv.getUint32(8, true)).toBe(2)
    const tv = new DataView(table.buffer)
    expect([tv.getUint16(0, true), tv.getUint16(2, true), tv.getUint16(4, true)]).toEqual([0x68, 0, 1])
    expect(tv.getUint16(6, true)).toBe(0) // padding stays zero
    expect(tv.getBigUint64(8, true)).toBe(BigInt(ptr(reg)))
    expect([tv.getUint16(16, true), tv.getUint16(18, true), tv.getUint16(20, true)]).toEqual([0x68, 1, 14])
    expect(tv.getBigUint64(24, true)).toBe(BigInt(ptr(out)))
  })

  test('the ioctls reach the kernel: on a non-i2c descriptor both modes fail ENOTTY', () => {
    const fd = libc().open('/dev/null', O_RDWR)
    expect(fd).toBeGreaterThanOrEqual(0)
    try {
      expect(i2cTransferSync(fd, 0x68, bytes(0x75), new Uint8Array(1), I2C_MODE_RDWR)).toBe(-25)
      expect(i2cTransferSync(fd, 0x68, bytes(0x75), new Uint8Array(1), I2C_MODE_PLAIN)).toBe(-25)
    } finally {
      libc().close(fd)
    }
  })
})

describe('openI2cBus errors on this machine', () => {
  test('no /dev/i2c-1: ENOENT says to enable I2C with raspi-config', () => {
    expect(existsSync('/dev/i2c-1')).toBe(false)
    const err = thrown(() => openI2cBus('/dev/i2c-1'))
    expect(err.code).toBe('ENOENT')
    expect(err.message).toContain('/dev/i2c-1: no such device')
    expect(err.message).toContain('enable I2C with raspi-config')
  })

  for (const wait of ['thread', 'sync'] as const) {
    test(`${wait}: a transfer failing in the kernel becomes a TransportError (ENOTTY on /dev/null)`, async () => {
      const bus = openI2cBus('/dev/null', { wait })
      try {
        const err = await rejected(bus.writeRead(0x68, bytes(0x75), 1))
        expect(err.code).toBe('ENOTTY')
        expect(err.message).toContain('not an i2c-dev device')
        expect((await rejected(bus.writeRead(0x80, bytes(0), 1))).code).toBe('EINVAL') // not 7-bit
      } finally {
        bus.close()
      }
      expect((await rejected(bus.write(0x68, bytes(0x6b, 0)))).code).toBe('ECLOSED')
    })
  }

  test('NACK, busy and timeout messages name the address and the fix', () => {
    expect(describeI2cError('/dev/i2c-1', 'EREMOTEIO', 0x68)).toContain('no device answered at 0x68')
    expect(describeI2cError('/dev/i2c-1', 'ENXIO', 0x7a)).toContain('no device answered at 0x7a')
    expect(describeI2cError('/dev/i2c-1', 'EBUSY', 0x68)).toContain('address 0x68 is claimed by a kernel driver')
    expect(describeI2cError('/dev/i2c-1', 'EACCES')).toContain('i2c group')
  })
})
