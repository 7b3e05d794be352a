import type { Kysely } from 'kysely'
import {
  APPLICATION_STATUSES,
  WardenError,
  type ApplicationStatus,
  type AuditSink,
  type Principal,
} from '../domain/index.js'
import type { ChangeFeed, Database } from '../store/index.js'
import { createId, createSecret, hashSecret } from './ids.js'
import { parseStoredLimits } from './limit-overrides.js'

export const KEY_PREFIX = 'wdn_'
/** Random bytes in a key: 32 bytes, 256 bits. */
const KEY_BYTES = 32
const DISPLAY_LENGTH = KEY_PREFIX.length + 8

/** A key as listed: never the key itself, only its display prefix. */
export interface ApiKeyInfo {
  readonly id: string
  readonly appId: string
  readonly orgId: string
  readonly name: string | null
  readonly prefix: string
  readonly allowedModels: readonly string[] | null
  readonly expiresAt: number | null
  readonly revokedAt: number | null
  /** When the key was suspended (monitoring or an admin), while it is; null otherwise. */
  readonly suspendedAt: number | null
  readonly createdAt: number
}

/** A key just created: the only time the secret exists outside the client. */
export interface CreatedApiKey {
  readonly key: string
  readonly info: ApiKeyInfo
}

export interface CreateKeyInput {
  readonly appId: string
  readonly orgId: string
  readonly name?: string | null
  readonly allowedModels?: readonly string[] | null
  readonly expiresAt?: number | null
  readonly actor: string
}

export interface ApiKeyDeps {
  readonly db: Kysely<Database>
  readonly audit: AuditSink
  readonly now: () => number
  /** Moves when any process changes keys; the cache of resolved keys follows it. */
  readonly changes: ChangeFeed
}

// Limits are read and written only through `limit-overrides.ts`.
type KeyRow = Omit<Database['api_key'], 'limits' | 'suspended_at'>

/** A key as the request path needs it, cached by its secret. */
interface CachedKey {
  readonly revoked: boolean
  readonly suspended: boolean
  readonly expiresAt: number | null
  readonly principal: Principal
}

const MAX_CACHED_KEYS = 10_000

/** A stored status; anything unknown is treated as suspended, never as active. */
function toApplicationStatus(status: string): ApplicationStatus {
  return (APPLICATION_STATUSES as readonly string[]).includes(status)
    ? (status as ApplicationStatus)
    : 'suspended'
}

function toInfo(row: KeyRow & { readonly suspended_at?: number | null }): ApiKeyInfo {
  return {
    id: row.id,
    appId: row.app_id,
    orgId: row.org_id,
    name: row.name,
    prefix: row.prefix,
    allowedModels:
      row.allowed_models === null ? null : (JSON.parse(row.allowed_models) as string[]),
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    suspendedAt: row.suspended_at ?? null,
    createdAt: row.created_at,
  }
}

/** Creates, lists, revokes and resolves API keys. Keys are stored as SHA-256 hashes only. */
export function createApiKeys(deps: ApiKeyDeps) {
  const { db, audit, now, changes } = deps
  const cache = new Map<string, CachedKey>()
  let cacheVersion = changes.version()

  return {
    async createKey(input: CreateKeyInput): Promise<CreatedApiKey> {
      if (input.expiresAt != null && input.expiresAt <= now()) {
        throw new WardenError('invalid_request_error', 'expires_at must be in the future', {
          param: 'expires_at',
        })
      }
      const key = createSecret(KEY_PREFIX, KEY_BYTES)
      const row: KeyRow = {
        id: createId('key'),
        app_id: input.appId,
        org_id: input.orgId,
        name: input.name ?? null,
        prefix: key.slice(0, DISPLAY_LENGTH),
        hash: hashSecret(key),
        allowed_models:
          input.allowedModels == null ? null : JSON.stringify([...input.allowedModels]),
        expires_at: input.expiresAt ?? null,
        revoked_at: null,
        created_at: now(),
      }
      await db.insertInto('api_key').values(row).execute()
      await audit.appendNow({
        actor: input.actor,
        action: 'key.create',
        target: row.id,
        details: {
          app_id: row.app_id,
          prefix: row.prefix,
          allowed_models: input.allowedModels ?? null,
        },
      })
      return { key, info: toInfo(row) }
    },

    async listKeys(filter: { orgId?: string; appId?: string } = {}): Promise<ApiKeyInfo[]> {
      let query = db.selectFrom('api_key').selectAll().orderBy('created_at')
      if (filter.orgId !== undefined) query = query.where('org_id', '=', filter.orgId)
      if (filter.appId !== undefined) query = query.where('app_id', '=', filter.appId)
      return (await query.execute()).map(toInfo)
    },

    async findKey(idOrPrefix: string): Promise<ApiKeyInfo | undefined> {
      const row = await db
        .selectFrom('api_key')
        .selectAll()
        .where((eb) => eb.or([eb('id', '=', idOrPrefix), eb('prefix', '=', idOrPrefix)]))
        .executeTakeFirst()
      return row && toInfo(row)
    },

    /** Revokes a key; the next request with it is refused. Revoking twice is a no-op. */
    async revokeKey(id: string, actor: string): Promise<ApiKeyInfo> {
      const row = await db.selectFrom('api_key').selectAll().where('id', '=', id).executeTakeFirst()
      if (!row) throw new WardenError('not_found', `no API key with id "${id}"`, { param: 'id' })
      if (row.revoked_at !== null) return toInfo(row)
      const revokedAt = now()
      await db.updateTable('api_key').set({ revoked_at: revokedAt }).where('id', '=', id).execute()
      await changes.announce()
      await audit.appendNow({
        actor,
        action: 'key.revoke',
        target: id,
        details: { prefix: row.prefix },
      })
      return toInfo({ ...row, revoked_at: revokedAt })
    },

    /**
     * Suspends a key (its next request is refused with `api_key_suspended`) or lifts the
     * suspension; audited with the reason. Returns false when it was so already.
     */
    async setSuspended(
      id: string,
      suspended: boolean,
      input: { readonly actor: string; readonly reason: string; readonly incidentId?: string },
    ): Promise<boolean> {
      const row = await db
        .selectFrom('api_key')
        .select(['id', 'prefix', 'suspended_at'])
        .where('id', '=', id)
        .executeTakeFirst()
      if (!row) throw new WardenError('not_found', `no API key with id "${id}"`, { param: 'id' })
      if ((row.suspended_at !== null) === suspended) return false
      await db
        .updateTable('api_key')
        .set({ suspended_at: suspended ? now() : null })
        .where('id', '=', id)
        .execute()
      await changes.announce()
      await audit.appendNow({
        actor: input.actor,
        action: suspended ? 'key.suspend' : 'key.unsuspend',
        target: id,
        details: {
          prefix: row.prefix,
          reason: input.reason,
          ...(input.incidentId === undefined ? {} : { incident_id: input.incidentId }),
        },
      })
      return true
    },

    /**
     * Turns the bearer secret of a request into a principal, or throws the refusal. Found keys
     * are cached until the change feed moves, so a revocation by any process still applies to
     * the next request; expiry is checked on every request.
     */
    async resolveKey(secret: string | undefined): Promise<Principal> {
      if (secret === undefined || secret === '') {
        throw new WardenError(
          'missing_api_key',
          'You did not provide an API key. Send it as "Authorization: Bearer wdn_…".',
        )
      }
      if (!secret.startsWith(KEY_PREFIX) || secret.length > 200) {
        throw new WardenError('invalid_api_key', 'Incorrect API key provided.')
      }
      const version = changes.version()
      if (version !== cacheVersion) {
        cache.clear()
        cacheVersion = version
      }
      // Cached under the secret itself, which the process holds for the request anyway: a hit
      // costs no SHA-256 (measured: about 2 µs of a request's CPU under load).
      let entry = cache.get(secret)
      if (entry === undefined) {
        const hash = hashSecret(secret)
        const row = await db
          .selectFrom('api_key')
          .innerJoin('application', 'application.id', 'api_key.app_id')
          .innerJoin('organization', 'organization.id', 'api_key.org_id')
          .select((eb) => [
            'api_key.id',
            'api_key.app_id',
            'api_key.org_id',
            'api_key.prefix',
            'api_key.allowed_models',
            'api_key.expires_at',
            'api_key.revoked_at',
            'api_key.suspended_at',
            'application.tier',
            'application.status',
            'api_key.limits as key_limits',
            'application.limits as app_limits',
            'organization.limits as org_limits',
            eb
              .selectFrom('policy_acceptance')
              .select((sub) => sub.fn.max('policy_acceptance.version').as('version'))
              .whereRef('policy_acceptance.org_id', '=', 'api_key.org_id')
              .as('accepted_version'),
          ])
          .where('api_key.hash', '=', hash)
          .executeTakeFirst()
        // Unknown keys are not cached: a flood of random keys must not fill memory.
        if (!row) throw new WardenError('invalid_api_key', 'Incorrect API key provided.')
        entry = {
          revoked: row.revoked_at !== null,
          suspended: row.suspended_at !== null,
          expiresAt: row.expires_at,
          principal: {
            keyId: row.id,
            keyPrefix: row.prefix,
            appId: row.app_id,
            orgId: row.org_id,
            allowedModels:
              row.allowed_models === null ? null : (JSON.parse(row.allowed_models) as string[]),
            tier: row.tier,
            appStatus: toApplicationStatus(row.status),
            acceptedPolicyVersion:
              row.accepted_version === null ? null : Number(row.accepted_version),
            limits: {
              key: parseStoredLimits(row.key_limits),
              app: parseStoredLimits(row.app_limits),
              org: parseStoredLimits(row.org_limits),
            },
          },
        }
        if (cache.size >= MAX_CACHED_KEYS) cache.clear()
        if (changes.version() === cacheVersion) cache.set(secret, entry)
      }
      if (entry.revoked) {
        throw new WardenError(
          'api_key_revoked',
          `The API key ${entry.principal.keyPrefix}… has been revoked.`,
        )
      }
      if (entry.suspended) {
        throw new WardenError(
          'api_key_suspended',
          `The API key ${entry.principal.keyPrefix}… is suspended pending review of unusual ` +
            'activity. Contact the operator of this gateway.',
        )
      }
      if (entry.expiresAt !== null && entry.expiresAt <= now()) {
        throw new WardenError(
          'api_key_expired',
          `The API key ${entry.principal.keyPrefix}… has expired.`,
        )
      }
      return entry.principal
    },
  }
}

/** The API key operations. */
export type ApiKeys = ReturnType<typeof createApiKeys>
