import { describe, expect, test } from 'bun:test'
import { attitudeFromAccel, batteryPercent, clampPosition, degreesToPosition, hiwonderFallAngle, legacyDegreesToPosition, positionToDegrees } from './units.ts'

describe('units', () => {
  test('LX positions and degrees', () => {
    expect(positionToDegrees(500)).toBe(0)
    expect(positionToDegrees(1000)).toBe(120)
    expect(positionToDegrees(0)).toBe(-120)
    expect(degreesToPosition(-26.4)).toBe(390)
    for (const p of [0, 1, 250, 499, 777, 1000]) expect(degreesToPosition(positionToDegrees(p))).toBe(p)
    expect(legacyDegreesToPosition(90)).toBe(1000)
    expect(legacyDegreesToPosition(-45)).toBe(250)
    expect(clampPosition(1090)).toBe(1000)
    expect(clampPosition(-3, 100, 900)).toBe(100)
  })

  test('battery percent follows the Li-ion curve for 2S and 3S packs', () => {
    expect(batteryPercent(8.4, '2S')).toBe(100)
    expect(batteryPercent(6.0, '2S')).toBe(0)
    expect(batteryPercent(12.6, '3S')).toBe(100)
    expect(batteryPercent(9.0, '3S')).toBe(0)
    expect(batteryPercent(7.5, '2S')).toBe(50) // 3.75 V a cell: half, not the linear 62 %
    expect(batteryPercent(11.25, '3S')).toBe(50)
    expect(batteryPercent(7.9, '2S')).toBeGreaterThan(batteryPercent(7.6, '2S'))
    expect(batteryPercent(20, '2S')).toBe(100)
  })

  test('attitude and HiWonder fall angle from the accelerometer', () => {
    const upright: [number, number, number] = [0, 9.81, 0]
    expect(attitudeFromAccel(upright)).toEqual({ roll_deg: 0, pitch_deg: 0 })
    expect(hiwonderFallAngle(upright)).toBeCloseTo(90)
    expect(Math.abs(hiwonderFallAngle([0, -0.1, -9.8]))).toBeGreaterThan(160) // on its back
    expect(Math.abs(hiwonderFallAngle([0, 0.1, 9.8]))).toBeLessThan(10) // on its front
    expect(attitudeFromAccel([0, 0, 9.81]).pitch_deg).toBe(90)
    expect(attitudeFromAccel([9.81, 0, 0]).roll_deg).toBe(90)
  })
})
