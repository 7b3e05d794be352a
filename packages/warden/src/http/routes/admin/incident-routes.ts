import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AdminRole, AdminUser, AdminUsers, Organizations } from '../../../access/index.js'
import {
  dailyUsageQuerySchema,
  incidentListQuerySchema,
  incidentMoveRequestSchema,
  incidentNoteRequestSchema,
  liftMitigationRequestSchema,
  toIncidentDto,
  toIncidentNoteDto,
  toMitigationDto,
  type DailyUsageDto,
  type IncidentDetailDto,
} from '../../../contract/index.js'
import { WardenError } from '../../../domain/index.js'
import {
  dailyUsage,
  type IncidentMove,
  type Incidents,
  type Mitigations,
} from '../../../monitoring/index.js'
import { parseBody } from '../../../pipeline/index.js'
import type { Store } from '../../../store/index.js'
import { bearerToken } from '../../bearer.js'

export interface IncidentRouteDeps {
  readonly adminUsers: AdminUsers
  readonly organizations: Organizations
  readonly incidents: Incidents
  readonly mitigations: Mitigations
  readonly store: Pick<Store, 'db'>
  readonly now: () => number
}

const DAY_MS = 86_400_000

/**
 * `/api/admin/incidents*`: what monitoring raised, for staff. Reviewers and admins list, read,
 * acknowledge and annotate; admins also mark mitigated, close and lift mitigations. Every change
 * is audited. `/api/admin/usage/daily`: usage per application, day and model (admins).
 */
export function registerIncidentRoutes(app: FastifyInstance, deps: IncidentRouteDeps): void {
  const { adminUsers, incidents, mitigations } = deps

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
  const staff = (request: FastifyRequest) => requireRole(request, ['admin', 'reviewer'])
  const admin = (request: FastifyRequest) => requireRole(request, ['admin'])

  async function detail(id: string): Promise<IncidentDetailDto> {
    const incident = await incidents.get(id)
    return {
      ...toIncidentDto(incident),
      notes: (await incidents.notes(id)).map(toIncidentNoteDto),
      mitigations: (await mitigations.of(id)).map(toMitigationDto),
    }
  }

  async function orgIdOf(ref: string): Promise<string> {
    const org = await deps.organizations.findOrganization(ref)
    if (!org) throw new WardenError('not_found', `No organization "${ref}".`, { param: 'org' })
    return org.id
  }

  app.get('/api/admin/incidents', async (request) => {
    await staff(request)
    const query = parseBody(incidentListQuerySchema, request.query)
    const list = await incidents.list({
      ...(query.status ? { status: query.status } : {}),
      ...(query.detector ? { detector: query.detector } : {}),
      ...(query.severity ? { severity: query.severity } : {}),
      ...(query.subject_kind ? { subjectKind: query.subject_kind } : {}),
      ...(query.subject_id ? { subjectId: query.subject_id } : {}),
      ...(query.org ? { orgId: await orgIdOf(query.org) } : {}),
      limit: query.limit,
    })
    return { object: 'list', data: list.map(toIncidentDto) }
  })

  app.get<{ Params: { id: string } }>('/api/admin/incidents/:id', async (request) => {
    await staff(request)
    return detail(request.params.id)
  })

  const moves: ReadonlyArray<{ path: string; move: IncidentMove; roles: 'staff' | 'admin' }> = [
    { path: 'acknowledge', move: 'acknowledge', roles: 'staff' },
    { path: 'mitigate', move: 'mitigate', roles: 'admin' },
    { path: 'close', move: 'close', roles: 'admin' },
  ]
  for (const { path, move, roles } of moves) {
    app.post<{ Params: { id: string } }>(`/api/admin/incidents/:id/${path}`, async (request) => {
      const user = await (roles === 'admin' ? admin(request) : staff(request))
      const body = parseBody(incidentMoveRequestSchema, request.body ?? {})
      const actor = `admin:${user.id}`
      if (body.lift && move !== 'close') {
        throw new WardenError('invalid_request_error', 'lift applies only when closing', {
          param: 'lift',
        })
      }
      await incidents.move(request.params.id, move, {
        actor,
        ...(body.note === undefined ? {} : { note: body.note }),
        ...(body.owner === undefined ? {} : { owner: body.owner }),
      })
      if (body.lift) {
        await mitigations.liftAll(request.params.id, {
          actor,
          reason: body.note ?? 'lifted when the incident was closed',
        })
      }
      return detail(request.params.id)
    })
  }

  app.post<{ Params: { id: string } }>('/api/admin/incidents/:id/notes', async (request, reply) => {
    const user = await staff(request)
    const { text } = parseBody(incidentNoteRequestSchema, request.body)
    const note = await incidents.addNote(request.params.id, `admin:${user.id}`, text)
    return reply.code(201).send(toIncidentNoteDto(note))
  })

  app.post<{ Params: { id: string } }>('/api/admin/mitigations/:id/lift', async (request) => {
    const user = await admin(request)
    const { reason } = parseBody(liftMitigationRequestSchema, request.body)
    return toMitigationDto(
      await mitigations.lift(request.params.id, { actor: `admin:${user.id}`, reason }),
    )
  })

  app.get('/api/admin/usage/daily', async (request) => {
    await admin(request)
    const query = parseBody(dailyUsageQuerySchema, request.query)
    const orgId = await orgIdOf(query.org)
    let appId: string | undefined
    if (query.app !== undefined) {
      const found = await deps.organizations.findApplication(orgId, query.app)
      if (!found) {
        throw new WardenError('not_found', `No application "${query.app}".`, { param: 'app' })
      }
      appId = found.id
    }
    const to = query.to === undefined ? deps.now() : Date.parse(`${query.to}T00:00:00Z`)
    const from = query.from === undefined ? to - 29 * DAY_MS : Date.parse(`${query.from}T00:00:00Z`)
    if (from > to || to - from > 366 * DAY_MS) {
      throw new WardenError(
        'invalid_request_error',
        'from must be on or before to, at most 366 days apart',
        { param: 'from' },
      )
    }
    const rows = await dailyUsage(deps.store.db, {
      orgId,
      ...(appId === undefined ? {} : { appId }),
      from,
      to,
    })
    const data: DailyUsageDto[] = rows.map((r) => ({
      app_id: r.appId,
      day: r.day,
      model: r.model,
      requests: r.requests,
      ok: r.ok,
      refused: r.refused,
      errors: r.errors,
      prompt_tokens: r.promptTokens,
      completion_tokens: r.completionTokens,
      blocked_or_flagged: r.blockedOrFlagged,
    }))
    return { object: 'list', data }
  })
}
