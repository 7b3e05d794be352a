import type { Kysely, Selectable } from 'kysely'
import {
  APPLICATION_STATUSES,
  WardenError,
  type ApplicationStatus,
  type AuditSink,
} from '../domain/index.js'
import type { ChangeFeed, Database } from '../store/index.js'
import { createId } from './ids.js'

/** An organization as the admin API shows it. */
export interface Organization {
  readonly id: string
  readonly name: string
  readonly createdAt: number
}

/** An application of an organization: the unit that holds keys. */
export interface Application {
  readonly id: string
  readonly orgId: string
  readonly name: string
  readonly createdAt: number
  /** Its tier in the usage policy; null means the policy's default tier (the sandbox). */
  readonly tier: string | null
  readonly status: ApplicationStatus
}

type ApplicationRow = Database['application']

function toApplication(row: Selectable<ApplicationRow>): Application {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    createdAt: row.created_at,
    tier: row.tier,
    status: (APPLICATION_STATUSES as readonly string[]).includes(row.status)
      ? (row.status as ApplicationStatus)
      : 'suspended',
  }
}

export interface OrganizationDeps {
  readonly db: Kysely<Database>
  readonly audit: AuditSink
  readonly now: () => number
  /** The store's test for a duplicate-key error, so a race ends in 409 rather than 500. */
  readonly isUniqueViolation: (error: unknown) => boolean
  /** Moved when an application's tier or status changes, so cached keys follow at once. */
  readonly changes: ChangeFeed
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/

/** The shape of every Warden id (`createId`): a lookup by id-or-name must never be ambiguous. */
const ID_SHAPED = /^(org|app|key|usr)_[A-Za-z0-9_-]{16}$/

function checkName(name: string, param: string): void {
  if (!NAME.test(name)) {
    throw new WardenError(
      'invalid_request_error',
      `${param} must be 1-100 characters: letters, digits, space, dot, dash or underscore`,
      { param },
    )
  }
  if (ID_SHAPED.test(name)) refuseIdName(name, param)
}

function refuseIdName(name: string, param: string): never {
  throw new WardenError(
    'invalid_request_error',
    `${param} "${name}" looks like a Warden id; ids and names share one lookup, so choose another ${param}`,
    { param },
  )
}

/** Creates, finds and lists organizations and their applications. */
export function createOrganizations(deps: OrganizationDeps) {
  const { db, audit, now, isUniqueViolation, changes } = deps

  /** Runs an insert; a duplicate name (also one raced in by another request) is a 409. */
  async function insertUnique(
    insert: () => Promise<unknown>,
    what: string,
    name: string,
  ): Promise<void> {
    try {
      await insert()
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new WardenError('conflict', `${what} "${name}" already exists`, {
          param: 'name',
          cause: error,
        })
      }
      throw error
    }
  }

  /** Refuses a name equal to any organization's or application's id (older ids included). */
  async function checkNotAnId(name: string): Promise<void> {
    const [org, app] = await Promise.all([
      db.selectFrom('organization').select('id').where('id', '=', name).executeTakeFirst(),
      db.selectFrom('application').select('id').where('id', '=', name).executeTakeFirst(),
    ])
    if (org ?? app) refuseIdName(name, 'name')
  }

  async function findOrganization(idOrName: string): Promise<Organization | undefined> {
    const row = await db
      .selectFrom('organization')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst()
    return row && { id: row.id, name: row.name, createdAt: row.created_at }
  }

  async function findApplication(
    orgId: string,
    idOrName: string,
  ): Promise<Application | undefined> {
    const row = await db
      .selectFrom('application')
      .selectAll()
      .where('org_id', '=', orgId)
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst()
    return row && toApplication(row)
  }

  return {
    findOrganization,
    findApplication,

    /** One application by id; 404 when there is none. */
    async getApplication(appId: string): Promise<Application> {
      const row = await db
        .selectFrom('application')
        .selectAll()
        .where('id', '=', appId)
        .executeTakeFirst()
      if (!row) throw new WardenError('not_found', `No application "${appId}".`, { param: 'app' })
      return toApplication(row)
    },

    /** Creates an organization; a taken name is a 409. */
    async createOrganization(name: string, actor: string): Promise<Organization> {
      checkName(name, 'name')
      await checkNotAnId(name)
      const org = { id: createId('org'), name, createdAt: now() }
      await insertUnique(
        () =>
          db
            .insertInto('organization')
            .values({ id: org.id, name, created_at: org.createdAt })
            .execute(),
        'organization',
        name,
      )
      await audit.appendNow({
        actor,
        action: 'organization.create',
        target: org.id,
        details: { name },
      })
      return org
    },

    async listOrganizations(): Promise<Organization[]> {
      const rows = await db.selectFrom('organization').selectAll().orderBy('created_at').execute()
      return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }))
    },

    /** Creates an application in an organization; a taken name there is a 409. */
    async createApplication(orgId: string, name: string, actor: string): Promise<Application> {
      checkName(name, 'name')
      await checkNotAnId(name)
      const app: Application = {
        id: createId('app'),
        orgId,
        name,
        createdAt: now(),
        tier: null,
        status: 'active',
      }
      await insertUnique(
        () =>
          db
            .insertInto('application')
            .values({ id: app.id, org_id: orgId, name, created_at: app.createdAt, tier: null })
            .execute(),
        'application',
        name,
      )
      await audit.appendNow({
        actor,
        action: 'application.create',
        target: app.id,
        details: { org_id: orgId, name },
      })
      return app
    },

    async listApplications(orgId: string): Promise<Application[]> {
      const rows = await db
        .selectFrom('application')
        .selectAll()
        .where('org_id', '=', orgId)
        .orderBy('created_at')
        .execute()
      return rows.map(toApplication)
    },

    /**
     * Sets an application's tier (a tier id of the current policy, checked by the caller), with
     * the reason in the audit entry. The application's cached keys follow on their next request.
     */
    setTier(
      appId: string,
      tier: string,
      input: { readonly actor: string; readonly reason: string },
    ): Promise<Application> {
      return change(appId, { tier }, 'application.set_tier', input)
    },

    /** Sets whether an application's keys work at all; audited with the reason. */
    setStatus(
      appId: string,
      status: ApplicationStatus,
      input: {
        readonly actor: string
        readonly reason: string
        readonly clauses?: readonly string[]
      },
    ): Promise<Application> {
      return change(appId, { status }, 'application.set_status', input)
    },
  }

  /** One audited change of an application's tier or status, with its reason. */
  async function change(
    appId: string,
    set: { readonly tier: string } | { readonly status: ApplicationStatus },
    action: string,
    input: {
      readonly actor: string
      readonly reason: string
      readonly clauses?: readonly string[]
    },
  ): Promise<Application> {
    const reason = checkReason(input.reason)
    const before = await db
      .selectFrom('application')
      .selectAll()
      .where('id', '=', appId)
      .executeTakeFirst()
    if (!before) throw new WardenError('not_found', `No application "${appId}".`, { param: 'app' })
    await db.updateTable('application').set(set).where('id', '=', appId).execute()
    await changes.announce()
    const field = 'tier' in set ? 'tier' : 'status'
    await audit.appendNow({
      actor: input.actor,
      action,
      target: appId,
      details: {
        org_id: before.org_id,
        from: before[field],
        to: 'tier' in set ? set.tier : set.status,
        reason,
        ...(input.clauses ? { clauses: input.clauses } : {}),
      },
    })
    return toApplication({ ...before, ...set })
  }
}

const MAX_REASON = 2000

function checkReason(reason: string): string {
  const trimmed = typeof reason === 'string' ? reason.trim() : ''
  if (trimmed.length === 0 || trimmed.length > MAX_REASON) {
    throw new WardenError(
      'invalid_request_error',
      `reason must be 1-${MAX_REASON} characters: say why, for the audit log`,
      { param: 'reason' },
    )
  }
  return trimmed
}

/** The organization and application operations. */
export type Organizations = ReturnType<typeof createOrganizations>
