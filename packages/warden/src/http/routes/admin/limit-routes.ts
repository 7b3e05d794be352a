import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AdminUser, AdminUsers, LimitOverrideStore } from '../../../access/index.js'
import {
  LIMIT_LEVEL_PATHS,
  setLimitsRequestSchema,
  type LimitLevelPath,
  type LimitOverridesDto,
} from '../../../contract/index.js'
import { WardenError, type LimitLevel } from '../../../domain/index.js'
import { parseBody } from '../../../pipeline/index.js'
import { bearerToken } from '../../bearer.js'
import { usageOf, type UsageViewDeps } from '../usage-view.js'

export interface LimitRouteDeps extends UsageViewDeps {
  readonly adminUsers: AdminUsers
  readonly limitOverrides: LimitOverrideStore
}

type Params = { Params: { level: string; id: string } }

/**
 * `/api/admin/limits/{organizations|applications|keys}/:id`: read (GET), replace (PUT) and
 * remove (DELETE) the limits of one organization, application or key. Admins only; audited.
 */
export function registerLimitRoutes(app: FastifyInstance, deps: LimitRouteDeps): void {
  const { adminUsers, limitOverrides } = deps

  async function requireAdmin(request: FastifyRequest): Promise<AdminUser> {
    const user = await adminUsers.authenticate(bearerToken(request.headers.authorization))
    if (user.role !== 'admin') throw new WardenError('forbidden', 'This needs the admin role.')
    return user
  }

  function levelOf(path: string): LimitLevel {
    if (!Object.hasOwn(LIMIT_LEVEL_PATHS, path)) {
      throw new WardenError(
        'not_found',
        `No limits of "${path}": use organizations, applications or keys.`,
        { param: 'level' },
      )
    }
    return LIMIT_LEVEL_PATHS[path as LimitLevelPath]
  }

  const path = '/api/admin/limits/:level/:id'

  app.get<Params>(path, async (request): Promise<LimitOverridesDto> => {
    await requireAdmin(request)
    const level = levelOf(request.params.level)
    const { id } = request.params
    return { level, id, overrides: await limitOverrides.get(level, id) }
  })

  app.put<Params>(path, async (request): Promise<LimitOverridesDto> => {
    const user = await requireAdmin(request)
    const level = levelOf(request.params.level)
    const { id } = request.params
    const body = parseBody(setLimitsRequestSchema, request.body)
    return { level, id, overrides: await limitOverrides.set(level, id, body, `admin:${user.id}`) }
  })

  app.delete<Params>(path, async (request): Promise<LimitOverridesDto> => {
    const user = await requireAdmin(request)
    const level = levelOf(request.params.level)
    const { id } = request.params
    await limitOverrides.clear(level, id, `admin:${user.id}`)
    return { level, id, overrides: null }
  })

  app.get<{ Querystring: { org?: string; app?: string } }>('/api/admin/usage', async (request) => {
    await requireAdmin(request)
    const ref = request.query.org
    if (typeof ref !== 'string' || ref === '') {
      throw new WardenError('invalid_request_error', 'Name the organization: ?org=<name or id>.', {
        param: 'org',
      })
    }
    const org = await deps.organizations.findOrganization(ref)
    if (!org) throw new WardenError('not_found', `No organization "${ref}".`, { param: 'org' })
    return usageOf(deps, org.id, request.query.app)
  })
}
