// Worker thread entry: renders one report PDF off the service's main event loop (see pdf-renderer.ts).
import { renderReportPdf, type PdfOptions } from './pdf.ts'
import type { AnyReport } from '../../core/reports/report.ts'

declare const self: Worker

self.onmessage = async (e: MessageEvent<{ report: AnyReport; opts: PdfOptions }>) => {
  try {
    const pdf = await renderReportPdf(e.data.report, e.data.opts)
    // Copied into a buffer of its own so it can be transferred, not cloned.
    const bytes = new Uint8Array(pdf)
    self.postMessage({ pdf: bytes }, [bytes.buffer])
  } catch (err) {
    self.postMessage({ error: err instanceof Error ? err.message : String(err) })
  }
}
