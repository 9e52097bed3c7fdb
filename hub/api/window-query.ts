// The time window and paging the hub's audit lists (commands, jobs) take.
import { t } from 'elysia'
import { EpochMs } from '../../server/params.ts'

export const Window = {
  from: t.Optional(EpochMs('epoch ms')),
  to: t.Optional(EpochMs('epoch ms')),
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000 })),
  offset: t.Optional(t.Numeric({ minimum: 0, maximum: 1_000_000 })),
}
