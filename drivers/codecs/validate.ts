/**
 * Argument checks shared by the encoders. Encoders throw instead of clamping: a value out
 * of range is a bug in the caller, and silently clamping a servo target hides it until the
 * robot does something unexpected.
 */

export function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${String(value)}`)
  }
}

export function checkFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number, got ${String(value)}`)
  }
}

export function checkBytes(name: string, bytes: ArrayLike<number>, maxLength: number): void {
  if (bytes.length > maxLength) {
    throw new RangeError(`${name} is ${bytes.length} bytes; at most ${maxLength} fit in one frame`)
  }
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]
    if (!Number.isInteger(b) || b < 0 || b > 255) {
      throw new RangeError(`${name}[${i}] must be a byte (0..255), got ${String(b)}`)
    }
  }
}

export function checkLength(name: string, bytes: Uint8Array, expected: number): void {
  if (bytes.length !== expected) {
    throw new RangeError(`${name} must be ${expected} bytes, got ${bytes.length}`)
  }
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
