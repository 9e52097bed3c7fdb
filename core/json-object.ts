// The first check of every parser of untrusted JSON (MQTT payloads, live requests, files).

/** A JSON object: not null and not an array. */
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
