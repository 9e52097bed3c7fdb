/**
 * GPIO output lines: the hat's half-duplex direction pins.
 *
 * First choice: the GPIO character device, uAPI v2 (linux/gpio.h, kernel >= 5.10). One
 * GPIO_V2_GET_LINE_IOCTL on /dev/gpiochipN requests the line as an output with its initial
 * value in the same call (no glitch), and returns a line descriptor; set() is one
 * GPIO_V2_LINE_SET_VALUES_IOCTL on it. The kernel releases the line when it is closed or
 * the process dies, so nothing is left exported behind us.
 *
 * Fallback: legacy sysfs (/sys/class/gpio, Documentation/ABI/obsolete/sysfs-gpio) when
 * the character device is missing. sysfs numbers lines globally: gpio number = the chip's
 * base + offset, and the chip's directory is /sys/class/gpio/gpiochip<base> (the base, not
 * the chardev index). Dynamically allocated bases start at 512 on current kernels
 * (GPIO_DYNAMIC_BASE), so on Raspberry Pi OS "BCM 17" is not sysfs gpio 17, and a Pi 5
 * differs again. Never assume a base: we find the one of chardev chip N by following
 * each /sys/class/gpio/gpiochip<base>/device link: the class device's parent is the chip's
 * parent device, which has a gpiochipN child (gpiolib-sysfs.c, gpiochip_sysfs_register).
 *
 * Struct sizes and ioctl numbers, computed as _IOWR(0xB4, nr, size) =
 * (3 << 30) | (size << 16) | (0xB4 << 8) | nr and checked against <linux/gpio.h> with gcc
 * (x86_64; the generic _IOC encoding and these all-__u32/__aligned_u64 structs are the
 * same on aarch64):
 *   struct gpio_v2_line_request: 592 bytes -> GPIO_V2_GET_LINE_IOCTL = 0xC250B407
 *     offsets[64] @0, consumer[32] @256, config @288, num_lines @560,
 *     event_buffer_size @564, padding[5] @568, fd @588
 *   struct gpio_v2_line_config: 272 bytes: flags @0, num_attrs @8, padding[5] @12,
 *     attrs[10] @32, each gpio_v2_line_config_attribute (24 bytes):
 *     attr { id @0, padding @4, values @8 } (16 bytes), mask @16
 *   struct gpio_v2_line_values: 16 bytes { bits @0, mask @8 } -> SET_VALUES = 0xC010B40F
 */
import { closeSync, existsSync, openSync, readFileSync, readdirSync, readlinkSync, writeSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { libc, errno, O_CLOEXEC, O_RDWR } from './libc.ts'
import { TransportError, errnoName } from './errors.ts'

export interface GpioLine {
  set(value: 0 | 1): void
  close(): void
}

export interface GpioOutputOptions {
  /** Chip number or device path. Default 0 (/dev/gpiochip0: the header GPIOs on a Pi 4, and on a Pi 5 since kernel 6.6.45). */
  chip?: string | number
  /** Line offset on that chip: the BCM GPIO number on a Pi. */
  line: number
  initial: 0 | 1
  /** Shown by gpioinfo as the line's user. */
  consumer?: string
  /** Where sysfs is; tests point this at a fake tree. Default /sys. */
  sysfsRoot?: string
  /** Skip the search and use this sysfs base for the chip. */
  sysfsBase?: number
  /** "auto" (default): character device, else sysfs. Or force one. */
  backend?: 'auto' | 'chardev' | 'sysfs'
}

export const GPIO_MAX_NAME_SIZE = 32
export const GPIO_V2_LINES_MAX = 64
export const GPIO_V2_LINE_NUM_ATTRS_MAX = 10
export const GPIO_V2_LINE_FLAG_OUTPUT = 1n << 3n
export const GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES = 2

export const GPIO_V2_LINE_VALUES_SIZE = 16
export const GPIO_V2_LINE_ATTRIBUTE_SIZE = 16
export const GPIO_V2_LINE_CONFIG_ATTRIBUTE_SIZE = GPIO_V2_LINE_ATTRIBUTE_SIZE + 8
export const GPIO_V2_LINE_CONFIG_SIZE = 8 + 4 + 5 * 4 + GPIO_V2_LINE_NUM_ATTRS_MAX * GPIO_V2_LINE_CONFIG_ATTRIBUTE_SIZE
export const GPIO_V2_LINE_REQUEST_SIZE = GPIO_V2_LINES_MAX * 4 + GPIO_MAX_NAME_SIZE + GPIO_V2_LINE_CONFIG_SIZE + 4 + 4 + 5 * 4 + 4

export const LINE_REQUEST_OFFSETS = {
  offsets: 0,
  consumer: GPIO_V2_LINES_MAX * 4,
  config: GPIO_V2_LINES_MAX * 4 + GPIO_MAX_NAME_SIZE,
  num_lines: GPIO_V2_LINES_MAX * 4 + GPIO_MAX_NAME_SIZE + GPIO_V2_LINE_CONFIG_SIZE,
  event_buffer_size: GPIO_V2_LINES_MAX * 4 + GPIO_MAX_NAME_SIZE + GPIO_V2_LINE_CONFIG_SIZE + 4,
  fd: GPIO_V2_LINE_REQUEST_SIZE - 4,
} as const
export const LINE_CONFIG_OFFSETS = { flags: 0, num_attrs: 8, attrs: 32 } as const

/** _IOWR(type, nr, size) per include/uapi/asm-generic/ioctl.h. */
export function iowr(type: number, nr: number, size: number): number {
  const IOC_READ_WRITE = 3
  return ((IOC_READ_WRITE << 30) | (size << 16) | (type << 8) | nr) >>> 0
}
export const GPIO_V2_GET_LINE_IOCTL = iowr(0xb4, 0x07, GPIO_V2_LINE_REQUEST_SIZE)
export const GPIO_V2_LINE_SET_VALUES_IOCTL = iowr(0xb4, 0x0f, GPIO_V2_LINE_VALUES_SIZE)

/** The GPIO_V2_GET_LINE_IOCTL argument for one output line with an initial value. */
export function encodeLineRequest(line: number, initial: 0 | 1, consumer: string): Uint8Array {
  const req = new Uint8Array(GPIO_V2_LINE_REQUEST_SIZE)
  const dv = new DataView(req.buffer)
  dv.setUint32(LINE_REQUEST_OFFSETS.offsets, line, true)
  req.set(new TextEncoder().encode(consumer).subarray(0, GPIO_MAX_NAME_SIZE - 1), LINE_REQUEST_OFFSETS.consumer)
  const cfg = LINE_REQUEST_OFFSETS.config
  dv.setBigUint64(cfg + LINE_CONFIG_OFFSETS.flags, GPIO_V2_LINE_FLAG_OUTPUT, true)
  dv.setUint32(cfg + LINE_CONFIG_OFFSETS.num_attrs, 1, true)
  const attr = cfg + LINE_CONFIG_OFFSETS.attrs
  dv.setUint32(attr + 0, GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES, true) // attr.id
  dv.setBigUint64(attr + 8, BigInt(initial), true) // attr.values: bit i = line i of this request
  dv.setBigUint64(attr + 16, 1n, true) // mask: applies to line 0 of this request
  dv.setUint32(LINE_REQUEST_OFFSETS.num_lines, 1, true)
  return req
}

function chipIndex(chip: string | number): number | null {
  if (typeof chip === 'number') return chip
  const m = /gpiochip(\d+)$/.exec(chip)
  return m ? Number(m[1]) : null
}

function chipPath(chip: string | number): string {
  return typeof chip === 'number' ? `/dev/gpiochip${chip}` : chip
}

class ChardevLine implements GpioLine {
  #fd: number
  readonly #values = new Uint8Array(GPIO_V2_LINE_VALUES_SIZE)
  readonly #label: string

  constructor(fd: number, label: string) {
    this.#fd = fd
    this.#label = label
    new DataView(this.#values.buffer).setBigUint64(8, 1n, true) // mask: line 0
  }

  set(value: 0 | 1): void {
    if (this.#fd < 0) throw new TransportError('ECLOSED', `${this.#label}: line is closed`)
    this.#values[0] = value ? 1 : 0 // bits, low byte
    if (libc().ioctl(this.#fd, GPIO_V2_LINE_SET_VALUES_IOCTL, this.#values) !== 0) {
      const e = errno()
      throw new TransportError(errnoName(e), `${this.#label}: set failed: ${errnoName(e)}`, { errno: e })
    }
  }

  close(): void {
    if (this.#fd < 0) return
    libc().close(this.#fd)
    this.#fd = -1
  }
}

function openChardev(path: string, line: number, initial: 0 | 1, consumer: string): GpioLine {
  const sys = libc()
  const chipFd = sys.open(path, O_RDWR | O_CLOEXEC)
  if (chipFd < 0) {
    const e = errno()
    const code = errnoName(e)
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied: add the user to the gpio group (sudo usermod -aG gpio $USER, then log in again)'
        : code === 'ENOENT'
          ? 'no such GPIO chip (ENOENT): check the chip number (gpiodetect lists them)'
          : `open failed: ${code}`
    throw new TransportError(code, `${path}: ${why}`, { errno: e, path })
  }
  try {
    const req = encodeLineRequest(line, initial, consumer)
    if (sys.ioctl(chipFd, GPIO_V2_GET_LINE_IOCTL, req) !== 0) {
      const e = errno()
      const code = errnoName(e)
      const why =
        code === 'EBUSY'
          ? `line ${line} is in use by another program or a kernel driver (EBUSY; see gpioinfo)`
          : code === 'EINVAL'
            ? `line ${line} does not exist on this chip (EINVAL)`
            : code === 'ENOTTY'
              ? 'not a GPIO chip, or a kernel without the GPIO v2 uAPI (ENOTTY; needs Linux 5.10+)'
              : `requesting line ${line} failed: ${code}`
      throw new TransportError(code, `${path}: ${why}`, { errno: e, path })
    }
    const fd = new DataView(req.buffer).getInt32(LINE_REQUEST_OFFSETS.fd, true)
    return new ChardevLine(fd, `${path} line ${line}`)
  } finally {
    sys.close(chipFd)
  }
}

/** sysfs base of chardev chip N, by matching each /sys/class/gpio/gpiochip<base>/device. */
export function findSysfsBase(sysfsRoot: string, index: number): number {
  const classDir = join(sysfsRoot, 'class/gpio')
  const chips = readdirSync(classDir).filter((n) => /^gpiochip\d+$/.test(n))
  const want = `gpiochip${index}`
  const matches = chips.filter((c) => {
    const dev = join(classDir, c, 'device')
    let target: string
    try {
      target = resolve(dirname(dev), readlinkSync(dev))
    } catch {
      return false
    }
    return basename(target) === want || existsSync(join(target, want))
  })
  const pick = matches.length === 1 ? matches[0] : chips.length === 1 && index === 0 ? chips[0] : undefined
  if (pick === undefined) {
    const seen = chips.map((c) => `${c} (${readFileSync(join(classDir, c, 'label'), 'utf8').trim()})`).join(', ') || 'none'
    throw new TransportError('ENOGPIO', `${classDir}: cannot tell which sysfs chip is gpiochip${index} (found: ${seen}); set the sysfs base explicitly`)
  }
  return Number(readFileSync(join(classDir, pick, 'base'), 'utf8').trim())
}

class SysfsLine implements GpioLine {
  #fd: number
  readonly #label: string
  readonly #unexport: (() => void) | null
  constructor(fd: number, label: string, unexport: (() => void) | null) {
    this.#fd = fd
    this.#label = label
    this.#unexport = unexport
  }
  set(value: 0 | 1): void {
    if (this.#fd < 0) throw new TransportError('ECLOSED', `${this.#label}: line is closed`)
    writeSync(this.#fd, value ? '1' : '0', 0) // pwrite at 0: the attribute is rewritten whole
  }
  close(): void {
    if (this.#fd < 0) return
    closeSync(this.#fd)
    this.#fd = -1
    this.#unexport?.()
  }
}

function openSysfs(opts: GpioOutputOptions, index: number): GpioLine {
  const root = opts.sysfsRoot ?? '/sys'
  const classDir = join(root, 'class/gpio')
  const base = opts.sysfsBase ?? findSysfsBase(root, index)
  const n = base + opts.line
  const dir = join(classDir, `gpio${n}`)
  let exported = false
  if (!existsSync(dir)) {
    try {
      const fd = openSync(join(classDir, 'export'), 'w')
      try {
        writeSync(fd, String(n))
      } finally {
        closeSync(fd)
      }
      exported = true
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
      if (code !== 'EBUSY') {
        const why = code === 'EACCES' ? 'permission denied: add the user to the gpio group' : `export failed: ${code}`
        throw new TransportError(code, `${classDir}/export (gpio${n} = base ${base} + line ${opts.line}): ${why}`, { path: classDir })
      }
    }
  }
  // udev may still be fixing the new files' group when export returns: retry for up to 1 s.
  const deadline = Date.now() + 1000
  for (;;) {
    try {
      // "high"/"low" set output and value together (sysfs-gpio ABI), so the pin never glitches.
      const d = openSync(join(dir, 'direction'), 'w')
      try {
        writeSync(d, opts.initial ? 'high' : 'low')
      } finally {
        closeSync(d)
      }
      const v = openSync(join(dir, 'value'), 'r+')
      const unexport = exported
        ? () => {
            try {
              const fd = openSync(join(classDir, 'unexport'), 'w')
              writeSync(fd, String(n))
              closeSync(fd)
            } catch {
              /* already gone */
            }
          }
        : null
      return new SysfsLine(v, `${dir}`, unexport)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
      if ((code === 'EACCES' || code === 'ENOENT') && Date.now() < deadline) {
        Bun.sleepSync(10)
        continue
      }
      throw new TransportError(code, `${dir}: cannot configure as output: ${code}`, { path: dir })
    }
  }
}

/** Request one GPIO line as an output. Throws TransportError saying what is missing. */
export function openGpioOutput(opts: GpioOutputOptions): GpioLine {
  const chip = opts.chip ?? 0
  const path = chipPath(chip)
  const index = chipIndex(chip)
  const consumer = opts.consumer ?? 'tonypi-monitor'
  const backend = opts.backend ?? 'auto'
  if (!Number.isInteger(opts.line) || opts.line < 0) throw new TransportError('EINVAL', `GPIO line ${opts.line} is not a line number`)
  const sysfsClass = join(opts.sysfsRoot ?? '/sys', 'class/gpio')
  if (backend === 'chardev' || (backend === 'auto' && existsSync(path))) {
    return openChardev(path, opts.line, opts.initial, consumer)
  }
  if (index !== null && existsSync(sysfsClass)) return openSysfs(opts, index)
  if (backend === 'sysfs') {
    throw new TransportError('ENOGPIO', `${sysfsClass} does not exist: this kernel has no sysfs GPIO (CONFIG_GPIO_SYSFS); use the character device`)
  }
  throw new TransportError(
    'ENOGPIO',
    `no GPIO here: neither ${path} (character device) nor ${sysfsClass} (sysfs) exists. ` +
      `Not a Raspberry Pi, or a container started without --device ${path}; set TONYPI_GPIO=none if the adapter switches direction itself`,
    { path },
  )
}
