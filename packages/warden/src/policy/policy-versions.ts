import type { Kysely } from 'kysely'
import { WardenError, type AuditSink } from '../domain/index.js'
import type { ChangeFeed, Database } from '../store/index.js'
import { defaultTierOf, type PolicyDocument, type PolicyTier } from './policy-document.js'
import { parsePolicy, type ParsedPolicy } from './policy-source.js'

const DAY_MS = 86_400_000
/** The longest grace period a new version may give. */
export const MAX_GRACE_DAYS = 365
/** The longest changelog kept with a version. */
export const MAX_CHANGELOG = 4000

/** One published version of the usage policy; immutable once published. */
export interface PolicyVersion {
  readonly version: number
  readonly hash: string
  readonly source: string
  readonly document: PolicyDocument
  readonly publishedAt: number
  readonly publishedBy: string
  readonly requiresReacceptance: boolean
  readonly graceDays: number
  readonly changelog: string | null
}

/** What publishing asks for beyond the source. */
export interface PublishOptions {
  readonly requiresReacceptance?: boolean
  readonly graceDays?: number
  readonly changelog?: string | null
  readonly actor: string
}

/** One organization's acceptance of one version. */
export interface PolicyAcceptance {
  readonly orgId: string
  readonly version: number
  readonly acceptedAt: number
  readonly acceptedBy: string
}

/**
 * The current policy as the request path needs it, read without a query: the tiers, and the
 * version production traffic must have accepted by when.
 */
export interface PolicySnapshot {
  readonly version: number
  readonly document: PolicyDocument
  readonly defaultTier: PolicyTier
  /** A tier by id; an id the current policy no longer has falls back to the default tier. */
  tier(id: string | null): PolicyTier
  /**
   * The newest version that organizations must accept (version 1, or the newest published with
   * `requires_reacceptance`), and when its grace period ends.
   */
  readonly required: { readonly version: number; readonly deadline: number }
}

/**
 * Whether an organization that accepted `accepted` (null: nothing) may send production traffic
 * at `now`. An organization that accepted an earlier version keeps access until the grace
 * period of the required one ends; one that never accepted any has no grace.
 */
export function acceptanceIsCurrent(
  snapshot: PolicySnapshot,
  accepted: number | null,
  now: number,
): boolean {
  if (accepted === null) return false
  return accepted >= snapshot.required.version || now < snapshot.required.deadline
}

/** A snapshot of one version's document; `required` as {@link PolicySnapshot} says. */
export function createPolicySnapshot(
  version: number,
  document: PolicyDocument,
  required: PolicySnapshot['required'],
): PolicySnapshot {
  const defaultTier = defaultTierOf(document)
  const tiers = new Map(document.tiers.map((t) => [t.id, t]))
  return {
    version,
    document,
    defaultTier,
    tier: (id) => (id === null ? defaultTier : (tiers.get(id) ?? defaultTier)),
    required,
  }
}

export interface PolicyVersionDeps {
  readonly db: Kysely<Database>
  readonly audit: AuditSink
  readonly now: () => number
  /** Moves when any process publishes a version or records an acceptance. */
  readonly changes: ChangeFeed
  readonly isUniqueViolation: (error: unknown) => boolean
  /**
   * Problems a higher module finds in a policy it reads (detector options, say); a policy with
   * any is not published. Wired by the composition root.
   */
  readonly check?: (document: PolicyDocument) => readonly string[]
}

type VersionRow = Database['policy_version']

/** Published versions of the usage policy, organizations' acceptances, and the current snapshot. */
export function createPolicyVersions(deps: PolicyVersionDeps) {
  const { db, audit, now, changes, isUniqueViolation } = deps
  /** Parsed versions by number: a version never changes once published. */
  const parsed = new Map<number, PolicyVersion>()
  let snapshot: PolicySnapshot | null = null
  let snapshotAt = Number.NaN
  let refreshing: Promise<void> | null = null

  function toVersion(row: VersionRow): PolicyVersion {
    const known = parsed.get(row.version)
    if (known) return known
    const version: PolicyVersion = {
      version: row.version,
      hash: row.hash,
      source: row.source,
      document: parsePolicy(row.source).document,
      publishedAt: row.published_at,
      publishedBy: row.published_by,
      requiresReacceptance: row.requires_reacceptance === 1,
      graceDays: row.grace_days,
      changelog: row.changelog,
    }
    parsed.set(row.version, version)
    return version
  }

  async function latestRow(on: Kysely<Database> = db): Promise<VersionRow | undefined> {
    return on
      .selectFrom('policy_version')
      .selectAll()
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst()
  }

  async function get(version: number): Promise<PolicyVersion | undefined> {
    const known = parsed.get(version)
    if (known) return known
    const row = await db
      .selectFrom('policy_version')
      .selectAll()
      .where('version', '=', version)
      .executeTakeFirst()
    return row && toVersion(row)
  }

  async function current(): Promise<PolicyVersion | undefined> {
    const row = await latestRow()
    return row && toVersion(row)
  }

  async function loadSnapshot(): Promise<void> {
    const at = changes.version()
    const latest = await current()
    if (!latest) throw new Error('no usage policy has been published')
    const required = await db
      .selectFrom('policy_version')
      .select(['version', 'published_at', 'grace_days'])
      .where((eb) => eb.or([eb('requires_reacceptance', '=', 1), eb('version', '=', 1)]))
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow()
    snapshot = createPolicySnapshot(latest.version, latest.document, {
      version: required.version,
      deadline: required.published_at + required.grace_days * DAY_MS,
    })
    snapshotAt = at
  }

  async function publish(policy: ParsedPolicy, options: PublishOptions): Promise<PolicyVersion> {
    const problems = deps.check?.(policy.document) ?? []
    if (problems.length > 0) {
      throw new WardenError(
        'invalid_request_error',
        `source is not a valid usage policy: ${problems.join('; ')}`,
        { param: 'source' },
      )
    }
    const graceDays = options.graceDays ?? 0
    if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > MAX_GRACE_DAYS) {
      throw new WardenError(
        'invalid_request_error',
        `grace_days must be a whole number from 0 to ${MAX_GRACE_DAYS}`,
        { param: 'grace_days' },
      )
    }
    const changelog = options.changelog?.trim() || null
    if (changelog !== null && changelog.length > MAX_CHANGELOG) {
      throw new WardenError(
        'invalid_request_error',
        `changelog must be at most ${MAX_CHANGELOG} characters`,
        { param: 'changelog' },
      )
    }
    // Two publishers at once: the primary key lets one take each number; the other tries the next.
    for (let attempt = 0; ; attempt++) {
      const latest = await latestRow()
      if (latest?.hash === policy.hash) {
        throw new WardenError(
          'conflict',
          `This policy is identical to version ${latest.version}, the current one; nothing was published.`,
        )
      }
      const row: VersionRow = {
        version: (latest?.version ?? 0) + 1,
        hash: policy.hash,
        source: policy.source,
        published_at: now(),
        published_by: options.actor,
        requires_reacceptance: options.requiresReacceptance === true ? 1 : 0,
        grace_days: graceDays,
        changelog,
      }
      try {
        await db.insertInto('policy_version').values(row).execute()
      } catch (error) {
        if (isUniqueViolation(error) && attempt < 5) continue
        throw error
      }
      await changes.announce()
      await audit.appendNow({
        actor: options.actor,
        action: 'policy.publish',
        target: `policy:${row.version}`,
        details: {
          version: row.version,
          hash: row.hash,
          requires_reacceptance: row.requires_reacceptance === 1,
          grace_days: graceDays,
        },
      })
      return toVersion(row)
    }
  }

  return {
    get,
    current,
    publish,

    /** Every version, oldest first. */
    async list(): Promise<PolicyVersion[]> {
      const rows = await db.selectFrom('policy_version').selectAll().orderBy('version').execute()
      return rows.map(toVersion)
    },

    /**
     * At start: publishes `initial()` as version 1 when nothing is published yet. Two replicas
     * starting at once both try; the primary key lets one win. Returns the version published,
     * or null when one existed.
     */
    async ensurePublished(initial: () => Promise<ParsedPolicy>): Promise<PolicyVersion | null> {
      if (await latestRow()) return null
      const policy = await initial()
      try {
        await db
          .insertInto('policy_version')
          .values({
            version: 1,
            hash: policy.hash,
            source: policy.source,
            published_at: now(),
            published_by: 'system',
            requires_reacceptance: 1,
            grace_days: 0,
            changelog: 'First version.',
          })
          .execute()
      } catch (error) {
        if (isUniqueViolation(error)) return null
        throw error
      }
      await changes.announce()
      await audit.appendNow({
        actor: 'system',
        action: 'policy.publish',
        target: 'policy:1',
        details: { version: 1, hash: policy.hash, requires_reacceptance: true, grace_days: 0 },
      })
      return (await get(1)) ?? null
    },

    /** Records that an organization accepted a version (the current one unless given). */
    async accept(orgId: string, actor: string, version?: number): Promise<PolicyAcceptance> {
      const target = version === undefined ? await current() : await get(version)
      if (!target) {
        throw new WardenError('not_found', `There is no usage policy version ${version ?? ''}.`, {
          param: 'version',
        })
      }
      const acceptance: PolicyAcceptance = {
        orgId,
        version: target.version,
        acceptedAt: now(),
        acceptedBy: actor,
      }
      const inserted = await db
        .insertInto('policy_acceptance')
        .values({
          org_id: orgId,
          version: target.version,
          accepted_at: acceptance.acceptedAt,
          accepted_by: actor,
        })
        .onConflict((oc) => oc.columns(['org_id', 'version']).doNothing())
        .executeTakeFirst()
      if (inserted.numInsertedOrUpdatedRows !== 1n) {
        const existing = await db
          .selectFrom('policy_acceptance')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('version', '=', target.version)
          .executeTakeFirstOrThrow()
        return {
          orgId,
          version: existing.version,
          acceptedAt: existing.accepted_at,
          acceptedBy: existing.accepted_by,
        }
      }
      await changes.announce()
      await audit.appendNow({
        actor,
        action: 'policy.accept',
        target: orgId,
        details: { version: target.version, hash: target.hash },
      })
      return acceptance
    },

    /** An organization's acceptances, newest first. */
    async acceptances(orgId: string): Promise<PolicyAcceptance[]> {
      const rows = await db
        .selectFrom('policy_acceptance')
        .selectAll()
        .where('org_id', '=', orgId)
        .orderBy('version', 'desc')
        .execute()
      return rows.map((r) => ({
        orgId: r.org_id,
        version: r.version,
        acceptedAt: r.accepted_at,
        acceptedBy: r.accepted_by,
      }))
    },

    /** Loads the snapshot; call once at start, after `ensurePublished`. */
    load: loadSnapshot,

    /**
     * The current snapshot, without a query. When the change feed has moved, a reload starts in
     * the background and this answers from the previous snapshot until it lands.
     */
    snapshot(): PolicySnapshot {
      if (snapshot === null) throw new Error('the usage policy is not loaded yet')
      if (changes.version() !== snapshotAt && refreshing === null) {
        refreshing = loadSnapshot()
          .catch(() => {
            // Keeps the snapshot it has; the next call tries again.
            snapshotAt = Number.NaN
          })
          .finally(() => {
            refreshing = null
          })
      }
      return snapshot
    },

    /** Reloads the snapshot now (tests and the CLI, which cannot wait for the background). */
    refresh: loadSnapshot,
  }
}

/** The usage-policy operations. */
export type PolicyVersions = ReturnType<typeof createPolicyVersions>
