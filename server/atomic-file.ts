// A file written whole or not at all: a reader (Mosquitto on SIGHUP, Grafana's provisioning
// scan, the next start) sees the old content or the new, never half, and a crash mid-write
// leaves the old file in place.
import { chmodSync, renameSync, writeFileSync } from 'node:fs'

/** Writes beside `path` and renames over it; `mode` (default 0600) holds for the new file too. */
export function writeFileAtomic(path: string, text: string, mode = 0o600): void {
  // Per process, so two processes (hub replicas, a test beside the hub) never share a temp file.
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, text, { mode })
  chmodSync(tmp, mode) // the mode option is ignored when the file already exists
  renameSync(tmp, path)
}
