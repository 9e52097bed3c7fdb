import { timerService, type Service } from './lifecycle.ts'

/**
 * A full collection every `everyMs`. JavaScriptCore collects lazily while the heap is small, so
 * the RSS of a busy server creeps up with garbage until a collection (the edge: heap ~6 MB, RSS
 * +0.1 MB/s); an operator watching memory, or a robot with 80 MB for everything, cannot tell
 * that from a leak. The measurement is in bench/edge-soak.ts and bench/day-soak.ts.
 */
export const memoryHint = (everyMs: number): Service => timerService('memory hint', () => setInterval(() => Bun.gc(true), everyMs))

/** `parts`, with the collection first when a process asks for it (a server started inside a test runner does not). */
export const withMemoryHint = (everyMs: number | undefined, parts: Service[]): Service[] => (everyMs ? [memoryHint(everyMs), ...parts] : parts)
