import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  isMemberRole,
  type AdminUsers,
  type LimitOverrideStore,
  type Organizations,
} from '../../access/index.js'
import type { UsageViewDto } from '../../contract/index.js'
import { WardenError } from '../../domain/index.js'
import { usageView, usageViewJson, type Limiter } from '../../limits/index.js'
import type { PolicyVersions } from '../../policy/index.js'
import { bearerToken } from '../bearer.js'

export interface UsageRouteDeps {
  readonly adminUsers: AdminUsers
  readonly organizations: Organizations
  readonly limitOverrides: LimitOverrideStore
  readonly policyVersions: PolicyVersions
  /** The limiter, or null when limits are off. */
  readonly limiter: Limiter | null
}

/**
 * `GET /api/admin/usage?org=<name or id>[&app=…]` for admins and `GET /api/portal/usage[?app=…]`
 * for an organization's members: what each key, application and the organization have used of
 * their limits now, and what is left, from the counters the limits decide with.
 */
export function registerUsageRoutes(app: FastifyInstance, deps: UsageRouteDeps): void {
  const { adminUsers, organizations, limitOverrides, policyVersions } = deps

  async function view(orgId: string, appRef: string | undefined): Promise<UsageViewDto> {
    const limiter = deps.limiter
    if (limiter === null) {
      throw new WardenError('not_found', 'Limits are off on this server (limits.enabled: false).')
    }
    let appId: string | undefined
    if (appRef !== undefined) {
      const application = await organizations.findApplication(orgId, appRef)
      if (!application)
        throw new WardenError('not_found', `No application "${appRef}".`, { param: 'app' })
      appId = application.id
    }
    const subjects = await limitOverrides.subjectsOf(orgId, appId)
    const snapshot = policyVersions.snapshot()
    const report = await usageView(limiter, orgId, subjects, (id) => snapshot.tier(id))
    return usageViewJson(report, limiter.backend)
  }

  const user = (request: FastifyRequest) =>
    adminUsers.authenticate(bearerToken(request.headers.authorization))
  type Query = { Querystring: { org?: string; app?: string } }

  app.get<Query>('/api/admin/usage', async (request) => {
    if ((await user(request)).role !== 'admin') {
      throw new WardenError('forbidden', 'This needs the admin role.')
    }
    const ref = request.query.org
    if (typeof ref !== 'string' || ref === '') {
      throw new WardenError('invalid_request_error', 'Name the organization: ?org=<name or id>.', {
        param: 'org',
      })
    }
    const org = await organizations.findOrganization(ref)
    if (!org) throw new WardenError('not_found', `No organization "${ref}".`, { param: 'org' })
    return view(org.id, request.query.app)
  })

  app.get<Query>('/api/portal/usage', async (request) => {
    const member = await user(request)
    if (!isMemberRole(member.role) || member.orgId === null) {
      throw new WardenError('forbidden', 'The portal is for members of an organization.')
    }
    return view(member.orgId, request.query.app)
  })
}
