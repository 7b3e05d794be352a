import { z } from 'zod'
import { secretString } from './secret.js'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** A TCP port; 0 picks a free one. */
const port = z.coerce.number().int().min(0).max(65535)
const positiveInt = z.coerce.number().int().positive()
/** A boolean, also as the text `true` or `false` (environment variables). */
const flag = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean(),
)

/** What the config needs to know about one provider kind: its name and its own settings. */
export interface ProviderKindSchema {
  readonly kind: string
  /** The kind's settings; the config adds `kind` and `passthroughModels` and rejects unknown keys. */
  readonly options: z.ZodObject
}

/** Provider kinds by the `kind` a config entry names (the registry in `providers/`). */
export type ProviderKindSchemas = Readonly<Record<string, ProviderKindSchema>>

/** One configured upstream: the settings every kind shares, then the kind's own options. */
export interface ProviderConfig {
  readonly kind: string
  /** Serve every model the upstream lists under its own id. */
  readonly passthroughModels: boolean
  readonly [option: string]: unknown
}

/** One entry of `providers`, checked by its kind's own options schema. */
function providerSchema(kinds: ProviderKindSchemas): z.ZodType<ProviderConfig> {
  const entries = Object.entries(kinds).map(([kind, { options }]) =>
    options
      .extend({ kind: z.literal(kind), passthroughModels: z.boolean().default(false) })
      .strict(),
  )
  const [first, ...rest] = entries
  const known = Object.keys(kinds).join(', ') || '(none)'
  if (first === undefined) {
    return z.never({ error: 'no provider kinds are available' })
  }
  return (
    z
      .discriminatedUnion('kind', [first, ...rest], {
        error: (issue) =>
          issue.code === 'invalid_union' ? `unknown kind; known kinds: ${known}` : undefined,
      })
      // States the shared fields for the type checker; the kind's own options pass through as is.
      .pipe(z.looseObject({ kind: z.string(), passthroughModels: z.boolean() }))
  )
}

/** One classifier of the content filter: which kind, its options, and how it may fail. */
const classifierEntrySchema = z
  .object({
    /** Names the classifier in findings, logs and metrics. */
    id: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'lowercase letters, digits, - and _'),
    /** A kind of the registry in `moderation/` (`text-harm`, `pii`, `secrets`, …). */
    kind: z.string().min(1).max(40),
    /** The kind's own settings. */
    options: z.record(z.string(), z.unknown()).default({}),
    /** Which texts it reads: prompts (`input`), answers (`output`), or both. */
    directions: z
      .array(z.enum(['input', 'output']))
      .min(1)
      .default(['input', 'output']),
    /** Time it has per text; past it, it counts as failed. */
    timeoutMs: positiveInt.max(60_000).default(1_000),
    /** A failed classifier (an error, a timeout): `closed` blocks the text, `open` serves it. */
    fail: z.enum(['open', 'closed']).default('open'),
    /**
     * The strongest action its findings may lead to, whatever the policy says: a classifier
     * that errs often enough should flag for review, never block on its own.
     */
    maxAction: z.enum(['allow', 'flag', 'redact', 'block']).default('block'),
  })
  .strict()

/** The classifiers of a default install: all local, none needs a network. */
const DEFAULT_CLASSIFIERS: Array<z.input<typeof classifierEntrySchema>> = [
  // The trained model flags about 1 in 35 benign prompts that sound harmful (its model card):
  // it feeds review, and blocks nothing on its own.
  { id: 'text-harm', kind: 'text-harm', maxAction: 'flag' },
  // Validated, not only matched: checksums, number plans, entropy.
  { id: 'pii', kind: 'pii' },
  { id: 'secrets', kind: 'secrets' },
  { id: 'injection', kind: 'injection' },
  { id: 'profiling', kind: 'profiling' },
  { id: 'profanity', kind: 'profanity' },
  { id: 'spam', kind: 'spam' },
]

/** One configured classifier, with its defaults applied. */
export type ClassifierEntry = z.infer<typeof classifierEntrySchema>

export const modelSchema = z
  .object({
    /** The public id clients send as `model`. */
    id: z.string().min(1),
    /** The provider name (a key of `providers`). */
    provider: z.string().min(1),
    /** The id the upstream knows it by; defaults to `id`. */
    upstreamModel: z.string().min(1).optional(),
    ownedBy: z.string().default('warden'),
  })
  .strict()

export const METRICS_EXPOSURES = ['listener', 'main', 'off'] as const

/** Prometheus metrics: where `/metrics` is served, who may read it, how many series it has. */
const metricsSchema = z
  .object({
    /**
     * `listener`: on a listener of its own (`host`, `port`), off the public one; `main`: at
     * `/metrics` on the main listener, behind `token`; `off`: nothing is counted or served.
     */
    expose: z.enum(METRICS_EXPOSURES).default('listener'),
    /** The metrics listener's interface (loopback unless you say otherwise). */
    host: z.string().min(1).default('127.0.0.1'),
    /** The metrics listener's port; 0 picks a free one. */
    port: port.default(9464),
    /** A bearer token scrapers must send; required with `expose: main`. (secret) */
    token: secretString(z.string().min(16, 'must be at least 16 characters')).optional(),
    /** Applications with a label of their own, the first seen; the rest count as `other`. */
    maxApplications: z.coerce.number().int().min(0).max(10_000).default(100),
  })
  .strict()
  .refine((metrics) => metrics.expose !== 'main' || metrics.token !== undefined, {
    message: 'metrics on the main listener need a token (metrics.token)',
    path: ['token'],
  })
  .prefault({})

/** OpenTelemetry traces, exported over OTLP/HTTP when an endpoint is set. */
const tracingSchema = z
  .object({
    otlp: z
      .object({
        /** The collector's OTLP/HTTP address (`http://collector:4318`); unset, tracing is off. */
        endpoint: z.url({ protocol: /^https?$/ }).optional(),
        /** `http/protobuf` (OTLP's default, about a third of JSON's CPU and size) or `http/json`. */
        protocol: z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
        /** Headers sent with every export (an API key of a tracing service). (secret each) */
        headers: z.record(z.string().min(1), secretString()).default({}),
        /** Longest wait for one export. */
        timeoutMs: positiveInt.max(120_000).default(10_000),
      })
      .strict()
      .prefault({}),
    /** The share of requests traced, 0 to 1. */
    sampleRatio: z.coerce.number().min(0).max(1).default(1),
    /** Put prompt and answer texts in spans (`gen_ai.input.messages`, …); off by default. */
    captureContent: flag.default(false),
    /** `service.name` of the spans' resource. */
    serviceName: z.string().min(1).max(100).default('warden'),
  })
  .strict()
  .prefault({})

/** One place incident notifications are posted to. */
const notifyChannelSchema = z
  .object({
    /** Names the channel in mitigations and the deliveries' log. */
    id: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'lowercase letters, digits, - and _'),
    /** Where to POST (a Slack incoming-webhook URL holds its token: a secret reference). */
    url: secretString(z.url({ protocol: /^https?$/ })),
    /** `standard`: a Standard Webhooks event, signed; `slack`: a `{text}` body. */
    format: z.enum(['standard', 'slack']).default('standard'),
    /** The Standard Webhooks signing secret (`whsec_…`); a `standard` channel needs one. */
    secret: secretString(
      z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'must be whsec_…'),
    ).optional(),
  })
  .strict()
  .refine((channel) => channel.format !== 'standard' || channel.secret !== undefined, {
    message: 'a standard channel needs a secret (whsec_…) to sign with',
    path: ['secret'],
  })

/**
 * Where the live detectors run and how they read usage: the thresholds and what incidents set
 * off are the usage policy's `monitoring` section.
 */
const monitoringConfigSchema = z
  .object({
    /** Run the detectors in this server (one replica at a time reads the feed). */
    enabled: flag.default(true),
    /** How often the feed is read, ms: the bound on detection lag, beside `usage.flushIntervalMs`. */
    intervalMs: positiveInt.default(1_000),
    /** A replica that stops renewing its turn loses it after this, ms. */
    leaseMs: positiveInt.default(15_000),
    /** Usage events read per transaction. */
    batchSize: positiveInt.max(10_000).default(1_000),
    /** Events before its cursor a replica that takes the feed over warms its detectors on. */
    warmupEvents: z.coerce.number().int().min(0).max(1_000_000).default(50_000),
    /** Where `notify` posts incidents: signed webhooks or Slack-compatible chat hooks. */
    channels: z.array(notifyChannelSchema).max(20).default([]),
  })
  .strict()

/** The whole configuration schema, with each provider entry checked by its kind's schema. */
export function configSchema(kinds: ProviderKindSchemas) {
  return z
    .object({
      server: z
        .object({
          host: z.string().min(1).default('127.0.0.1'),
          port: port.default(8080),
          /** Largest request body accepted, in bytes; larger ones get 413. */
          bodyLimitBytes: positiveInt.default(4 * 1024 * 1024),
          /** Milliseconds given to in-flight requests on shutdown before connections are cut. */
          shutdownGraceMs: positiveInt.default(10_000),
          trustProxy: z.boolean().default(false),
          /**
           * The address people reach this server at (`https://gateway.example.com`), for links in
           * refusals and webhooks; unset, links are paths (`/policy/versions/3`).
           */
          publicUrl: z
            .url({ protocol: /^https?$/ })
            .transform((url) => url.replace(/\/+$/, ''))
            .optional(),
          /** Milliseconds a client has to send the request line and headers; then 408. */
          headersTimeoutMs: positiveInt.default(10_000),
          /**
           * Milliseconds a client has to send the whole request, headers and body; then 408. The
           * response is not timed: a long streamed answer is not cut.
           */
          requestTimeoutMs: positiveInt.default(60_000),
          /** Milliseconds an idle keep-alive connection stays open between two requests. */
          keepAliveTimeoutMs: positiveInt.default(72_000),
          /** Open connections accepted at once; sockets beyond it are closed at once. */
          maxConnections: positiveInt.default(4096),
          /** Largest request line plus headers, in bytes; larger ones get 431. */
          maxHeaderBytes: positiveInt.max(1024 * 1024).default(16 * 1024),
          /** Bytes of request bodies being received across all requests; beyond it, 503. */
          maxBodyBytesInFlight: positiveInt.default(64 * 1024 * 1024),
        })
        .strict()
        .refine((server) => server.headersTimeoutMs <= server.requestTimeoutMs, {
          message: 'headersTimeoutMs must not exceed requestTimeoutMs',
          path: ['headersTimeoutMs'],
        })
        .prefault({}),
      database: z
        .object({
          /** `postgres://…` for PostgreSQL; empty (or `sqlite:PATH`) for the embedded SQLite file. */
          url: secretString(
            z
              .string()
              .regex(
                /^(|postgres(ql)?:\/\/.+|sqlite:.+)$/,
                'must be empty, postgres://…, or sqlite:PATH',
              ),
          ).prefault(''),
          /** The SQLite file used when `url` is empty. */
          sqlitePath: z.string().min(1).default('.warden/warden.db'),
          poolSize: positiveInt.default(10),
        })
        .strict()
        .prefault({}),
      policy: z
        .object({
          /**
           * The operator's usage policy (YAML), published as version 1 on a new database in place
           * of the default one; later versions go out with `warden policy publish`.
           */
          file: z.string().min(1).optional(),
        })
        .strict()
        .prefault({}),
      review: z
        .object({
          /** Approve a use-case application the pre-screen finds low-risk without a reviewer. */
          autoApproveLowRisk: z.boolean().default(false),
        })
        .strict()
        .prefault({}),
      webhooks: z
        .object({
          /** How often due webhook deliveries are sent, in milliseconds. */
          intervalMs: positiveInt.default(1_000),
          /** Accept plain http:// endpoints (a private network, tests); https only otherwise. */
          allowHttp: z.boolean().default(false),
          /**
           * Accept endpoints on loopback, private and link-local addresses. Off, an owner cannot
           * point a webhook at the gateway's own network (checked when set and at each delivery).
           */
          allowPrivateNetworks: z.boolean().default(false),
        })
        .strict()
        .prefault({}),
      log: z
        .object({
          level: z.enum(LOG_LEVELS).default('info'),
        })
        .strict()
        .prefault({}),
      usage: z
        .object({
          /** Flush buffered usage events at least this often. */
          flushIntervalMs: positiveInt.default(1_000),
          /** Flush as soon as this many events are buffered. */
          // 25 values a row: SQLite binds at most 32,766 in one statement, PostgreSQL 65,535.
          batchSize: positiveInt.max(1300).default(100),
          /** Events beyond this many waiting are dropped, and counted. */
          maxQueue: positiveInt.default(100_000),
        })
        .strict()
        .prefault({}),
      retention: z
        .object({
          /** The server purges kept texts past the policy's `retention` this often (and at start). */
          purgeIntervalMs: positiveInt.default(3_600_000),
          /** Requests whose kept texts one delete statement removes at most. */
          purgeBatchSize: positiveInt.max(10_000).default(1_000),
          /** Characters of kept text waiting to be written at most; past them texts are dropped, and counted. */
          maxQueuedChars: positiveInt.default(16_000_000),
        })
        .strict()
        .prefault({}),
      limits: z
        .object({
          /** Hold requests to their tiers' and overrides' limits; off, nothing is counted. */
          enabled: flag.default(true),
          /** `redis://…`: counters shared by every replica; empty: in this process. (secret) */
          redisUrl: secretString(
            z.string().regex(/^(|rediss?:\/\/.+)$/, 'must be empty or redis://…'),
          ).prefault(''),
          /** While Redis is unreachable: `closed` answers 503, `open` counts in this process. */
          redisFailure: z.enum(['closed', 'open']).default('open'),
          /** A Redis command not answered by then counts as Redis being unreachable. */
          redisTimeoutMs: positiveInt.default(250),
          /** Prepended to every Redis key. */
          redisPrefix: z.string().max(100).default('warden:limits:'),
          /** A concurrency slot whose release never came (a replica died) frees after this. */
          slotLeaseMs: positiveInt.default(600_000),
          /** Completion tokens reserved for a request without `max_tokens`, unless its tier says. */
          defaultMaxTokens: positiveInt.default(1024),
        })
        .strict()
        .prefault({}),
      moderation: z
        .object({
          /** Run the content filter on prompts and answers; off, nothing is classified. */
          enabled: flag.default(true),
          /**
           * The classifiers every prompt and answer passes, in parallel. Each entry's `options`
           * are checked by its kind's own schema when Warden starts.
           */
          classifiers: z.array(classifierEntrySchema).max(32).prefault(DEFAULT_CLASSIFIERS),
          /** Longest text classified per request and direction; the rest is cut off, and said so. */
          maxChars: positiveInt.max(10_000_000).default(1_000_000),
          /**
           * Worker threads for the local classifiers: while the event loop is busy, or for a
           * long text, their share of a check is judged beside it instead of in it.
           */
          workers: z
            .object({
              /** How many; `auto`: one fewer than the cores, at most 4; 0: none. */
              count: z
                .union([z.literal('auto'), z.coerce.number().int().min(0).max(64)])
                .default('auto'),
              /** `when-busy` (the default) or `always`: every check goes to a worker. */
              offload: z.enum(['when-busy', 'always']).default('when-busy'),
            })
            .strict()
            .prefault({}),
          /** Where relative paths in classifiers' options lie; empty: the config file's folder. */
          baseDir: z.string().default(''),
          /**
           * How a streamed answer is checked as it streams: no character goes out before a
           * check has read it, with this much after it.
           */
          stream: z
            .object({
              /** Characters held back behind the checked text, so a value split across chunks is read whole. */
              holdBackChars: z.number().int().min(0).max(65_536).default(64),
              /** New characters gathered before the next check. */
              checkEveryChars: positiveInt.max(65_536).default(96),
              /** Characters already checked that each check reads again, as context. */
              contextChars: z.number().int().min(0).max(65_536).default(128),
              /** The longest run without white space held before it is sent (checked). */
              maxHoldChars: positiveInt.max(1_048_576).default(4096),
            })
            .strict()
            .prefault({}),
        })
        .strict()
        .prefault({}),
      access: z
        .object({
          /** Admin session lifetime in hours. */
          sessionTtlHours: positiveInt.default(12),
        })
        .strict()
        .prefault({}),
      throttle: z
        .object({
          /**
           * Requests with a missing or unknown API key one client address (an IPv6 /64) may
           * send in a minute; then it waits for the minute's end (429).
           */
          anonymousPerMinute: positiveInt.default(120),
          /** Failed sign-ins from one client address per window; then 429 until its end. */
          loginPerAddress: positiveInt.default(30),
          /** Failed sign-ins for one username per window, from anywhere. */
          loginPerUser: positiveInt.default(10),
          /** The sign-in throttle's window, in minutes. */
          loginWindowMinutes: positiveInt.default(15),
          /** Anonymous refusals are audited as one entry per address and code this often, s. */
          rollupSeconds: positiveInt.default(60),
        })
        .strict()
        .prefault({}),
      audit: z
        .object({
          /**
           * The Ed25519 private key (PKCS#8 PEM) that signs checkpoints, as `env:NAME` or
           * `file:/path`; when unset, `keyFile` (generated at first start).
           */
          signingKey: secretString().optional(),
          /** The generated key; empty: `audit-signing-key.pem` beside the SQLite file. */
          keyFile: z.string().default(''),
          /** Signed checkpoints, JSON lines; empty: `audit-checkpoints.jsonl` beside the SQLite file. */
          checkpointFile: z.string().default(''),
          /** Each checkpoint is also POSTed here as JSON (retried at the next one on failure). */
          checkpointWebhook: z.url({ protocol: /^https?$/ }).optional(),
          /** The server checkpoints this often, when the head moved. */
          checkpointIntervalMs: positiveInt.default(60_000),
          /** Key ids (besides this process's own) whose checkpoints `audit verify` accepts. */
          trustedKeyIds: z
            .array(z.string().regex(/^[0-9a-f]{64}$/, 'must be a key id (64 hex digits)'))
            .default([]),
        })
        .strict()
        .prefault({}),
      metrics: metricsSchema,
      tracing: tracingSchema,

      monitoring: monitoringConfigSchema.prefault({}),
      providers: z.record(z.string().regex(/^[a-z0-9_-]+$/), providerSchema(kinds)).default({}),
      models: z.array(modelSchema).default([]),
    })
    .strict()
}

/** The validated, frozen configuration passed to every module. */
export type Config = z.infer<ReturnType<typeof configSchema>>
export type ModelConfig = z.infer<typeof modelSchema>
