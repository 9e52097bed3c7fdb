import { afterEach, describe, expect, test } from 'bun:test'
import { statSync } from 'node:fs'
import { openPty, type Pty } from './pty.ts'
import { openSerialPort, readExact } from './uart.ts'
import { isRaw8N1, readTermios } from './termios.ts'
import { bytes, thrown } from './test-support.ts'

const open: Pty[] = []
afterEach(() => {
  for (const p of open.splice(0)) p.close()
})
function pty(): Pty {
  const p = openPty()
  open.push(p)
  return p
}

describe('openPty', () => {
  test('gives a character-device slave path and a working master', () => {
    const p = pty()
    expect(p.slavePath).toMatch(/^\/dev\/pts\/\d+$/)
    expect(statSync(p.slavePath).isCharacterDevice()).toBe(true)
    expect(p.master.isOpen).toBe(true)
  })

  test('the slave is raw before any client opens it: nothing the master writes is echoed', async () => {
    const p = pty()
    await p.master.write(bytes(0x55, 0x55, 0x0d, 0x0a, 0x03))
    // An echo is the kernel's, with no later event to wait for: wait for it to become readable, briefly.
    expect(await p.master.waitReadable(50)).toBe(false)
    expect(p.master.read().length).toBe(0)
    expect(isRaw8N1(readTermios(p.master.fd))).toBe(true) // termios ioctls on a master reach its slave
  })

  test('master survives clients coming and going; a new client starts with an empty input', async () => {
    const p = pty()
    const a = openSerialPort(p.slavePath, { baud: 115200 })
    await a.write(bytes(1))
    expect(await readExact(p.master, 1, 500)).toEqual(bytes(1))
    a.close()
    expect(p.master.read().length).toBe(0) // EIO with no slave open: reported as "nothing"
    expect(await p.master.waitReadable(20)).toBe(false) // and no busy spin on POLLHUP
    await p.master.write(bytes(7, 7)) // buffered for nobody...
    const b = openSerialPort(p.slavePath, { baud: 115200 })
    try {
      await p.master.write(bytes(8))
      expect(await readExact(b, 1, 500)).toEqual(bytes(8)) // the first byte is 8: 7, 7 were dropped by openSerialPort's TCIOFLUSH
      await b.write(bytes(9))
      expect(await readExact(p.master, 1, 500)).toEqual(bytes(9))
    } finally {
      b.close()
    }
  })

  test('closing the master: the master is closed, an open slave is hung up', async () => {
    const p = openPty()
    const client = openSerialPort(p.slavePath, { baud: 115200 })
    p.close()
    expect(p.master.isOpen).toBe(false)
    expect(thrown(() => p.master.read()).code).toBe('ECLOSED')
    expect(thrown(() => client.read()).code).toBe('EIO')
    client.close()
    // (The slave path is gone too, but another process may reuse the pts number at once,
    // so that is not asserted here.)
  })
})
