import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  GPIO_V2_GET_LINE_IOCTL,
  GPIO_V2_LINE_CONFIG_SIZE,
  GPIO_V2_LINE_REQUEST_SIZE,
  GPIO_V2_LINE_SET_VALUES_IOCTL,
  GPIO_V2_LINE_VALUES_SIZE,
  LINE_REQUEST_OFFSETS,
  encodeLineRequest,
  findSysfsBase,
  iowr,
  openGpioOutput,
} from './gpio.ts'
import { thrown } from './test-support.ts'

describe('GPIO v2 uAPI numbers and layout', () => {
  test('struct sizes match <linux/gpio.h> (gcc sizeof on x86_64)', () => {
    expect(GPIO_V2_LINE_REQUEST_SIZE).toBe(592)
    expect(GPIO_V2_LINE_CONFIG_SIZE).toBe(272)
    expect(GPIO_V2_LINE_VALUES_SIZE).toBe(16)
    expect(LINE_REQUEST_OFFSETS).toEqual({ offsets: 0, consumer: 256, config: 288, num_lines: 560, event_buffer_size: 564, fd: 588 })
  })

  test("ioctl numbers computed from the sizes equal the header's", () => {
    expect(GPIO_V2_GET_LINE_IOCTL).toBe(0xc250b407)
    expect(GPIO_V2_LINE_SET_VALUES_IOCTL).toBe(0xc010b40f)
    expect(iowr(0xb4, 0x0e, 16)).toBe(0xc010b40e) // GPIO_V2_LINE_GET_VALUES_IOCTL, a third check
  })

  test('a line request asks for one output line with its initial value', () => {
    const req = encodeLineRequest(27, 1, 'tonypi-bus-tx')
    const dv = new DataView(req.buffer)
    expect(dv.getUint32(0, true)).toBe(27) // offsets[0]
    expect(new TextDecoder().decode(req.subarray(256, 256 + 13))).toBe('tonypi-bus-tx')
    expect(req[256 + 13]).toBe(0) // NUL-terminated
    expect(dv.getBigUint64(288, true)).toBe(8n) // config.flags = GPIO_V2_LINE_FLAG_OUTPUT
    expect(dv.getUint32(296, true)).toBe(1) // config.num_attrs
    expect(dv.getUint32(320, true)).toBe(2) // attrs[0].attr.id = OUTPUT_VALUES
    expect(dv.getBigUint64(328, true)).toBe(1n) // attrs[0].attr.values
    expect(dv.getBigUint64(336, true)).toBe(1n) // attrs[0].mask
    expect(dv.getUint32(560, true)).toBe(1) // num_lines
    expect(encodeLineRequest(17, 0, 'x')[328]).toBe(0)
  })
})

describe('GPIO on this machine (no /dev/gpiochip0, no /sys/class/gpio)', () => {
  test('the error says what is missing', () => {
    expect(existsSync('/dev/gpiochip0')).toBe(false)
    const err = thrown(() => openGpioOutput({ line: 17, initial: 0 }))
    expect(err.code).toBe('ENOGPIO')
    expect(err.message).toContain('/dev/gpiochip0 (character device)')
    expect(err.message).toContain('/sys/class/gpio (sysfs)')
    expect(err.message).toContain('TONYPI_GPIO=none')
  })

  test('forcing the character device: ENOENT names the chip', () => {
    const err = thrown(() => openGpioOutput({ chip: 4, line: 17, initial: 0, backend: 'chardev' }))
    expect(err.code).toBe('ENOENT')
    expect(err.message).toContain('/dev/gpiochip4: no such GPIO chip')
  })

  test('the character-device ioctl reaches the kernel (ENOTTY on a non-GPIO device)', () => {
    const err = thrown(() => openGpioOutput({ chip: '/dev/null', line: 17, initial: 0, backend: 'chardev' }))
    expect(err.code).toBe('ENOTTY')
  })
})

describe('sysfs fallback against a fake /sys', () => {
  const root = mkdtempSync(join(tmpdir(), 'fake-sys-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  /** A Pi-4-like tree: bcm2711 at base 512 (parent fe200000.gpio holds gpiochip0), an expander at 570. */
  function fakeSys(dir: string): string {
    const cls = join(dir, 'class/gpio')
    mkdirSync(cls, { recursive: true })
    writeFileSync(join(cls, 'export'), '')
    writeFileSync(join(cls, 'unexport'), '')
    const chip = (base: number, label: string, parent: string, child: string) => {
      mkdirSync(join(dir, parent, child), { recursive: true })
      mkdirSync(join(cls, `gpiochip${base}`))
      writeFileSync(join(cls, `gpiochip${base}`, 'base'), `${base}\n`)
      writeFileSync(join(cls, `gpiochip${base}`, 'label'), `${label}\n`)
      symlinkSync(join('../../..', parent), join(cls, `gpiochip${base}`, 'device'))
    }
    chip(512, 'pinctrl-bcm2711', 'devices/platform/soc/fe200000.gpio', 'gpiochip0')
    chip(570, 'raspberrypi-exp-gpio', 'devices/platform/soc/firmware/gpio', 'gpiochip1')
    return dir
  }

  test("finds each chardev chip's base through the device links", () => {
    const sys = fakeSys(join(root, 'a'))
    expect(findSysfsBase(sys, 0)).toBe(512)
    expect(findSysfsBase(sys, 1)).toBe(570)
    const err = thrown(() => findSysfsBase(sys, 7))
    expect(err.message).toContain('cannot tell which sysfs chip is gpiochip7')
    expect(err.message).toContain('pinctrl-bcm2711')
  })

  test('an exported line: direction set with its initial level, value written on set()', () => {
    const sys = fakeSys(join(root, 'b'))
    const dir = join(sys, 'class/gpio/gpio529') // 512 + BCM 17
    mkdirSync(dir)
    writeFileSync(join(dir, 'direction'), 'in')
    writeFileSync(join(dir, 'value'), '0')
    const line = openGpioOutput({ chip: 0, line: 17, initial: 1, sysfsRoot: sys, backend: 'sysfs' })
    expect(readFileSync(join(dir, 'direction'), 'utf8')).toBe('high')
    line.set(0)
    expect(readFileSync(join(dir, 'value'), 'utf8')).toBe('0')
    line.set(1)
    expect(readFileSync(join(dir, 'value'), 'utf8')).toBe('1')
    line.close()
    expect(thrown(() => line.set(0)).code).toBe('ECLOSED')
    expect(readFileSync(join(sys, 'class/gpio/export'), 'utf8')).toBe('') // it was already exported
    expect(readFileSync(join(sys, 'class/gpio/unexport'), 'utf8')).toBe('') // so we leave it
  })

  test('a line not yet exported is exported as base + offset', () => {
    const sys = fakeSys(join(root, 'c'))
    // No gpio531 directory appears (no kernel behind this tree), so configuring fails, but
    // only after the export file received the right number.
    const err = thrown(() => openGpioOutput({ chip: 0, line: 19, initial: 0, sysfsRoot: sys, backend: 'sysfs' }))
    expect(readFileSync(join(sys, 'class/gpio/export'), 'utf8')).toBe('531')
    expect(err.message).toContain('gpio531: cannot configure as output')
  })
})
