// What a robot says when the hub's certificate is not one it trusts: the connection is refused
// before the credential is sent, and the reason names what to fix.
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
])

/** The reason in words for a TLS verification failure, or null when `err` is something else. */
export function tlsRefusal(err: { code?: unknown; message?: string } | null | undefined, what: string, pinned: boolean): string | null {
  const code = typeof err?.code === 'string' ? err.code : ''
  if (UNTRUSTED.has(code)) {
    return pinned
      ? `${what}'s certificate is not signed by the CA this robot pins (TONYPI_HUB_CA, or the CA edge:register saved): refused before sending the credential (${code})`
      : `${what}'s certificate is not signed by a CA this machine trusts: give the robot the hub's CA (npm run edge:register -- --ca, or TONYPI_HUB_CA) (${code})`
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `${what}'s certificate does not name the address the robot uses: reach it by a name its certificate has, or issue one that has it (${code})`
  if (code === 'CERT_HAS_EXPIRED') return `${what}'s certificate has expired (${code})`
  if (code === 'CERT_NOT_YET_VALID') return `${what}'s certificate is not valid yet: is this robot's clock right? (${code})`
  return null
}
