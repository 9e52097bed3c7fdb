// How the edge process is started, wherever it is started (the systemd unit, `npm run edge`,
// the soak benchmark): JavaScriptCore's top JIT tier (FTL) off. The edge's hot code is small
// and I/O-bound, so the tier buys nothing measurable, while its compiler's code and buffers
// cost 1.6–3.7 MB of resident memory against an 80 MB budget on a Pi that also runs the
// robot's own programs. Measured with a live client at nominal load (bench/edge-soak.ts):
// 76.6 MB and 4.8 % CPU with FTL, 75.0 MB and 4.2 % CPU without.
export const EDGE_RUNTIME_ENV: Readonly<Record<string, string>> = { BUN_JSC_useFTLJIT: '0' }
