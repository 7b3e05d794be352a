import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AdminUser, AdminUsers, ApiKeys, Organizations } from '../../../access/index.js'
import {
  createApplicationRequestSchema,
  createKeyRequestSchema,
  fromCreateKeyRequest,
  createOrganizationRequestSchema,
  acceptPolicyRequestSchema,
  publishPolicyRequestSchema,
  setApplicationStatusRequestSchema,
  setTierRequestSchema,
  toPolicyAcceptanceDto,
  toPolicyVersionDto,
  loginRequestSchema,
  setPasswordRequestSchema,
  toApiKeyDto,
  toAuditVerificationDto,
  toApplicationDto,
  toOrganizationDto,
  toUnixSeconds,
} from '../../../contract/index.js'
import { WardenError } from '../../../domain/index.js'
import { parseBody } from '../../../pipeline/index.js'
import { bearerToken } from '../../bearer.js'
import { signIn, type SignInDeps } from '../../sign-in.js'
import type { AuditLog } from '../../../monitoring/index.js'
import { parsePolicy, PolicyError, type PolicyVersions } from '../../../policy/index.js'

export interface AdminRouteDeps extends SignInDeps {
  readonly organizations: Organizations
  readonly apiKeys: ApiKeys
  readonly adminUsers: AdminUsers
  readonly auditLog: AuditLog
  readonly policyVersions: PolicyVersions
}

function sessionToken(request: FastifyRequest): string | undefined {
  return bearerToken(request.headers.authorization)
}

/** `/api/admin/*`: sign-in, organizations, applications, keys and the audit log. Admins only. */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  const { organizations, apiKeys, adminUsers, auditLog, policyVersions } = deps

  async function requireAdmin(request: FastifyRequest): Promise<AdminUser> {
    const user = await adminUsers.authenticate(sessionToken(request))
    if (user.role !== 'admin') throw new WardenError('forbidden', 'This needs the admin role.')
    return user
  }

  async function requireOrganization(idOrName: string) {
    const org = await organizations.findOrganization(idOrName)
    if (!org) throw new WardenError('not_found', `No organization "${idOrName}".`, { param: 'org' })
    return org
  }

  async function requireApplication(idOrName: string, orgIdOrName: string) {
    const org = await requireOrganization(orgIdOrName)
    const application = await organizations.findApplication(org.id, idOrName)
    if (!application)
      throw new WardenError('not_found', `No application "${idOrName}" in "${org.name}".`, {
        param: 'app',
      })
    return application
  }

  app.post('/api/admin/login', async (request) => {
    const session = await signIn(deps, request.ip, parseBody(loginRequestSchema, request.body))
    return {
      token: session.token,
      expires_at: toUnixSeconds(session.expiresAt),
      user: {
        id: session.user.id,
        username: session.user.username,
        role: session.user.role,
        has_password: session.user.hasPassword,
        org_id: session.user.orgId,
      },
    }
  })

  // Any signed-in user: staff and members sign in, out and set passwords the same way.
  const requireUser = (request: FastifyRequest) => adminUsers.authenticate(sessionToken(request))

  app.post('/api/admin/logout', async (request, reply) => {
    await requireUser(request)
    await adminUsers.logout(sessionToken(request) ?? '')
    return reply.code(204).send()
  })

  app.get('/api/admin/me', async (request) => {
    const user = await requireUser(request)
    return {
      id: user.id,
      username: user.username,
      role: user.role,
      has_password: user.hasPassword,
      org_id: user.orgId,
    }
  })

  app.post('/api/admin/password', async (request, reply) => {
    const user = await requireUser(request)
    const { password } = parseBody(setPasswordRequestSchema, request.body)
    await adminUsers.setPassword(user.id, password, `admin:${user.id}`, sessionToken(request))
    return reply.code(204).send()
  })

  app.get('/api/admin/organizations', async (request) => {
    await requireAdmin(request)
    return {
      object: 'list',
      data: (await organizations.listOrganizations()).map(toOrganizationDto),
    }
  })

  app.post('/api/admin/organizations', async (request, reply) => {
    const user = await requireAdmin(request)
    const { name } = parseBody(createOrganizationRequestSchema, request.body)
    return reply
      .code(201)
      .send(toOrganizationDto(await organizations.createOrganization(name, `admin:${user.id}`)))
  })

  app.get<{ Params: { org: string } }>(
    '/api/admin/organizations/:org/applications',
    async (request) => {
      await requireAdmin(request)
      const org = await requireOrganization(request.params.org)
      return {
        object: 'list',
        data: (await organizations.listApplications(org.id)).map(toApplicationDto),
      }
    },
  )

  app.post<{ Params: { org: string } }>(
    '/api/admin/organizations/:org/applications',
    async (request, reply) => {
      const user = await requireAdmin(request)
      const org = await requireOrganization(request.params.org)
      const { name } = parseBody(createApplicationRequestSchema, request.body)
      return reply
        .code(201)
        .send(
          toApplicationDto(await organizations.createApplication(org.id, name, `admin:${user.id}`)),
        )
    },
  )

  app.get<{ Params: { org: string; app: string } }>(
    '/api/admin/organizations/:org/applications/:app/keys',
    async (request) => {
      await requireAdmin(request)
      const application = await requireApplication(request.params.app, request.params.org)
      return {
        object: 'list',
        data: (await apiKeys.listKeys({ appId: application.id })).map(toApiKeyDto),
      }
    },
  )

  app.post<{ Params: { org: string; app: string } }>(
    '/api/admin/organizations/:org/applications/:app/keys',
    async (request, reply) => {
      const user = await requireAdmin(request)
      const application = await requireApplication(request.params.app, request.params.org)
      const body = parseBody(createKeyRequestSchema, request.body)
      const created = await apiKeys.createKey({
        appId: application.id,
        orgId: application.orgId,
        ...fromCreateKeyRequest(body),
        actor: `admin:${user.id}`,
      })
      return reply.code(201).send({ key: created.key, ...toApiKeyDto(created.info) })
    },
  )

  app.get('/api/admin/policy/versions', async (request) => {
    await requireAdmin(request)
    return { object: 'list', data: (await policyVersions.list()).map(toPolicyVersionDto) }
  })

  app.post('/api/admin/policy/versions', async (request, reply) => {
    const user = await requireAdmin(request)
    const body = parseBody(publishPolicyRequestSchema, request.body)
    let policy
    try {
      policy = parsePolicy(body.source)
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error
      throw new WardenError(
        'invalid_request_error',
        `source is not a valid usage policy: ${error.problems.join('; ')}`,
        { param: 'source' },
      )
    }
    if (body.grace_days > 0 && !body.requires_reacceptance) {
      throw new WardenError(
        'invalid_request_error',
        'grace_days applies only with requires_reacceptance',
        { param: 'grace_days' },
      )
    }
    const published = await policyVersions.publish(policy, {
      requiresReacceptance: body.requires_reacceptance,
      graceDays: body.grace_days,
      changelog: body.changelog ?? null,
      actor: `admin:${user.id}`,
    })
    return reply.code(201).send(toPolicyVersionDto(published))
  })

  app.get<{ Params: { org: string } }>(
    '/api/admin/organizations/:org/policy-acceptances',
    async (request) => {
      await requireAdmin(request)
      const org = await requireOrganization(request.params.org)
      return {
        object: 'list',
        data: (await policyVersions.acceptances(org.id)).map(toPolicyAcceptanceDto),
      }
    },
  )

  app.post<{ Params: { org: string } }>(
    '/api/admin/organizations/:org/policy-acceptances',
    async (request, reply) => {
      const user = await requireAdmin(request)
      const org = await requireOrganization(request.params.org)
      const { version } = parseBody(acceptPolicyRequestSchema, request.body ?? {})
      const accepted = await policyVersions.accept(org.id, `admin:${user.id}`, version)
      return reply.code(201).send(toPolicyAcceptanceDto(accepted))
    },
  )

  app.post<{ Params: { org: string; app: string } }>(
    '/api/admin/organizations/:org/applications/:app/tier',
    async (request) => {
      const user = await requireAdmin(request)
      const application = await requireApplication(request.params.app, request.params.org)
      const body = parseBody(setTierRequestSchema, request.body)
      const current = await policyVersions.current()
      if (!current?.document.tiers.some((t) => t.id === body.tier)) {
        throw new WardenError(
          'invalid_request_error',
          `no tier "${body.tier}" in the current usage policy`,
          { param: 'tier' },
        )
      }
      return toApplicationDto(
        await organizations.setTier(application.id, body.tier, {
          actor: `admin:${user.id}`,
          reason: body.reason,
        }),
      )
    },
  )

  app.post<{ Params: { org: string; app: string } }>(
    '/api/admin/organizations/:org/applications/:app/status',
    async (request) => {
      const user = await requireAdmin(request)
      const application = await requireApplication(request.params.app, request.params.org)
      const body = parseBody(setApplicationStatusRequestSchema, request.body)
      return toApplicationDto(
        await organizations.setStatus(application.id, body.status, {
          actor: `admin:${user.id}`,
          reason: body.reason,
          clauses: body.clauses,
        }),
      )
    },
  )

  app.get('/api/admin/keys', async (request) => {
    await requireAdmin(request)
    return { object: 'list', data: (await apiKeys.listKeys()).map(toApiKeyDto) }
  })

  app.post<{ Params: { id: string } }>('/api/admin/keys/:id/revoke', async (request) => {
    const user = await requireAdmin(request)
    return toApiKeyDto(await apiKeys.revokeKey(request.params.id, `admin:${user.id}`))
  })

  app.get<{ Querystring: { after?: string; limit?: string } }>(
    '/api/admin/audit',
    async (request) => {
      await requireAdmin(request)
      const entries = await auditLog.list({
        afterSeq: Number(request.query.after ?? 0) || 0,
        limit: Number(request.query.limit ?? 100) || 100,
      })
      return {
        object: 'list',
        data: entries.map((e) => ({
          seq: e.seq,
          at: toUnixSeconds(e.at),
          actor: e.actor,
          action: e.action,
          target: e.target,
          details: JSON.parse(e.details) as unknown,
          prev_hash: e.prevHash,
          hash: e.hash,
        })),
      }
    },
  )

  app.get('/api/admin/audit/verify', async (request) => {
    await requireAdmin(request)
    await auditLog.flush()
    return toAuditVerificationDto(await auditLog.verify())
  })
}
