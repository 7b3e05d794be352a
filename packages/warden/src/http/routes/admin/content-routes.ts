import type { FastifyInstance } from 'fastify'
import type { AdminUsers } from '../../../access/index.js'
import { toStoredContentDto, type StoredContentDto } from '../../../contract/index.js'
import { WardenError } from '../../../domain/index.js'
import type { AuditLog, ContentRetention } from '../../../monitoring/index.js'
import { bearerToken } from '../../bearer.js'

export interface ContentRouteDeps {
  readonly adminUsers: AdminUsers
  readonly auditLog: AuditLog
  readonly contentRetention: Pick<ContentRetention, 'read'>
}

/** Who may read kept content: the people who review what the filter flagged. */
const READERS = ['admin', 'reviewer'] as const

/**
 * `GET /api/admin/requests/:id/content`: the texts the usage policy's retention kept of one
 * request, and its findings. Reading a person's flagged text is itself sensitive: every read is
 * audited (`content.read`), durably, before the text is sent. 404 once it is purged.
 */
export function registerContentRoutes(app: FastifyInstance, deps: ContentRouteDeps): void {
  app.get<{ Params: { id: string } }>(
    '/api/admin/requests/:id/content',
    async (request): Promise<StoredContentDto> => {
      const user = await deps.adminUsers.authenticate(bearerToken(request.headers.authorization))
      if (!(READERS as readonly string[]).includes(user.role)) {
        throw new WardenError('forbidden', `This needs one of the roles: ${READERS.join(', ')}.`)
      }
      const { id } = request.params
      const content = await deps.contentRetention.read(id)
      if (content === null) {
        throw new WardenError(
          'not_found',
          "Nothing is kept of this request: nothing in it was flagged, or the usage policy's retention has run out and it was purged.",
          { param: 'id' },
        )
      }
      await deps.auditLog.appendNow({
        actor: `admin:${user.id}`,
        action: 'content.read',
        target: id,
        details: {
          texts: content.texts.filter((t) => t.kind === 'text').length,
          hashes: content.texts.filter((t) => t.kind === 'hash').length,
        },
      })
      return toStoredContentDto(content)
    },
  )
}
