// `npm run backup:edge -- <dataDir> <backupDir>` while the edge runs, and
// `npm run restore:edge -- <backupDir> <dataDir>` with the edge stopped, onto a new or empty folder.
// Progress goes to stderr, the manifest's summary to stdout; an error is one line and exit 1.
import { BackupError, backupEdge, restoreEdge } from './edge-backup.ts'

const USAGE = `usage: bun edge/backup/cli.ts backup <dataDir> <backupDir>
       bun edge/backup/cli.ts restore <backupDir> <dataDir>`

async function main([cmd, a, b, ...rest]: string[]): Promise<number> {
  if (!a || !b || rest.length || (cmd !== 'backup' && cmd !== 'restore')) {
    process.stderr.write(USAGE + '\n')
    return 2
  }
  const t0 = performance.now()
  if (cmd === 'backup') {
    let shown = 0
    const m = await backupEdge(a, b, {
      onProgress: ({ pages, remaining }) => {
        const pct = pages ? Math.floor(((pages - remaining) / pages) * 100) : 100
        if (pct >= shown + 10 || remaining === 0) process.stderr.write(`database: ${pct}% of ${pages} pages\n`)
        shown = pct
      },
    })
    const bytes = m.files.reduce((s, f) => s + f.bytes, 0)
    process.stdout.write(
      `backed up ${a} into ${b}: ${m.files.length} files, ${bytes} bytes, ` +
        `${m.journal_ticks} journal ticks, rows ${JSON.stringify(m.database.rows)} in ${Math.round(performance.now() - t0)} ms\n`,
    )
  } else {
    const m = await restoreEdge(a, b)
    process.stdout.write(`restored ${a} (made ${m.created_at}) into ${b}: start the edge with TONYPI_DATA_DIR=${b}\n`)
  }
  return 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof BackupError ? '' : 'backup failed: '}${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  },
)
