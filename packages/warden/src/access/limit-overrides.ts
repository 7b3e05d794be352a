import type { Kysely } from 'kysely'
import { limitOverridesSchema } from '../contract/index.js'
import {
  WardenError,
  type AuditSink,
  type LimitLevel,
  type LimitOverrides,
} from '../domain/index.js'
import type { ChangeFeed, Database } from '../store/index.js'

export interface LimitOverrideDeps {
  readonly db: Kysely<Database>
  readonly audit: AuditSink
  /** Moved on every change, so cached keys (which carry their limits) follow at once. */
  readonly changes: ChangeFeed
}

/** The table that holds each level's overrides. */
const TABLE = { key: 'api_key', app: 'application', org: 'organization' } as const

const NOUN = { key: 'API key', app: 'application', org: 'organization' } as const

/**
 * Reads stored overrides. Stored JSON is checked again: a row edited by hand into something
 * else is ignored (no override) rather than trusted.
 */
export function parseStoredLimits(text: string | null): LimitOverrides | null {
  if (text === null) return null
  try {
    const parsed = limitOverridesSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/** Nothing in it: the same as no override. */
function isEmpty(overrides: LimitOverrides): boolean {
  return (
    Object.keys(overrides.limits ?? {}).length === 0 &&
    Object.keys(overrides.models ?? {}).length === 0
  )
}

/** Sets, reads and clears the limits of one key, application or organization; audited. */
export function createLimitOverrides(deps: LimitOverrideDeps) {
  const { db, audit, changes } = deps

  async function read(level: LimitLevel, id: string): Promise<string | null> {
    const row = await db
      .selectFrom(TABLE[level])
      .select('limits')
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) {
      throw new WardenError('not_found', `no ${NOUN[level]} with id "${id}"`, { param: 'id' })
    }
    return row.limits
  }

  async function write(
    level: LimitLevel,
    id: string,
    overrides: LimitOverrides | null,
    actor: string,
  ): Promise<LimitOverrides | null> {
    await read(level, id)
    const stored = overrides === null || isEmpty(overrides) ? null : overrides
    await db
      .updateTable(TABLE[level])
      .set({ limits: stored === null ? null : JSON.stringify(stored) })
      .where('id', '=', id)
      .execute()
    await changes.announce()
    await audit.appendNow({
      actor,
      action: stored === null ? 'limits.clear' : 'limits.set',
      target: id,
      details: { level, overrides: stored },
    })
    return stored
  }

  /** Keys with what the limits need of them, their application and organization. */
  const subjectRows = () =>
    db
      .selectFrom('api_key')
      .innerJoin('application', 'application.id', 'api_key.app_id')
      .innerJoin('organization', 'organization.id', 'api_key.org_id')
      .select([
        'api_key.id',
        'api_key.prefix',
        'api_key.app_id',
        'api_key.org_id',
        'application.name as app_name',
        'application.tier',
        'api_key.limits as key_limits',
        'application.limits as app_limits',
        'organization.limits as org_limits',
      ])

  type SubjectRow = Awaited<ReturnType<ReturnType<typeof subjectRows>['executeTakeFirstOrThrow']>>
  const toSubject = (row: SubjectRow) => ({
    keyId: row.id,
    keyPrefix: row.prefix,
    appId: row.app_id,
    appName: row.app_name,
    orgId: row.org_id,
    tier: row.tier,
    limits: {
      key: parseStoredLimits(row.key_limits),
      app: parseStoredLimits(row.app_limits),
      org: parseStoredLimits(row.org_limits),
    },
  })

  return {
    /**
     * Every usable key of an organization (of one application, when given) as `subjectOfKey`
     * gives it, for a usage view of the whole organization. Revoked keys are left out.
     */
    async subjectsOf(orgId: string, appId?: string) {
      let query = subjectRows()
        .where('api_key.org_id', '=', orgId)
        .where('api_key.revoked_at', 'is', null)
      if (appId !== undefined) query = query.where('api_key.app_id', '=', appId)
      const rows = await query.orderBy('api_key.created_at').limit(1_000).execute()
      return rows.map(toSubject)
    },

    /**
     * A key's ids, its application's tier and every level's overrides, by key id: what the
     * limiter's usage view (`limiter.usage`) needs without the key's secret. Undefined if none.
     */
    async subjectOfKey(keyId: string) {
      const row = await subjectRows().where('api_key.id', '=', keyId).executeTakeFirst()
      return row && toSubject(row)
    },

    /** The overrides of one key, application or organization; null when none are set. */
    async get(level: LimitLevel, id: string): Promise<LimitOverrides | null> {
      return parseStoredLimits(await read(level, id))
    },

    /** Replaces the overrides (checked by the schema); running servers apply them at once. */
    set(
      level: LimitLevel,
      id: string,
      overrides: LimitOverrides,
      actor: string,
    ): Promise<LimitOverrides | null> {
      const parsed = limitOverridesSchema.safeParse(overrides)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        throw new WardenError(
          'invalid_request_error',
          `Invalid limits: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
          { param: issue?.path.join('.') ?? null },
        )
      }
      return write(level, id, parsed.data, actor)
    },

    /** Removes every override of one key, application or organization. */
    async clear(level: LimitLevel, id: string, actor: string): Promise<void> {
      await write(level, id, null, actor)
    },
  }
}

/** Limit overrides per key, application and organization. */
export type LimitOverrideStore = ReturnType<typeof createLimitOverrides>
