// Report PDFs (robot and fleet) are rendered in a worker thread, one at a time, for the edge and the hub alike.
// pdfkit is synchronous: a report is ~0.2 s of CPU on a desktop and several times that on a Pi,
// which on the main thread would stall polling, MQTT ingest and an emergency stop. A worker
// per render keeps the service's memory flat between downloads.
import type { PdfOptions } from './pdf.ts'
import type { AnyReport } from '../../core/reports/report.ts'

export const PDF_RENDER_TIMEOUT_MS = 30_000
const WORKER_URL = new URL('./pdf-worker.ts', import.meta.url).href

let queue: Promise<unknown> = Promise.resolve()

function renderOnce(report: AnyReport, opts: PdfOptions, timeoutMs: number): Promise<Buffer> {
  const worker = new Worker(WORKER_URL)
  return new Promise<Buffer>((resolve, reject) => {
    const done = (f: () => void) => {
      clearTimeout(timer)
      worker.terminate()
      f()
    }
    const timer = setTimeout(() => done(() => reject(new Error(`rendering the PDF took more than ${timeoutMs / 1000} s`))), timeoutMs)
    worker.onmessage = (e: MessageEvent<{ pdf?: Uint8Array; error?: string }>) =>
      done(() =>
        e.data.pdf ? resolve(Buffer.from(e.data.pdf.buffer, e.data.pdf.byteOffset, e.data.pdf.byteLength)) : reject(new Error(e.data.error ?? 'no PDF')),
      )
    worker.onerror = (e) => done(() => reject(new Error(`PDF worker failed: ${e.message}`)))
    worker.postMessage({ report, opts })
  })
}

export function renderReportPdfInWorker(report: AnyReport, opts: PdfOptions = {}, timeoutMs = PDF_RENDER_TIMEOUT_MS): Promise<Buffer> {
  const run = queue.then(() => renderOnce(report, opts, timeoutMs))
  queue = run.catch(() => undefined)
  return run
}
