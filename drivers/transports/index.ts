/** Device transports: UART, pty, I2C, GPIO through bun:ffi, and their in-memory twins. */
export { TransportError, isDisconnect } from './errors.ts'
export { type SerialPort, readExact } from './serial-port.ts'
export { FdSerialPort, type WaitStrategy } from './fd-port.ts'
export {
  openSerialPort,
  ReopeningSerialPort,
  describeSerialError,
  type SerialPortOptions,
  type ReopenOptions,
  type ReopenEvent,
} from './uart.ts'
export { BAUD_CODES, readTermios, type TermiosState } from './termios.ts'
export { openPty, type Pty } from './pty.ts'
export { openI2cBus, type I2cBus } from './i2c.ts'
export { openGpioOutput, type GpioLine, type GpioOutputOptions } from './gpio.ts'
export {
  HalfDuplexDirection,
  openHalfDuplexDirection,
  HIWONDER_HAT_PINS,
  HIWONDER_HAT_PINS_GPIO17,
  PLAUSIBLE_HAT_PINS,
  type HalfDuplexPins,
} from './half-duplex.ts'
export {
  createMemorySerialPair,
  MemorySerialPort,
  MemoryI2cBus,
  RegisterMapDevice,
  MemoryGpioLine,
  MemoryGpioChip,
  type I2cDevice,
} from './memory.ts'
