// The fingerprint a person compares before a robot pins its hub's CA: the hub prints it at start,
// `npm run edge:register` shows what it was given. `sha256:` and the hex of the certificate's
// DER bytes (`openssl x509 -noout -fingerprint -sha256` prints the same bytes, with colons).
import { X509Certificate, createHash } from 'node:crypto'

export function certificateFingerprint(pem: string): string {
  return `sha256:${createHash('sha256').update(new X509Certificate(pem).raw).digest('hex')}`
}

/** Accepts the forms people paste: with or without `sha256:`, colons, upper case. */
export function sameFingerprint(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .trim()
      .toLowerCase()
      .replace(/^sha256:/, '')
      .replace(/[^0-9a-f]/g, '')
  return norm(a).length === 64 && norm(a) === norm(b)
}
