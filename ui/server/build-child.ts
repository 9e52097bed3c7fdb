// Runs Bun's bundler for the dashboard in its own short-lived process and prints the output
// files as JSON on stdout. The bundler's working memory (~20 MB) then never enters the edge,
// whose RSS budget on a robot is 80 MB (measured in bench/edge-soak.ts).
import { join } from 'node:path'

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
const outputs = await Promise.all(result.outputs.map(async (o) => ({
  path: o.path, kind: o.kind, type: o.type, base64: Buffer.from(await o.arrayBuffer()).toString('base64'),
})))
process.stdout.write(JSON.stringify(outputs))
