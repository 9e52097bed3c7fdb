// The process's own write counter: `wchar` counts every byte passed to write(2) and
// pwrite(2), i.e. what SQLite hands the kernel for the WAL, the database and checkpoints.
import { readFileSync } from 'node:fs'

export function writtenBytes(pid: number | 'self' = 'self'): number {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8')
  const m = /^wchar:\s+(\d+)/m.exec(io)
  if (!m) throw new Error(`/proc/${pid}/io has no wchar`)
  return Number(m[1])
}

/**
 * A resident size from /proc/<pid>/status: all of it (VmRSS), or the process's own memory
 * (RssAnon: heaps and stacks) apart from the mapped files (RssFile: mostly Bun's executable, clean
 * and shared with every other Bun process).
 */
export function residentBytes(pid: number | 'self', kind: 'VmRSS' | 'RssAnon' | 'RssFile'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const m = new RegExp(`^${kind}:\\s+(\\d+) kB`, 'm').exec(status)
  if (!m) throw new Error(`/proc/${pid}/status has no ${kind}`)
  return Number(m[1]) * 1024
}

export const rssBytes = (pid: number | 'self' = 'self'): number => residentBytes(pid, 'VmRSS')

/** CPU time (user + system) the process has used, in ms (clock ticks of 10 ms on Linux). */
export function cpuMs(pid: number | 'self' = 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 10
}
