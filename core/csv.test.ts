import { describe, expect, test } from 'bun:test'
import { csvCell, toCsv } from './csv.ts'

describe('formula-safe CSV cells', () => {
  test('every way a cell can start a formula is neutralised', () => {
    const hostile = [
      "=cmd|' /C calc'!A0",
      '+1+1',
      '-1+1',
      '@SUM(A1)',
      '\t=1',
      '\r=1',
      ' =1+1',
      '\u00a0=1+1',
      '\n=1+1',
      '\u3000=1',
      '\uff1d1+1',
      '\uff0b1',
      '\uff0d1',
      '\uff20SUM(A1)',
      '  \u2003@x',
      '\ufeff=1',
    ]
    for (const h of hostile) {
      const cell = csvCell(h)
      const unquoted = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell
      expect(`${JSON.stringify(h)} -> ${unquoted.slice(0, 1)}`).toBe(`${JSON.stringify(h)} -> '`)
    }
  })

  test('plain text, numbers and negative numbers stay as they are', () => {
    expect(csvCell('servo 3 hot')).toBe('servo 3 hot')
    expect(csvCell(-3.5)).toBe('-3.5')
    expect(csvCell(' spaced out')).toBe(' spaced out')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(toCsv(['a'], [['x\ny']])).toBe('a\r\n"x\ny"\r\n')
  })
})
