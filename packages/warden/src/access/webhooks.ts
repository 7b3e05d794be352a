import { randomBytes } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import type { Kysely } from 'kysely'
import { Webhook } from 'standardwebhooks'
import { request } from 'undici'
import { WardenError, type AuditSink, type NotifyFormat } from '../domain/index.js'
import type { Database } from '../store/index.js'
import { createId } from './ids.js'

/** Attempts before a delivery is given up: about two days with the backoff below. */
export const MAX_ATTEMPTS = 12
const BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000]
/** How long a replica owns a delivery it claimed; longer than one attempt can take. */
const CLAIM_MS = 60_000
const ATTEMPT_TIMEOUT_MS = 10_000
const MAX_URL = 2000

/** An organization's webhook, as its members see it: never the secret after creation. */
export interface WebhookEndpoint {
  readonly orgId: string
  readonly url: string
  readonly createdAt: number
}

export interface WebhookDeps {
  readonly db: Kysely<Database>
  readonly audit: AuditSink
  readonly now: () => number
  /** Plain http:// endpoints are refused unless allowed (tests, a private network). */
  readonly allowHttp: boolean
  /** Endpoints on loopback, private and link-local addresses are refused unless allowed. */
  readonly allowPrivateNetworks: boolean
  /**
   * The operator's own channels (`monitoring.channels`), by id: incident notifications go there.
   * Configured by the operator, not by an organization, so they may be on a private network.
   */
  readonly channels?: ReadonlyMap<string, NotifyChannel>
}

/** An operator channel, its secrets resolved. */
export interface NotifyChannel {
  readonly url: string
  readonly format: NotifyFormat
  /** The Standard Webhooks secret a `standard` channel signs with. */
  readonly secret: string | null
}

/** A delivery due, and where it goes. */
interface Due {
  readonly id: string
  readonly payload: string
  readonly attempts: number
  readonly url: string
  /** Null: posted unsigned (a Slack-compatible channel). */
  readonly secret: string | null
  /** Whether the address is checked against private networks (an organization's endpoint). */
  readonly checkHost: boolean
}

/** Addresses a webhook must not reach: this host, private networks, link-local (cloud metadata). */
const PRIVATE = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6')
}

function isPrivateAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 0) return false
  if (family === 6 && address.toLowerCase().startsWith('::ffff:')) {
    const v4 = address.slice(7)
    if (isIP(v4) === 4) return PRIVATE.check(v4, 'ipv4')
  }
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/** Why `url`'s host may not be reached, or null: a private address, literal or resolved. */
async function privateHostProblem(url: string): Promise<string | null> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '')
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is this host`
  const addresses = isIP(host)
    ? [host]
    : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address)
  const found = addresses.find(isPrivateAddress)
  return found === undefined ? null : `${host} is a private or local address (${found})`
}

function checkUrl(url: string, allowHttp: boolean): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new WardenError('invalid_request_error', 'url must be an absolute URL', { param: 'url' })
  }
  const httpOk = allowHttp && parsed.protocol === 'http:'
  if (url.length > MAX_URL || (parsed.protocol !== 'https:' && !httpOk) || parsed.username) {
    throw new WardenError(
      'invalid_request_error',
      `url must be an https:// URL without credentials, at most ${MAX_URL} characters`,
      { param: 'url' },
    )
  }
  return parsed.toString()
}

/**
 * Organizations' webhooks and the durable outbox behind them. Events are signed as the
 * Standard Webhooks specification says (`webhook-id`, `webhook-timestamp`, `webhook-signature`,
 * HMAC-SHA256 over `id.timestamp.body`) with the `standardwebhooks` reference library.
 */
export function createWebhooks(deps: WebhookDeps) {
  const { db, audit, now } = deps
  let timer: NodeJS.Timeout | null = null
  let running: Promise<unknown> | null = null

  /** Claims one due delivery, posts it and records the outcome; false when another claimed it. */
  async function attempt(row: Due, at: number): Promise<boolean> {
    const claimed = await db
      .updateTable('webhook_delivery')
      .set({ locked_until: at + CLAIM_MS })
      .where('id', '=', row.id)
      .where('locked_until', '<', at)
      .where('delivered_at', 'is', null)
      .executeTakeFirst()
    if (claimed.numUpdatedRows !== 1n) return false
    // Checked again at each delivery: a name can come to resolve somewhere private later.
    const refused =
      row.url === ''
        ? 'the channel is no longer configured'
        : !row.checkHost || deps.allowPrivateNetworks
          ? null
          : await privateHostProblem(row.url)
    const error =
      refused === null
        ? await post(row.url, row.secret, row.id, row.payload)
        : `not sent: ${refused}`
    const attempts = row.attempts + 1
    const done = now()
    if (error === null) {
      await db
        .updateTable('webhook_delivery')
        .set({ attempts, delivered_at: done, last_error: null, locked_until: 0 })
        .where('id', '=', row.id)
        .execute()
    } else {
      const delay = BACKOFF_MS[Math.min(attempts - 1, BACKOFF_MS.length - 1)] ?? 3_600_000
      await db
        .updateTable('webhook_delivery')
        .set({
          attempts,
          last_error: error.slice(0, 500),
          locked_until: 0,
          next_attempt_at: done + delay,
          failed_at: attempts >= MAX_ATTEMPTS ? done : null,
        })
        .where('id', '=', row.id)
        .execute()
    }
    return true
  }

  const webhooks = {
    /** Sets the organization's endpoint and returns a new signing secret, shown only here. */
    async setEndpoint(
      orgId: string,
      url: string,
      actor: string,
    ): Promise<WebhookEndpoint & { secret: string }> {
      const checked = checkUrl(url, deps.allowHttp)
      const problem = deps.allowPrivateNetworks ? null : await privateHostProblem(checked)
      if (problem !== null) {
        throw new WardenError(
          'invalid_request_error',
          `url must reach a public address: ${problem}`,
          { param: 'url' },
        )
      }
      const secret = `whsec_${randomBytes(32).toString('base64')}`
      const createdAt = now()
      await db
        .insertInto('webhook_endpoint')
        .values({ org_id: orgId, url: checked, secret, created_at: createdAt })
        .onConflict((oc) =>
          oc.column('org_id').doUpdateSet({ url: checked, secret, created_at: createdAt }),
        )
        .execute()
      await audit.appendNow({
        actor,
        action: 'webhook.set',
        target: orgId,
        details: { url: checked },
      })
      return { orgId, url: checked, createdAt, secret }
    },

    async getEndpoint(orgId: string): Promise<WebhookEndpoint | undefined> {
      const row = await db
        .selectFrom('webhook_endpoint')
        .select(['org_id', 'url', 'created_at'])
        .where('org_id', '=', orgId)
        .executeTakeFirst()
      return row && { orgId: row.org_id, url: row.url, createdAt: row.created_at }
    },

    async removeEndpoint(orgId: string, actor: string): Promise<void> {
      await db.deleteFrom('webhook_endpoint').where('org_id', '=', orgId).execute()
      await audit.appendNow({ actor, action: 'webhook.remove', target: orgId })
    },

    /**
     * Queues an event for the organization, in the caller's transaction, so the event exists
     * exactly when what it reports does. Without an endpoint nothing is queued.
     */
    async enqueue(
      trx: Kysely<Database>,
      orgId: string,
      type: string,
      data: unknown,
    ): Promise<void> {
      const endpoint = await trx
        .selectFrom('webhook_endpoint')
        .select('org_id')
        .where('org_id', '=', orgId)
        .executeTakeFirst()
      if (!endpoint) return
      const at = now()
      const id = createId('msg')
      await trx
        .insertInto('webhook_delivery')
        .values({
          id,
          org_id: orgId,
          event_type: type,
          payload: JSON.stringify({ type, timestamp: new Date(at).toISOString(), data }),
          created_at: at,
          attempts: 0,
          next_attempt_at: at,
          locked_until: 0,
          delivered_at: null,
          failed_at: null,
          last_error: null,
        })
        .execute()
    },

    /**
     * Queues a notification on an operator channel: a Standard Webhooks event, or a `{text}`
     * body for a Slack-compatible one. `id` makes it idempotent: queued twice, it is sent once.
     */
    async enqueueChannel(input: {
      readonly id: string
      readonly channel: string
      readonly type: string
      readonly data: unknown
      readonly text: string
    }): Promise<void> {
      const target = deps.channels?.get(input.channel)
      if (target === undefined) {
        throw new WardenError('not_found', `no monitoring channel "${input.channel}"`)
      }
      const at = now()
      const payload =
        target.format === 'slack'
          ? JSON.stringify({ text: input.text })
          : JSON.stringify({
              type: input.type,
              timestamp: new Date(at).toISOString(),
              data: input.data,
            })
      await db
        .insertInto('webhook_delivery')
        .values({
          id: input.id,
          org_id: '',
          channel: input.channel,
          event_type: input.type,
          payload,
          created_at: at,
          attempts: 0,
          next_attempt_at: at,
          locked_until: 0,
          delivered_at: null,
          failed_at: null,
          last_error: null,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute()
    },

    /**
     * Delivers what is due, once: claims each row (one replica wins it), posts it signed, and
     * records the outcome; a failure is retried later with a growing backoff. Returns how many
     * were attempted. Organizations' endpoints first, then the operator's channels.
     */
    async deliverDue(limit = 20): Promise<number> {
      const at = now()
      const forOrganizations = await db
        .selectFrom('webhook_delivery')
        .innerJoin('webhook_endpoint', 'webhook_endpoint.org_id', 'webhook_delivery.org_id')
        .select([
          'webhook_delivery.id',
          'webhook_delivery.payload',
          'webhook_delivery.attempts',
          'webhook_endpoint.url',
          'webhook_endpoint.secret',
        ])
        .where('webhook_delivery.channel', 'is', null)
        .where('webhook_delivery.delivered_at', 'is', null)
        .where('webhook_delivery.failed_at', 'is', null)
        .where('webhook_delivery.next_attempt_at', '<=', at)
        .where('webhook_delivery.locked_until', '<', at)
        .orderBy('webhook_delivery.next_attempt_at')
        .limit(limit)
        .execute()
      const forChannels = await db
        .selectFrom('webhook_delivery')
        .select(['id', 'payload', 'attempts', 'channel'])
        .where('channel', 'is not', null)
        .where('delivered_at', 'is', null)
        .where('failed_at', 'is', null)
        .where('next_attempt_at', '<=', at)
        .where('locked_until', '<', at)
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute()
      const due: Due[] = [
        ...forOrganizations.map((row) => ({ ...row, checkHost: true })),
        ...forChannels.map((row) => {
          const target = deps.channels?.get(row.channel ?? '')
          return {
            id: row.id,
            payload: row.payload,
            attempts: row.attempts,
            // A channel taken out of the configuration: the attempt fails, and says why.
            url: target?.url ?? '',
            secret: target === undefined || target.format === 'slack' ? null : target.secret,
            checkHost: false,
          }
        }),
      ]
      let attempted = 0
      for (const row of due) {
        if (await attempt(row, at)) attempted += 1
      }
      return attempted
    },

    /** Deliveries of one organization, newest first, for its members to debug their endpoint. */
    async deliveries(orgId: string, limit = 50) {
      return db
        .selectFrom('webhook_delivery')
        .select([
          'id',
          'event_type',
          'created_at',
          'attempts',
          'next_attempt_at',
          'delivered_at',
          'failed_at',
          'last_error',
        ])
        .where('org_id', '=', orgId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute()
    },

    /** Delivers what is due every `intervalMs`, one round at a time, until `close`. */
    schedule(intervalMs: number, onError: (error: unknown) => void): void {
      if (timer !== null) return
      timer = setInterval(() => {
        if (running !== null) return
        running = webhooks
          .deliverDue()
          .catch(onError)
          .finally(() => {
            running = null
          })
      }, intervalMs)
      timer.unref()
    },

    /** Stops the schedule and waits for a round in progress; undelivered rows stay queued. */
    async close(): Promise<void> {
      if (timer !== null) clearInterval(timer)
      timer = null
      await running
    },
  }
  return webhooks
}

/** Posts one signed delivery; null when the endpoint answered 2xx, else what went wrong. */
async function post(
  url: string,
  secret: string | null,
  id: string,
  payload: string,
): Promise<string | null> {
  const timestamp = new Date()
  try {
    // A Slack-compatible channel takes a plain `{text}` post: its URL is its credential.
    const signed =
      secret === null
        ? {}
        : {
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
            'webhook-signature': new Webhook(secret).sign(id, timestamp, payload),
          }
    const response = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Warden-Webhooks/1',
        ...signed,
      },
      body: payload,
      headersTimeout: ATTEMPT_TIMEOUT_MS,
      bodyTimeout: ATTEMPT_TIMEOUT_MS,
    })
    await response.body.dump()
    return response.statusCode >= 200 && response.statusCode < 300
      ? null
      : `the endpoint answered ${response.statusCode}`
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/** The webhook operations. */
export type Webhooks = ReturnType<typeof createWebhooks>
