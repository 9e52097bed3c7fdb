import { describe, expect, test } from "bun:test";
import {
  HIWONDER_HAT_RX4_PINS,
  HIWONDER_PI4_HAT_PINS,
  HalfDuplexDirection,
  openHalfDuplexDirection,
} from "./half-duplex.ts";
import { createMemorySerialPair, memoryGpioOpener, MemoryGpioLine } from "./memory.ts";
import type { SerialPort } from "./serial-port.ts";
import { TransportError } from "./errors.ts";
import { bytes, rejected, thrown } from "./test-support.ts";

/** Wraps a port so its writes and drains land in the same log as the GPIO twins. */
function logged(port: SerialPort, log: string[], opts: { failWrite?: boolean } = {}): SerialPort {
  return {
    get isOpen() {
      return port.isOpen;
    },
    write: async (b) => {
      log.push(`write ${b.length}`);
      if (opts.failWrite) throw new TransportError("EIO", "device disappeared");
      await port.write(b);
    },
    drain: async () => {
      await port.drain();
      log.push("drained");
    },
    read: (max) => port.read(max),
    waitReadable: (ms) => port.waitReadable(ms),
    flush: () => port.flush(),
    close: () => port.close(),
  };
}

describe("HalfDuplexDirection", () => {
  test("HiWonder pin sets", () => {
    expect(HIWONDER_PI4_HAT_PINS).toEqual({ txEnable: 27, rxEnable: 17 });
    expect(HIWONDER_HAT_RX4_PINS).toEqual({ txEnable: 27, rxEnable: 4 });
  });

  test("opens the lines in HiWonder's initial state: TX_CON high, RX_CON low", () => {
    const gpio = memoryGpioOpener();
    openHalfDuplexDirection(HIWONDER_PI4_HAT_PINS, gpio.open);
    expect(gpio.lines.get(27)!.value).toBe(1);
    expect(gpio.lines.get(17)!.value).toBe(0);
  });

  test("transmit: TX on, RX off, write, drain, RX on, TX off, in that order", async () => {
    const log: string[] = [];
    const gpio = memoryGpioOpener(log);
    const dir = openHalfDuplexDirection(HIWONDER_PI4_HAT_PINS, gpio.open);
    const [edge, bus] = createMemorySerialPair();
    await dir.transmit(logged(edge, log), bytes(0x55, 0x55, 1, 3, 0x1c, 0xdf));
    expect(log).toEqual(["gpio27=1", "gpio17=0", "write 6", "drained", "gpio17=1", "gpio27=0"]);
    expect(bus.read()).toEqual(bytes(0x55, 0x55, 1, 3, 0x1c, 0xdf));
  });

  test("with wire timing, the bus is released only after the last byte has left", async () => {
    const [edge] = createMemorySerialPair({ baud: 115200 });
    const tx = new MemoryGpioLine("tx", 1);
    let releasedAt = 0;
    const rx = new MemoryGpioLine("rx", 0);
    const origSet = rx.set.bind(rx);
    rx.set = (v) => {
      if (v === 1) releasedAt = performance.now();
      origSet(v);
    };
    const dir = new HalfDuplexDirection({ tx, rx });
    const t0 = performance.now();
    await dir.transmit(edge, new Uint8Array(14));
    expect(releasedAt - t0).toBeGreaterThanOrEqual((14 * 10 * 1000) / 115200 - 0.01); // 1.215 ms
    expect(tx.history).toEqual([1, 1, 0]);
    expect(rx.history).toEqual([0, 0, 1]);
  });

  test("a failed write still switches back to listening", async () => {
    const log: string[] = [];
    const gpio = memoryGpioOpener(log);
    const dir = openHalfDuplexDirection(HIWONDER_HAT_RX4_PINS, gpio.open);
    const [edge] = createMemorySerialPair();
    const err = await rejected(dir.transmit(logged(edge, log, { failWrite: true }), bytes(1)));
    expect(err.code).toBe("EIO");
    expect(log).toEqual(["gpio27=1", "gpio4=0", "write 1", "gpio4=1", "gpio27=0"]);
  });

  test("none: no lines, transmit still writes and drains", async () => {
    const dir = openHalfDuplexDirection("none");
    expect(dir.switching).toBe(false);
    const log: string[] = [];
    const [edge, bus] = createMemorySerialPair();
    await dir.transmit(logged(edge, log), bytes(0xaa, 0x55));
    expect(log).toEqual(["write 2", "drained"]);
    expect(bus.read()).toEqual(bytes(0xaa, 0x55));
    dir.close();
  });

  test("if the second line cannot be opened, the first is released", () => {
    const gpio = memoryGpioOpener();
    const err = thrown(() =>
      openHalfDuplexDirection({ txEnable: 27, rxEnable: 17 }, (o) => {
        if (o.line === 17) throw new TransportError("EBUSY", "line 17 is in use");
        return gpio.open(o);
      }),
    );
    expect(err.code).toBe("EBUSY");
    expect(gpio.lines.get(27)!.closed).toBe(true);
  });

  test("close releases both lines", () => {
    const gpio = memoryGpioOpener();
    const dir = openHalfDuplexDirection(HIWONDER_PI4_HAT_PINS, gpio.open);
    dir.close();
    expect(gpio.lines.get(27)!.closed).toBe(true);
    expect(gpio.lines.get(17)!.closed).toBe(true);
  });
});
