// Runs Bun's bundler for the dashboard in its own short-lived process and prints the output
// files, and each compressed once as well as brotli and gzip can, as JSON on stdout. The
// bundler's and brotli's working memory (~20 MB, and brotli's best needs its largest window) then
// never enters the edge, whose RSS budget on a robot is 80 MB (measured in bench/edge-soak.ts).
import { join } from 'node:path'
import { compressStatic } from './compression.ts'

const UI_DIR = join(import.meta.dir, '..')
const ASSET_PREFIX = process.argv[2] ?? '/assets/'

const result = await Bun.build({
  entrypoints: [join(UI_DIR, 'main.ts')],
  target: 'browser',
  minify: true,
  sourcemap: 'linked',
  naming: { entry: '[name]-[hash].[ext]', chunk: '[name]-[hash].[ext]', asset: '[name]-[hash].[ext]' },
  publicPath: ASSET_PREFIX,
  throw: false,
})
if (!result.success) {
  process.stderr.write(result.logs.map((l) => String(l)).join('\n') + '\n')
  process.exit(1)
}
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')
const outputs = await Promise.all(
  result.outputs.map(async (o) => {
    const body = new Uint8Array(await o.arrayBuffer())
    const encoded = await compressStatic(body)
    return { path: o.path, kind: o.kind, type: o.type, base64: b64(body), br: b64(encoded.br), gzip: b64(encoded.gzip) }
  }),
)
process.stdout.write(JSON.stringify(outputs))
