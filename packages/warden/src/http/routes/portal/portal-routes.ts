import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  isMemberRole,
  type AdminUser,
  type AdminUsers,
  type ApiKeys,
  type Organizations,
  type ReviewActor,
  type UseCaseApplications,
  type Webhooks,
} from '../../../access/index.js'
import {
  acceptPolicyRequestSchema,
  appealRequestSchema,
  createApplicationRequestSchema,
  createKeyRequestSchema,
  fromCreateKeyRequest,
  createUseCaseApplicationRequestSchema,
  memberInviteRequestSchema,
  toApiKeyDto,
  toApplicationDto,
  toInvitedUserDto,
  toPolicyAcceptanceDto,
  toPolicyVersionDto,
  toUseCaseApplicationDto,
  updateUseCaseApplicationRequestSchema,
  webhookRequestSchema,
} from '../../../contract/index.js'
import { WardenError } from '../../../domain/index.js'
import { parseBody } from '../../../pipeline/index.js'
import { acceptanceIsCurrent, type PolicyVersions } from '../../../policy/index.js'
import { bearerToken } from '../../bearer.js'
import { usageOf, type UsageViewDeps } from '../usage-view.js'

export interface PortalRouteDeps extends UsageViewDeps {
  readonly organizations: Organizations
  readonly apiKeys: ApiKeys
  readonly adminUsers: AdminUsers
  readonly policyVersions: PolicyVersions
  readonly useCaseApplications: UseCaseApplications
  readonly webhooks: Webhooks
  readonly now: () => number
}

/** A signed-in member and their organization: everything here is scoped to it. */
interface Member {
  readonly user: AdminUser
  readonly orgId: string
  readonly owner: boolean
  readonly actor: ReviewActor
}

/**
 * `/api/portal/*`: self-service for an organization's members. Every route acts on the
 * signed-in member's own organization only: there is no organization in any path, and an id
 * of another organization's object answers 404, as one that does not exist.
 */
export function registerPortalRoutes(app: FastifyInstance, deps: PortalRouteDeps): void {
  const { organizations, apiKeys, adminUsers, policyVersions, useCaseApplications, webhooks } = deps

  async function requireMember(request: FastifyRequest, owner = false): Promise<Member> {
    const user = await adminUsers.authenticate(bearerToken(request.headers.authorization))
    if (!isMemberRole(user.role) || user.orgId === null) {
      throw new WardenError('forbidden', 'The portal is for members of an organization.')
    }
    if (owner && user.role !== 'org_owner') {
      throw new WardenError('forbidden', 'This needs the owner role in your organization.')
    }
    return {
      user,
      orgId: user.orgId,
      owner: user.role === 'org_owner',
      actor: {
        kind: 'member',
        userId: user.id,
        orgId: user.orgId,
        owner: user.role === 'org_owner',
      },
    }
  }

  async function ownApp(member: Member, idOrName: string) {
    const found = await organizations.findApplication(member.orgId, idOrName)
    if (!found)
      throw new WardenError('not_found', `No application "${idOrName}".`, { param: 'app' })
    return found
  }

  app.get('/api/portal/me', async (request) => {
    const member = await requireMember(request)
    const org = await organizations.findOrganization(member.orgId)
    return {
      id: member.user.id,
      username: member.user.username,
      role: member.user.role,
      organization: org && { id: org.id, name: org.name },
    }
  })

  app.get('/api/portal/policy', async (request) => {
    const member = await requireMember(request)
    const current = await policyVersions.current()
    const acceptances = await policyVersions.acceptances(member.orgId)
    const accepted = acceptances[0]?.version ?? null
    const snapshot = policyVersions.snapshot()
    return {
      current: current && toPolicyVersionDto(current),
      accepted_version: accepted,
      required_version: snapshot.required.version,
      required_by: Math.floor(snapshot.required.deadline / 1000),
      production_allowed: acceptanceIsCurrent(snapshot, accepted, deps.now()),
      acceptances: acceptances.map(toPolicyAcceptanceDto),
    }
  })

  app.post('/api/portal/policy/accept', async (request, reply) => {
    const member = await requireMember(request, true)
    const { version } = parseBody(acceptPolicyRequestSchema, request.body ?? {})
    const accepted = await policyVersions.accept(member.orgId, `member:${member.user.id}`, version)
    return reply.code(201).send(toPolicyAcceptanceDto(accepted))
  })

  app.get<{ Querystring: { app?: string } }>('/api/portal/usage', async (request) => {
    const member = await requireMember(request)
    return usageOf(deps, member.orgId, request.query.app)
  })

  app.get('/api/portal/members', async (request) => {
    const member = await requireMember(request)
    const users = await adminUsers.listUsers({ orgId: member.orgId })
    return {
      object: 'list',
      data: users.map((u) => ({ id: u.id, username: u.username, role: u.role })),
    }
  })

  app.post('/api/portal/members', async (request, reply) => {
    const member = await requireMember(request, true)
    const body = parseBody(memberInviteRequestSchema, request.body)
    const invited = await adminUsers.invite({
      username: body.username,
      role: body.role,
      orgId: member.orgId,
      actor: `member:${member.user.id}`,
    })
    return reply.code(201).send(toInvitedUserDto(invited))
  })

  app.get('/api/portal/webhook', async (request) => {
    const member = await requireMember(request)
    const endpoint = await webhooks.getEndpoint(member.orgId)
    if (!endpoint) throw new WardenError('not_found', 'No webhook is set for your organization.')
    return { url: endpoint.url, created_at: Math.floor(endpoint.createdAt / 1000) }
  })

  app.put('/api/portal/webhook', async (request) => {
    const member = await requireMember(request, true)
    const { url } = parseBody(webhookRequestSchema, request.body)
    const set = await webhooks.setEndpoint(member.orgId, url, `member:${member.user.id}`)
    return { url: set.url, secret: set.secret, created_at: Math.floor(set.createdAt / 1000) }
  })

  app.delete('/api/portal/webhook', async (request, reply) => {
    const member = await requireMember(request, true)
    await webhooks.removeEndpoint(member.orgId, `member:${member.user.id}`)
    return reply.code(204).send()
  })

  app.get('/api/portal/webhook/deliveries', async (request) => {
    const member = await requireMember(request)
    const rows = await webhooks.deliveries(member.orgId)
    const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000))
    return {
      object: 'list',
      data: rows.map((d) => ({
        id: d.id,
        type: d.event_type,
        created_at: seconds(d.created_at),
        attempts: d.attempts,
        next_attempt_at:
          d.delivered_at === null && d.failed_at === null ? seconds(d.next_attempt_at) : null,
        delivered_at: seconds(d.delivered_at),
        failed_at: seconds(d.failed_at),
        last_error: d.last_error,
      })),
    }
  })

  app.get('/api/portal/apps', async (request) => {
    const member = await requireMember(request)
    return {
      object: 'list',
      data: (await organizations.listApplications(member.orgId)).map(toApplicationDto),
    }
  })

  app.post('/api/portal/apps', async (request, reply) => {
    const member = await requireMember(request)
    const { name } = parseBody(createApplicationRequestSchema, request.body)
    const created = await organizations.createApplication(
      member.orgId,
      name,
      `member:${member.user.id}`,
    )
    return reply.code(201).send(toApplicationDto(created))
  })

  app.get<{ Params: { app: string } }>('/api/portal/apps/:app/keys', async (request) => {
    const member = await requireMember(request)
    const found = await ownApp(member, request.params.app)
    return { object: 'list', data: (await apiKeys.listKeys({ appId: found.id })).map(toApiKeyDto) }
  })

  app.post<{ Params: { app: string } }>('/api/portal/apps/:app/keys', async (request, reply) => {
    const member = await requireMember(request)
    const found = await ownApp(member, request.params.app)
    const body = parseBody(createKeyRequestSchema, request.body)
    const created = await apiKeys.createKey({
      appId: found.id,
      orgId: member.orgId,
      ...fromCreateKeyRequest(body),
      actor: `member:${member.user.id}`,
    })
    return reply.code(201).send({ key: created.key, ...toApiKeyDto(created.info) })
  })

  app.post<{ Params: { id: string } }>('/api/portal/keys/:id/revoke', async (request) => {
    const member = await requireMember(request)
    const found = await apiKeys.findKey(request.params.id)
    if (!found || found.orgId !== member.orgId) {
      throw new WardenError('not_found', `No API key "${request.params.id}".`, { param: 'id' })
    }
    return toApiKeyDto(await apiKeys.revokeKey(found.id, `member:${member.user.id}`))
  })

  app.get('/api/portal/applications', async (request) => {
    const member = await requireMember(request)
    return {
      object: 'list',
      data: (await useCaseApplications.list({ orgId: member.orgId })).map(toUseCaseApplicationDto),
    }
  })

  app.post('/api/portal/applications', async (request, reply) => {
    const member = await requireMember(request)
    const body = parseBody(createUseCaseApplicationRequestSchema, request.body)
    const target =
      (await organizations.findApplication(member.orgId, body.app)) ??
      (await organizations.createApplication(member.orgId, body.app, `member:${member.user.id}`))
    const created = await useCaseApplications.create({
      orgId: member.orgId,
      appId: target.id,
      form: body.form,
      actor: member.actor,
    })
    return reply.code(201).send(toUseCaseApplicationDto(created))
  })

  app.get<{ Params: { id: string } }>('/api/portal/applications/:id', async (request) => {
    const member = await requireMember(request)
    return toUseCaseApplicationDto(await useCaseApplications.get(request.params.id, member.actor))
  })

  app.put<{ Params: { id: string } }>('/api/portal/applications/:id', async (request) => {
    const member = await requireMember(request)
    // Another organization's id is a 404 before the body is looked at.
    await useCaseApplications.get(request.params.id, member.actor)
    const { form } = parseBody(updateUseCaseApplicationRequestSchema, request.body)
    return toUseCaseApplicationDto(
      await useCaseApplications.update(request.params.id, form, member.actor),
    )
  })

  app.post<{ Params: { id: string } }>('/api/portal/applications/:id/submit', async (request) => {
    const member = await requireMember(request)
    return toUseCaseApplicationDto(
      await useCaseApplications.submit(request.params.id, member.actor),
    )
  })

  app.post<{ Params: { id: string } }>('/api/portal/applications/:id/appeal', async (request) => {
    const member = await requireMember(request, true)
    await useCaseApplications.get(request.params.id, member.actor)
    const { reason } = parseBody(appealRequestSchema, request.body)
    return toUseCaseApplicationDto(
      await useCaseApplications.appeal(request.params.id, reason, member.actor),
    )
  })
}
