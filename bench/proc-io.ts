// The process's own write counter: `wchar` counts every byte passed to write(2) and
// pwrite(2), i.e. what SQLite hands the kernel for the WAL, the database and checkpoints.
import { readFileSync } from 'node:fs'

export function writtenBytes(pid: number | 'self' = 'self'): number {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8')
  const m = /^wchar:\s+(\d+)/m.exec(io)
  if (!m) throw new Error(`/proc/${pid}/io has no wchar`)
  return Number(m[1])
}

export function rssBytes(pid: number | 'self' = 'self'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status)
  if (!m) throw new Error(`/proc/${pid}/status has no VmRSS`)
  return Number(m[1]) * 1024
}
