import { describe, expect, test } from 'bun:test'
import { ConfigError, EDGE_CONFIG_SPEC, describeConfig, loadEdgeConfig, unknownEnvKeys, type ConfigSources } from './config.ts'
import { HUB_CONFIG_SPEC, loadHubConfig } from '../hub/config.ts'

const base = { defaults: { robotId: 'host' } }

describe('edge configuration', () => {
  test('defaults < file < environment', () => {
    expect(loadEdgeConfig(base).httpPort).toBe(8080)
    expect(loadEdgeConfig({ ...base, file: { httpPort: 9000 } }).httpPort).toBe(9000)
    const c = loadEdgeConfig({
      ...base,
      file: { httpPort: 9000 },
      env: { TONYPI_HTTP_PORT: '9100', TONYPI_BATTERY_PACK: '3S', TONYPI_MQTT_ANONYMOUS_LOOPBACK: 'no' },
    })
    expect(c.httpPort).toBe(9100)
    expect(c.batteryPack).toBe('3S')
    expect(c.mqttAnonymousLoopback).toBe(false)
    expect(c.robotId).toBe('host')
    expect(loadEdgeConfig({ ...base, env: { TONYPI_ROBOT_ID: 'tonypi-7' } }).robotId).toBe('tonypi-7')
  })

  // Each bad value is refused with the key named and the value shown (a secret only by its length).
  const bad: [ConfigSources<typeof EDGE_CONFIG_SPEC>, string][] = [
    [{ env: { TONYPI_HTTP_PORT: 'eighty' } }, 'TONYPI_HTTP_PORT: expected a number, got "eighty"'],
    [{ env: { TONYPI_HTTP_PORT: '70000' } }, 'TONYPI_HTTP_PORT: 70000 is outside 0..65535'],
    [{ env: { TONYPI_MQTT_PORT: '18.5' } }, 'TONYPI_MQTT_PORT: expected a whole number, got "18.5"'],
    [{ env: { TONYPI_TICK_MS: 'Infinity' } }, 'TONYPI_TICK_MS: expected a number, got "Infinity"'],
    [{ env: { TONYPI_TICK_MS: ' ' } }, 'TONYPI_TICK_MS: expected a number, got " "'],
    [{ env: { TONYPI_PROFILE: 'robot' } }, 'TONYPI_PROFILE: expected one of auto, sim, tonypi-hat, tonypi-board, legacy-client, got "robot"'],
    [{ env: { TONYPI_ROBOT_ID: 'has space' } }, 'TONYPI_ROBOT_ID: invalid value "has space": expected letters, digits, _ . -'],
    [{ env: { TONYPI_IMU_HZ: '0' } }, 'TONYPI_IMU_HZ: 0 is outside 0.01..200'],
    [{ env: { TONYPI_MQTT_ANONYMOUS_LOOPBACK: 'maybe' } }, 'TONYPI_MQTT_ANONYMOUS_LOOPBACK: expected true or false (or yes/no, on/off, 1/0), got "maybe"'],
    [{ env: { TONYPI_GPIO: '27' } }, 'TONYPI_GPIO: invalid value "27": expected TX,RX BCM lines'],
    [{ env: { TONYPI_ADMIN_PASSWORD: 'short' } }, 'TONYPI_ADMIN_PASSWORD: invalid value (secret, 5 characters): expected at least 8 characters'],
    [{ env: { TONYPI_HUB_TOKEN: 'abc' } }, 'TONYPI_HUB_TOKEN: invalid value (secret, 3 characters)'],
    [{ file: { httpPort: 'x' } }, 'httpPort: expected a number, got "x"'],
    [{ file: { httpPort: true } }, 'httpPort: expected a number, got true'],
    [{ file: { tickMs: 250.5 } }, 'tickMs: expected a whole number, got 250.5'],
    [{ file: { retentionRawHours: -1 } }, 'retentionRawHours: -1 is outside 0.01..87600'],
    [{ file: { dataDir: 5 } }, 'dataDir: expected a string, got 5'],
    [{ file: { profile: null } }, 'profile: expected one of auto, sim, tonypi-hat, tonypi-board, legacy-client, got null'],
    [{ defaults: { robotId: '-bad' } }, 'TONYPI_ROBOT_ID: invalid value "-bad"'],
  ]
  for (const [sources, message] of bad) {
    const key = message.split(':')[0]
    test(`a bad ${key} is refused with its key and value: ${JSON.stringify(sources)}`, () => {
      let err: unknown
      try {
        loadEdgeConfig({ ...base, ...sources })
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as ConfigError).key).toBe(key)
      expect((err as Error).message).toStartWith(`configuration ${message}`)
    })
  }

  test('a secret never appears in an error or in the start-up description', () => {
    const secret = 'hunter2'
    expect(() => loadEdgeConfig({ ...base, env: { TONYPI_ADMIN_PASSWORD: secret } })).not.toThrow(secret)
    expect(() => loadEdgeConfig({ ...base, env: { TONYPI_ADMIN_PASSWORD: secret } })).toThrow('TONYPI_ADMIN_PASSWORD')
    const cfg = loadEdgeConfig({ ...base, env: { TONYPI_ADMIN_PASSWORD: 'long enough secret' } })
    expect(describeConfig(cfg).adminPassword).toBe('***')
    expect(describeConfig(cfg).httpPort).toBe(8080)
  })

  test('text converts to the key type: numbers, and yes/no words for switches', () => {
    const c = loadEdgeConfig({ ...base, file: { tickMs: '250', mqttAnonymousLoopback: 'off' }, env: { TONYPI_IMU_HZ: ' 50.5 ', TONYPI_HTTP_PORT: '' } })
    expect([c.tickMs, c.mqttAnonymousLoopback, c.imuHz, c.httpPort]).toEqual([250, false, 50.5, 8080])
    for (const [text, value] of [
      ['1', true],
      ['TRUE', true],
      ['yes', true],
      ['On', true],
      ['0', false],
      ['false', false],
      ['NO', false],
      ['off', false],
    ] as const) {
      expect(loadEdgeConfig({ ...base, env: { TONYPI_MQTT_ANONYMOUS_LOOPBACK: text } }).mqttAnonymousLoopback).toBe(value)
    }
  })

  test('every key has its variable and its meaning, and every key the type promises is set has a default', () => {
    for (const spec of [EDGE_CONFIG_SPEC, HUB_CONFIG_SPEC]) {
      const properties: Record<string, { default?: unknown; env?: unknown; description?: unknown }> = spec.properties
      expect(Object.keys(properties).filter((name) => typeof properties[name]!.env !== 'string' || typeof properties[name]!.description !== 'string')).toEqual(
        [],
      )
      expect((spec.required ?? []).filter((name) => properties[name]!.default === undefined)).toEqual([])
    }
  })

  test('unknown keys in the file are errors; unknown variables are reported', () => {
    expect(() => loadEdgeConfig({ ...base, file: { htpPort: 1 } })).toThrow(/htpPort: unknown key/)
    expect(() => loadEdgeConfig({ ...base, file: { httpPort: 'x' } })).toThrow(/httpPort: expected a number/)
    expect(unknownEnvKeys({ TONYPI_HTTP_PROT: '1', TONYPI_HUB_URL: 'x', PATH: '/bin' })).toEqual(['TONYPI_HTTP_PROT'])
  })
})

describe('hub configuration', () => {
  const base = { DATABASE_URL: 'postgres://tonypi:pw@localhost/tonypi' }
  const bad: [Record<string, string>, string][] = [
    [{ DATABASE_URL: 'mysql://root:pw@db/x' }, 'DATABASE_URL: invalid value (secret, 20 characters): expected a postgres or postgresql URL'],
    [{ TONYPI_HUB_INFLUX_URL: 'influx:8086' }, 'TONYPI_HUB_INFLUX_URL: invalid value "influx:8086": expected a http or https URL'],
    [{ TONYPI_HUB_HTTP_PORT: '-1' }, 'TONYPI_HUB_HTTP_PORT: -1 is outside 0..65535'],
    [{ TONYPI_HUB_COMMAND_TIMEOUT_MS: '1s' }, 'TONYPI_HUB_COMMAND_TIMEOUT_MS: expected a number, got "1s"'],
    [{ TONYPI_HUB_ALERT_AUTO_RESOLVE: 'maybe' }, 'TONYPI_HUB_ALERT_AUTO_RESOLVE: expected true or false'],
    [{ TONYPI_LOG_LEVEL: 'loud' }, 'TONYPI_LOG_LEVEL: expected one of debug, info, warn, error, got "loud"'],
  ]
  for (const [env, message] of bad) {
    test(`a bad ${Object.keys(env)[0]} is refused with its key and value`, () => {
      expect(() => loadHubConfig({ env: { ...base, ...env } })).toThrow(`configuration ${message}`)
    })
  }

  test('defaults fill what is not set; a file key is named as the file spells it', () => {
    const cfg = loadHubConfig({ env: base })
    expect([cfg.httpPort, cfg.influxDb, cfg.logLevel, cfg.alertAutoResolve, cfg.influxUrl]).toEqual([8000, 'tonypi', 'info', true, undefined])
    expect(() => loadHubConfig({ env: base, file: { offlineAfterS: 0 } })).toThrow('configuration offlineAfterS: 0 is outside 1..3600')
  })
})
