// The default alert rules: the one place where they are chosen, each from the hardware's own
// ratings. The edge seeds its rule table from here on first run; admins edit them afterwards.
//
// The earlier system used warning/critical CPU 70/90 %, memory 75/90 %, CPU 50/75 C... and a
// servo voltage rule of 5.5/5.0 V on the low side that was open all the time. Why, and what
// replaces each of them, is written next to each rule below.
import type { BatteryPack } from '../units.ts'
import type { AlertRule } from './rule.ts'

/** What a metric is, for titles, messages and the rules page. */
export interface AlertMetric {
  unit: string
  /** "Servo 3 (r_hip) temperature", "Battery": `source` is the servo's label or ''. */
  subject(source: string): string
  /** What crossing the line means for the robot, in a sentence. */
  meaning: string
  /** A 0/1 metric's two states, for titles: "not answering" / "answering again". */
  states?: { on: string; off: string }
}

export const ALERT_METRICS: Record<string, AlertMetric> = {
  servo_temperature: {
    unit: '°C',
    subject: (s) => `Servo ${s} temperature`,
    meaning: 'the servo cuts its torque at 85 °C, and a leg joint going limp drops the robot',
  },
  servo_voltage: {
    unit: 'V',
    subject: (s) => `Servo ${s} supply`,
    meaning: 'below its rated input the servo loses torque; the pack is nearly empty or a connector is loose',
  },
  servo_silent: {
    unit: '',
    subject: (s) => `Servo ${s}`,
    meaning: 'it stopped answering on the bus: check its cable and power',
    states: { on: 'not answering', off: 'answering again' },
  },
  battery_percent: { unit: '%', subject: () => 'Battery', meaning: 'charge the pack: Li-ion voltage falls off a cliff below about 5 %' },
  cpu_temperature: {
    unit: '°C',
    subject: () => 'Raspberry Pi CPU temperature',
    meaning: 'the firmware throttles the Arm cores from 80 °C and everything from 85 °C',
  },
  pi_undervoltage: {
    unit: '',
    subject: () => 'Raspberry Pi supply',
    meaning: 'the Pi is browning out: SD card writes and the control loop are at risk',
    states: { on: 'under-voltage', off: 'back to normal' },
  },
  pi_throttled: {
    unit: '',
    subject: () => 'Raspberry Pi clock',
    meaning: 'the Pi runs slower than it should (heat or power)',
    states: { on: 'throttled', off: 'back to full speed' },
  },
  memory_percent: { unit: '%', subject: () => 'Memory', meaning: 'the kernel will soon kill processes to free memory' },
  disk_percent: { unit: '%', subject: () => 'Disk', meaning: 'when the SD card is full nothing more is recorded' },
  fall: { unit: '°', subject: () => 'Robot', meaning: 'it is lying on the floor', states: { on: 'has fallen', off: 'upright again' } },
  cpu_percent: { unit: '%', subject: () => 'CPU load', meaning: 'sustained saturation delays the collector and commands' },
  sync_dropped: {
    unit: ' samples',
    subject: (s) => `Unsynced ${s} history`,
    meaning: 'the disk quota was reached while the hub was away: the oldest samples the hub never received were dropped',
  },
}

/** Servo supply limits per pack: the servo reads the pack (less the wiring's drop). */
const SERVO_SUPPLY: Record<BatteryPack, { warning: number; critical: number }> = {
  // LX-15D/LX-16A-class servos are 7.4 V servos rated 6.0..8.4 V, exactly a 2S Li-ion pack's
  // range (e.g. 17 kg.cm "at 7.4 V"; HiWonder's BusLinker board for them is specified for
  // Vin 6..8.4 V, as quoted on tlfong01.blog, 2020-09-10 "LX-224HV chat record"). 6.0 V is
  // both the servo's rated minimum and the 2S pack's empty point (3.0 V a cell): critical.
  // 6.4 V (3.2 V a cell at the servo, after the wiring's drop under load) leaves a few minutes.
  '2S': { warning: 6.4, critical: 6.0 },
  // High-voltage LX servos (LX-224HV class, specified "@ VIn 11.1 V", i.e. a 3S pack) are
  // rated 9.0..12.6 V: the same per-cell reasoning at three cells.
  '3S': { warning: 9.6, critical: 9.0 },
}

/**
 * The default rules for a robot with this battery pack. Only the servo supply depends on the
 * pack: the battery percentage is already computed with the pack's own curve (core/units.ts).
 */
export function defaultRules(pack: BatteryPack): AlertRule[] {
  const rule = (r: Omit<AlertRule, 'autoResolve' | 'enabled'> & Partial<Pick<AlertRule, 'autoResolve' | 'enabled'>>): AlertRule => ({
    autoResolve: true,
    enabled: true,
    ...r,
  })
  return [
    // LX servos protect themselves at their TEMP_MAX_LIMIT: 85 C as HiWonder ships them (its
    // TonyPi Bus_Servo_Tool "default" button writes 85 C and a 4.5..14 V input window;
    // AaronWard/generative-ai-workbook, resources/libs/tonypi_pro_source_code/Bus_Servo_Tool/main.py).
    // Past it the servo unloads, and a leg joint going limp drops the robot: critical at 75 C
    // leaves ten degrees to sit the robot down. Continuous walking settles servos at 50..60 C,
    // so the earlier 50 C warning fired during normal work; 65 C is above that and still 20 C
    // from the cut-out. Readings are whole degrees that wobble by one or two with the gait:
    // 3 C of hysteresis. Heat takes minutes, so 2 s (two reads at the default 1 Hz) costs
    // nothing and absorbs a garbled frame (the LX checksum is an 8-bit sum: about 1 corrupted
    // frame in 256 passes it).
    rule({ metric: 'servo_temperature', direction: 'high', warning: 65, critical: 75, minDurationS: 2, hysteresis: 3 }),

    // The servo's VIN_READ is the pack voltage less the wiring's drop. The earlier system's
    // 5.5/5.0 V low-side rule was written for 5 V-class hobby servos (rated 4.8..6 V), while
    // its readings sat at 4.8..5.2 V: a low-side line must sit below every normal reading, and
    // 5.5 V sat above all of them, so the warning was open from the first reading on. On a
    // real TonyPi the same rule would be the opposite mistake: the pack reads 6.0..8.4 V (2S)
    // or 9.0..12.6 V (3S), so 5.5 V could only fire after the pack was already flat. The lines
    // therefore follow the pack. A walking gait sags the supply by a few tenths of a volt for
    // the length of a step, so the value must stay low for 5 s and recover 0.2 V to clear.
    rule({ metric: 'servo_voltage', direction: 'low', ...SERVO_SUPPLY[pack], minDurationS: 5, hysteresis: 0.2 }),

    // 1 while the servo does not answer (the collector's `servo.silent` after three missed
    // sweeps), 0 when it answers again. Critical: the robot has lost a joint it cannot see or
    // move. 1 s lets a servo that misses a few sweeps on a noisy bus come back without an alert.
    rule({ metric: 'servo_silent', direction: 'high', warning: null, critical: 1, minDurationS: 1, hysteresis: 0 }),

    // Percent from the pack's Li-ion curve (core/units.ts): 20 % is 3.6 V a cell (7.2 V on 2S,
    // 10.8 V on 3S), 10 % is 3.5 V a cell (7.0 / 10.5 V); below about 5 % (3.3 V) the voltage
    // falls off a cliff to the 3.0 V cut-off, so 10 % is the last comfortable moment to stop.
    // The earlier 30/15 % sat on a linear 6.0..8.4 V scale, where "30 %" is 6.72 V, 3.36 V a
    // cell: about 6 % of the real charge, so its warning came when the pack was nearly flat.
    // Load sags the reading (the percentage is of the voltage under load) and it rebounds a few
    // percent when the robot stops: 3 % of hysteresis, and 5 s (five readings at 1 Hz).
    rule({ metric: 'battery_percent', direction: 'low', warning: 20, critical: 10, minDurationS: 5, hysteresis: 3 }),

    // Raspberry Pi firmware: "when the core temperature is between 80 C and 85 C, the Arm cores
    // will be progressively throttled back; if the temperature reaches 85 C, both the Arm cores
    // and the GPU will be throttled back" (raspberrypi/documentation, computers/raspberry-pi/
    // frequency-management.adoc). Warning 5 C before the soft throttle, critical when it has
    // begun (the collector's timing and any vision work slow down from there). The SoC follows
    // its load within seconds: 10 s and 3 C keep a short burst from raising anything.
    rule({ metric: 'cpu_temperature', direction: 'high', warning: 75, critical: 80, minDurationS: 10, hysteresis: 3 }),

    // `vcgencmd get_throttled` bit 0, under-voltage now (bit 16, "has occurred", latches until
    // reboot and could never clear; pi/performance shows it). The Pi on a TonyPi is fed from the
    // same pack through the hat's regulator, so a sagging pack shows here first, and a brown-out
    // can corrupt the SD card: critical at once.
    rule({ metric: 'pi_undervoltage', direction: 'high', warning: null, critical: 1, minDurationS: 0, hysteresis: 0 }),

    // Bits 1..3 now: Arm frequency capped, throttled, soft temperature limit. The Pi is slower;
    // the cause (heat or power) has its own rule above, so this one only warns, after 5 s.
    rule({ metric: 'pi_throttled', direction: 'high', warning: 1, critical: null, minDurationS: 5, hysteresis: 0 }),

    // mem_percent is (total - MemAvailable) / total, so page cache does not count. Pi OS has a
    // small swap file on the SD card: at 95 % the OOM killer is next, and 85 % leaves room to
    // act. The earlier 75 % fired on a 1..2 GB Pi running a camera stream. Memory moves slowly
    // and a short job is not a leak: 60 s and 5 %.
    rule({ metric: 'memory_percent', direction: 'high', warning: 85, critical: 95, minDurationS: 60, hysteresis: 5 }),

    // disk_percent counts only blocks the service may use (root's 5 % reserve excluded), so 100 %
    // is the moment SQLite can no longer write. The edge keeps its own database under its quota;
    // this watches the card as a whole (logs, other software). 60 s and 2 %.
    rule({ metric: 'disk_percent', direction: 'high', warning: 85, critical: 95, minDurationS: 60, hysteresis: 2 }),

    // 1 while HiWonder's detector says the robot lies on its front or back (core/alerts/
    // fall-detector.ts: |atan2(ay, az)| > 160 or < 10 degrees for 5 consecutive readings).
    // HiWonder's loop reads about every 0.2 s, so its 5 readings span about a second; at 100 Hz
    // they span 50 ms, as short as a kick's jolt. The 0.3 s hold restores a time scale while the
    // alert still comes within about a second of the fall (the topple itself takes ~0.6 s).
    // It clears when the detector sees the robot upright again (after its get-up routine).
    rule({ metric: 'fall', direction: 'high', warning: null, critical: 1, minDurationS: 0.3, hysteresis: 0 }),

    // Off by default: a saturated CPU is normal while vision runs, and its consequences (heat,
    // throttling, a late collector) have their own rules. Kept so an admin can turn it on.
    rule({ metric: 'cpu_percent', direction: 'high', warning: 90, critical: null, minDurationS: 60, hysteresis: 5, enabled: false }),

    // Samples of one stream the hub will never have (edge/store quota during an outage), counted
    // since the database began. Any loss is worth a look, and it does not heal by itself: the
    // alert stays until a person resolves it, and a later loss raises a new one.
    rule({ metric: 'sync_dropped', direction: 'high', warning: 1, critical: null, minDurationS: 0, hysteresis: 0, autoResolve: false }),
  ]
}
