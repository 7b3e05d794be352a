import { z } from 'zod'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

const port = z.coerce.number().int().min(0).max(65535)
const positiveInt = z.coerce.number().int().positive()

/** One upstream that speaks the OpenAI wire format (OpenAI, Ollama, vLLM, llama.cpp, …). */
export const openAiCompatibleProviderSchema = z
  .object({
    kind: z.literal('openai-compatible'),
    /** Base URL including the version path, e.g. `https://api.openai.com/v1`. */
    baseUrl: z.url({ protocol: /^https?$/ }),
    /** Secret reference (`env:NAME`, `file:/path`) or literal; resolved at load. */
    apiKey: z.string().optional(),
    /** Whole-request deadline for a non-streamed call, and time to first byte for a stream. */
    timeoutMs: positiveInt.default(60_000),
    /** Longest silence allowed between two chunks of a stream. */
    streamIdleTimeoutMs: positiveInt.default(60_000),
    connectTimeoutMs: positiveInt.default(5_000),
    /** Retries of connect errors and 5xx answers, only before any byte reached the client. */
    maxRetries: z.coerce.number().int().min(0).max(10).default(2),
    retryBackoffMs: z.coerce.number().int().min(0).default(100),
    /** Keep-alive connections kept open to this upstream. */
    connections: positiveInt.default(128),
    /** Serve every model the upstream lists under its own id. */
    passthroughModels: z.boolean().default(false),
    /** Extra headers sent upstream (values may be secret references). */
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict()

export const providerSchema = z.discriminatedUnion('kind', [openAiCompatibleProviderSchema])

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

export const configSchema = z
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
        url: z
          .string()
          .regex(
            /^(|postgres(ql)?:\/\/.+|sqlite:.+)$/,
            'must be empty, postgres://…, or sqlite:PATH',
          )
          .default(''),
        /** The SQLite file used when `url` is empty. */
        sqlitePath: z.string().min(1).default('.warden/warden.db'),
        poolSize: positiveInt.default(10),
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
        // 16 values a row: SQLite binds at most 32,766 in one statement, PostgreSQL 65,535.
        batchSize: positiveInt.max(2000).default(100),
        /** Events beyond this many waiting are dropped, and counted. */
        maxQueue: positiveInt.default(100_000),
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
    audit: z
      .object({
        /**
         * The Ed25519 private key (PKCS#8 PEM) that signs checkpoints, as `env:NAME` or
         * `file:/path`; when unset, `keyFile` (generated at first start).
         */
        signingKey: z.string().min(1).optional(),
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
    providers: z.record(z.string().regex(/^[a-z0-9_-]+$/), providerSchema).default({}),
    models: z.array(modelSchema).default([]),
  })
  .strict()

/** The validated, frozen configuration passed to every module. */
export type Config = z.infer<typeof configSchema>
export type ProviderConfig = z.infer<typeof providerSchema>
export type OpenAiCompatibleProviderConfig = z.infer<typeof openAiCompatibleProviderSchema>
export type ModelConfig = z.infer<typeof modelSchema>
