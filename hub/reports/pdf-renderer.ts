// Report PDFs rendered in a worker thread, one at a time: pdfkit is synchronous (~0.2 s of CPU
// per report), which on the main thread would stall MQTT ingest and every other request.
// The same scheme as edge/reports/pdf-renderer.ts; the hub keeps its own copy so neither
// service imports the other (both would move to core/reports if a third user appears).
import type { PdfOptions } from '../../core/reports/pdf.ts'
import type { Report } from '../../core/reports/report.ts'

export const PDF_RENDER_TIMEOUT_MS = 30_000
const WORKER_URL = new URL('./pdf-worker.ts', import.meta.url).href

let queue: Promise<unknown> = Promise.resolve()

function renderOnce(report: Report, opts: PdfOptions, timeoutMs: number): Promise<Buffer> {
  const worker = new Worker(WORKER_URL)
  return new Promise<Buffer>((resolve, reject) => {
    const done = (f: () => void) => { clearTimeout(timer); worker.terminate(); f() }
    const timer = setTimeout(() => done(() => reject(new Error(`rendering the PDF took more than ${timeoutMs / 1000} s`))), timeoutMs)
    worker.onmessage = (e: MessageEvent<{ pdf?: Uint8Array; error?: string }>) =>
      done(() => (e.data.pdf ? resolve(Buffer.from(e.data.pdf.buffer, e.data.pdf.byteOffset, e.data.pdf.byteLength)) : reject(new Error(e.data.error ?? 'no PDF'))))
    worker.onerror = (e) => done(() => reject(new Error(`PDF worker failed: ${e.message}`)))
    worker.postMessage({ report, opts })
  })
}

export function renderReportPdfInWorker(report: Report, opts: PdfOptions = {}, timeoutMs = PDF_RENDER_TIMEOUT_MS): Promise<Buffer> {
  const run = queue.then(() => renderOnce(report, opts, timeoutMs))
  queue = run.catch(() => undefined)
  return run
}
