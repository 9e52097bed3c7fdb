import { describe, expect, test } from 'bun:test'
import { errno, glibcVersion, intArg, libc, O_CLOEXEC, O_NOCTTY, O_NONBLOCK, O_RDWR } from './libc.ts'
import { Errno } from './errors.ts'

describe('libc through bun:ffi', () => {
  test("errno comes from this thread's __errno_location", () => {
    expect(libc().open('/dev/tonypi-no-such-node', O_RDWR)).toBe(-1)
    expect(errno()).toBe(Errno.ENOENT)
    expect(libc().close(-1)).toBe(-1)
    expect(errno()).toBe(Errno.EBADF)
  })

  test('an integer ioctl argument passed through the pointer slot reaches the kernel as that integer', () => {
    // TCFLSH takes its queue selector by value: 0 (TCIFLUSH) is valid, 99 is EINVAL. This is
    // the path I2C_SLAVE's address takes.
    const TCFLSH = 0x540b
    const fd = libc().posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
    expect(fd).toBeGreaterThanOrEqual(0)
    try {
      expect(libc().ioctl(fd, TCFLSH, intArg(0))).toBe(0)
      expect(libc().ioctl(fd, TCFLSH, intArg(99))).toBe(-1)
      expect(errno()).toBe(Errno.EINVAL)
    } finally {
      libc().close(fd)
    }
  })

  test('glibc is what we bound', () => {
    expect(glibcVersion()).toMatch(/^2\.\d+/)
  })
})
