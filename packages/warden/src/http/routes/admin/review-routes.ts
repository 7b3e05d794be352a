import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  REVIEW_STATES,
  type AdminRole,
  type AdminUser,
  type AdminUsers,
  type Organizations,
  type ReviewState,
  type UseCaseApplications,
} from '../../../access/index.js'
import {
  inviteRequestSchema,
  reviewDecisionRequestSchema,
  STANDING_ACTIONS,
  standingRequestSchema,
  toInvitedUserDto,
  toUseCaseApplicationDto,
} from '../../../contract/index.js'
import { WardenError } from '../../../domain/index.js'
import { parseBody } from '../../../pipeline/index.js'
import { bearerToken } from '../../bearer.js'

export interface ReviewRouteDeps {
  readonly adminUsers: AdminUsers
  readonly organizations: Organizations
  readonly useCaseApplications: UseCaseApplications
}

/** `/api/admin/applications*` for reviewers and admins, `/api/admin/users` for admins. */
export function registerReviewRoutes(app: FastifyInstance, deps: ReviewRouteDeps): void {
  const { adminUsers, organizations, useCaseApplications } = deps

  async function requireRole(
    request: FastifyRequest,
    roles: readonly AdminRole[],
  ): Promise<AdminUser> {
    const user = await adminUsers.authenticate(bearerToken(request.headers.authorization))
    if (!roles.includes(user.role)) {
      throw new WardenError('forbidden', `This needs one of the roles: ${roles.join(', ')}.`)
    }
    return user
  }
  const reviewer = (request: FastifyRequest) => requireRole(request, ['admin', 'reviewer'])
  const staff = (user: AdminUser) => ({ kind: 'staff', userId: user.id }) as const

  app.get<{ Querystring: { state?: string } }>('/api/admin/applications', async (request) => {
    await reviewer(request)
    const state = request.query.state
    if (state !== undefined && !(REVIEW_STATES as readonly string[]).includes(state)) {
      throw new WardenError(
        'invalid_request_error',
        `state must be one of ${REVIEW_STATES.join(', ')}`,
        {
          param: 'state',
        },
      )
    }
    const list = await useCaseApplications.list(
      state === undefined ? {} : { state: state as ReviewState },
    )
    return { object: 'list', data: list.map(toUseCaseApplicationDto) }
  })

  app.get<{ Params: { id: string } }>('/api/admin/applications/:id', async (request) => {
    const user = await reviewer(request)
    return toUseCaseApplicationDto(await useCaseApplications.get(request.params.id, staff(user)))
  })

  app.post<{ Params: { id: string } }>('/api/admin/applications/:id/decision', async (request) => {
    const user = await reviewer(request)
    const body = parseBody(reviewDecisionRequestSchema, request.body)
    return toUseCaseApplicationDto(
      await useCaseApplications.decide(request.params.id, {
        decision: body.decision,
        reason: body.reason,
        clauses: body.clauses,
        tier: body.tier,
        conditions: body.conditions,
        actor: staff(user),
      }),
    )
  })

  for (const action of STANDING_ACTIONS) {
    app.post<{ Params: { id: string } }>(
      `/api/admin/applications/:id/${action}`,
      async (request) => {
        const user = await reviewer(request)
        const body = parseBody(standingRequestSchema, request.body)
        return toUseCaseApplicationDto(
          await useCaseApplications.setStanding(request.params.id, action, {
            reason: body.reason,
            clauses: body.clauses,
            actor: staff(user),
          }),
        )
      },
    )
  }

  app.get('/api/admin/users', async (request) => {
    await requireRole(request, ['admin'])
    const users = await adminUsers.listUsers()
    return {
      object: 'list',
      data: users.map((u) => ({ id: u.id, username: u.username, role: u.role, org_id: u.orgId })),
    }
  })

  app.post('/api/admin/users', async (request, reply) => {
    const user = await requireRole(request, ['admin'])
    const body = parseBody(inviteRequestSchema, request.body)
    let orgId: string | null = null
    if (body.org !== undefined) {
      const org = await organizations.findOrganization(body.org)
      if (!org)
        throw new WardenError('not_found', `No organization "${body.org}".`, { param: 'org' })
      orgId = org.id
    }
    const invited = await adminUsers.invite({
      username: body.username,
      role: body.role,
      orgId,
      actor: `admin:${user.id}`,
    })
    return reply.code(201).send(toInvitedUserDto(invited))
  })
}
