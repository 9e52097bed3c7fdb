import { describe, expect, test } from 'bun:test'
import { ConfigError, loadEdgeConfig, unknownEnvKeys } from './config.ts'

const base = { defaults: { robotId: 'host' } }

describe('edge configuration', () => {
  test('defaults < file < environment', () => {
    expect(loadEdgeConfig(base).httpPort).toBe(8080)
    expect(loadEdgeConfig({ ...base, file: { httpPort: 9000 } }).httpPort).toBe(9000)
    const c = loadEdgeConfig({ ...base, file: { httpPort: 9000 }, env: { TONYPI_HTTP_PORT: '9100', TONYPI_BATTERY_PACK: '3S', TONYPI_MQTT_ANONYMOUS_LOOPBACK: 'no' } })
    expect(c.httpPort).toBe(9100)
    expect(c.batteryPack).toBe('3S')
    expect(c.mqttAnonymousLoopback).toBe(false)
    expect(c.robotId).toBe('host')
    expect(loadEdgeConfig({ ...base, env: { TONYPI_ROBOT_ID: 'tonypi-7' } }).robotId).toBe('tonypi-7')
  })

  const bad: [Record<string, string>, string, RegExp][] = [
    [{ TONYPI_HTTP_PORT: 'eighty' }, 'TONYPI_HTTP_PORT', /expected a number/],
    [{ TONYPI_HTTP_PORT: '70000' }, 'TONYPI_HTTP_PORT', /outside 0..65535/],
    [{ TONYPI_MQTT_PORT: '18.5' }, 'TONYPI_MQTT_PORT', /whole number/],
    [{ TONYPI_PROFILE: 'robot' }, 'TONYPI_PROFILE', /one of auto, sim/],
    [{ TONYPI_ROBOT_ID: 'has space' }, 'TONYPI_ROBOT_ID', /invalid value/],
    [{ TONYPI_ADMIN_PASSWORD: 'short' }, 'TONYPI_ADMIN_PASSWORD', /at least 8/],
    [{ TONYPI_IMU_HZ: '0' }, 'TONYPI_IMU_HZ', /outside/],
    [{ TONYPI_MQTT_ANONYMOUS_LOOPBACK: 'maybe' }, 'TONYPI_MQTT_ANONYMOUS_LOOPBACK', /true or false/],
  ]
  for (const [env, key, msg] of bad) {
    test(`a bad ${key} is an error that names it`, () => {
      let err: unknown
      try { loadEdgeConfig({ ...base, env }) } catch (e) { err = e }
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as ConfigError).key).toBe(key)
      expect((err as Error).message).toMatch(msg)
    })
  }

  test('unknown keys in the file are errors; unknown variables are reported', () => {
    expect(() => loadEdgeConfig({ ...base, file: { htpPort: 1 } })).toThrow(/htpPort: unknown key/)
    expect(() => loadEdgeConfig({ ...base, file: { httpPort: 'x' } })).toThrow(/httpPort: expected a number/)
    expect(unknownEnvKeys({ TONYPI_HTTP_PROT: '1', TONYPI_HUB_URL: 'x', PATH: '/bin' })).toEqual(['TONYPI_HTTP_PROT'])
  })
})
