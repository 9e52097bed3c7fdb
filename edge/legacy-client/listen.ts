// The auto profile's ear: is the earlier Python client running on this robot? It connects to the
// edge's broker anonymously from loopback (with client_id = robot_id) and sends its status at
// once on connecting, then telemetry every few seconds; that is what is listened for. A client
// speaking for another robot id is named in the log, so a person can set TONYPI_ROBOT_ID.
import type { AedesPublishPacket, Client } from 'aedes'
import type { Logger } from '../../core/log.ts'
import { parseTopic } from '../../core/topics.ts'
import { principalOf, type EmbeddedBroker } from '../broker/broker.ts'

/** What its client publishes by itself (not the commands others send it). */
const ITS_TELEMETRY = new Set(['status', 'sensors', 'servos', 'battery', 'location', 'logs', 'job'])

function robotIdOf(packet: AedesPublishPacket, topicId: string | undefined): string | null {
  if (topicId) return topicId
  try {
    const id = (JSON.parse(Buffer.from(packet.payload).toString('utf8')) as { robot_id?: unknown }).robot_id
    return typeof id === 'string' ? id : null
  } catch {
    return null
  }
}

/** Resolves with what was heard, or null when nothing was within `ms`. */
export function listenForEarlierClient(broker: EmbeddedBroker, robotId: string, ms: number, log: Logger): Promise<string | null> {
  return new Promise((resolve) => {
    const others = new Set<string>()
    const onPublish = (packet: AedesPublishPacket, client: Client | null) => {
      if (!client || principalOf(client)?.kind !== 'local') return
      const t = parseTopic(packet.topic)
      if (t.kind !== 'legacy' || !ITS_TELEMETRY.has(t.root)) return
      const id = robotIdOf(packet, t.robotId)
      if (id === robotId) return done(`heard ${packet.topic} from client ${client.id} on loopback`)
      if (id && !others.has(id)) {
        others.add(id)
        log.warn(`the earlier Python client on this robot speaks as robot ${id}, not ${robotId}: set TONYPI_ROBOT_ID=${id} for the edge to drive it`, {
          topic: packet.topic,
        })
      }
    }
    const timer = setTimeout(() => done(null), ms)
    const done = (heard: string | null) => {
      clearTimeout(timer)
      broker.aedes.removeListener('publish', onPublish)
      resolve(heard)
    }
    broker.aedes.on('publish', onPublish)
  })
}
