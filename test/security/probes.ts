// Low-level probes an attacker on the loopback would use: raw HTTP requests whose body never
// ends, requests from another local address, raw MQTT packets, and the outcome of one publish.
import net from 'node:net'
import mqtt from 'mqtt'

/**
 * Sends a request's head and the first `bodyStart` bytes of a body that never ends (chunked),
 * and resolves with the status of the response, which must come before the body does.
 */
export function statusBeforeBodyEnds(
  port: number,
  head: { method: string; path: string; headers: Record<string, string> },
  bodyStart: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1')
    let got = ''
    s.on('data', (d) => {
      got += d.toString('latin1')
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got)
      if (m) {
        s.destroy()
        resolve(Number(m[1]))
      }
    })
    s.on('error', reject)
    s.on('close', () => reject(new Error(`closed without a response: ${JSON.stringify(got.slice(0, 200))}`)))
    const lines = [
      `${head.method} ${head.path} HTTP/1.1`,
      'Host: 127.0.0.1',
      'Transfer-Encoding: chunked',
      ...Object.entries(head.headers).map(([k, v]) => `${k}: ${v}`),
    ]
    s.write(`${lines.join('\r\n')}\r\n\r\n${bodyStart.length.toString(16)}\r\n${bodyStart}\r\n`)
    // ...and nothing more: a server that waits for the whole body never answers.
  })
}

/** A JSON request from another loopback address (127.0.0.2): a second client as the server sees it. */
export function requestFrom(localAddress: string, port: number, path: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body)
    const s = net.connect({ port, host: '127.0.0.1', localAddress })
    let got = ''
    s.on('data', (d) => {
      got += d.toString()
    })
    s.on('end', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got)
      if (!m) return reject(new Error(`no response: ${got.slice(0, 200)}`))
      resolve({ status: Number(m[1]), body: got.slice(got.indexOf('\r\n\r\n') + 4) })
    })
    s.on('error', reject)
    s.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`,
    )
  })
}

/** Resolves true when the server closes the connection after a CONNECT declaring `declared` bytes (of which `sent` are sent). */
export function oversizedConnectIsCut(port: number, declared: number, sent: number, ms = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    const timer = setTimeout(() => {
      s.destroy()
      resolve(false)
    }, ms)
    s.on('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
    s.on('error', () => {})
    const len: number[] = []
    let n = declared
    do {
      let b = n % 128
      n = Math.floor(n / 128)
      if (n > 0) b |= 0x80
      len.push(b)
    } while (n > 0)
    s.write(Buffer.concat([Buffer.from([0x10, ...len]), Buffer.alloc(sent, 0x41)]))
  })
}

export function connectMqtt(url: string, opts: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts })
    c.once('connect', () => resolve(c))
    c.once('error', (e) => {
      c.end(true)
      reject(e)
    })
    c.once('close', () => reject(new Error('closed before CONNACK')))
  })
}

/**
 * Publishes at QoS 1 and tells whether the broker took it: a PUBACK (with a success reason on
 * MQTT 5), or a refusal (a failure reason code, or the connection closed: what aedes does).
 */
export function publishOutcome(c: mqtt.MqttClient, topic: string, payload: string): Promise<'accepted' | 'refused'> {
  return new Promise((resolve) => {
    const onClose = () => resolve('refused')
    c.once('close', onClose)
    c.publish(topic, payload, { qos: 1 }, (err) => {
      c.off('close', onClose)
      resolve(err ? 'refused' : 'accepted')
    })
  })
}
