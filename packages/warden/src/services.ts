import type { Logger } from 'pino'
import { createRequestLineWriter } from './logger.js'
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import {
  createAdminUsers,
  createApiKeys,
  createLimitOverrides,
  createMitigationActions,
  createOrganizations,
  createUseCaseApplications,
  createWebhooks,
  prescreenForm,
  type NotifyChannel,
} from './access/index.js'
import { collectSecrets, processEnv, type Config } from './config/index.js'
import {
  auditFilePaths,
  createAuditCheckpointer,
  createAuditLog,
  createContentFindingRecorder,
  createContentRetention,
  createContentTextRecorder,
  createMetrics,
  createTracing,
  createIncidents,
  createMitigations,
  createMonitor,
  createUsageRecorder,
  monitoringProblems,
  loadSigningKey,
  readCheckpointIndex,
} from './monitoring/index.js'
import { createLimits } from './limits/index.js'
import { createThrottles } from './throttles.js'
import { createPipeline, endpointStages } from './pipeline/index.js'
import { createPolicyVersions, loadPolicyFile } from './policy/index.js'
import {
  autoWorkers,
  classifierKinds,
  createPooledClassifierSet,
  createContentFilter,
  createRedactor,
} from './moderation/index.js'
import { createModelRegistry, createProvider, type Provider } from './providers/index.js'
import { openStore } from './store/index.js'

export interface ServiceOptions {
  readonly logger: Logger
  readonly now?: () => number
  /** Run migrations on open (true for the server and `warden migrate`). */
  readonly migrate?: boolean
  /**
   * Resolve every secret reference now and log one warning for each that cannot be (the
   * server). Commands that never call an upstream leave them unread.
   */
  readonly checkSecrets?: boolean
  /** Build the limiter (the server); commands that serve no request leave it, and Redis, out. */
  readonly limits?: boolean
  /** Build the classifiers (the server, `warden classify`); other commands leave them out. */
  readonly moderation?: boolean
  /** Build metrics and tracing (the server); commands that serve no request leave them out. */
  readonly observe?: boolean
}

/** The composition root: the one place that picks implementations and wires them together. */
export async function createServices(config: Config, options: ServiceOptions) {
  const { logger } = options
  const now = options.now ?? Date.now
  if (options.checkSecrets ?? false) warnUnresolvedSecrets(config, logger)
  const store = await openStore({ ...config.database, url: config.database.url.reveal() })
  if (options.migrate ?? true) await store.migrate()
  const db = store.db

  const auditFiles = auditFilePaths(config.audit, config.database.sqlitePath)
  const signingKey = loadSigningKey({
    reference: config.audit.signingKey,
    keyFile: auditFiles.keyFile,
  })
  const trustedKeyIds = new Set([signingKey.keyId, ...config.audit.trustedKeyIds])
  const auditLog = createAuditLog({
    db,
    now,
    onError: (err, batchSize) =>
      logger.error({ err, batchSize }, 'audit log write failed; will retry'),
    checkpoints: () => readCheckpointIndex(auditFiles.checkpointFile, trustedKeyIds),
  })
  const auditCheckpoints = createAuditCheckpointer({
    db,
    key: signingKey,
    file: auditFiles.checkpointFile,
    webhook: config.audit.checkpointWebhook,
    now,
    onError: (err, what) =>
      logger.error({ err, what }, 'audit checkpoint write failed; will retry at the next one'),
  })
  // Without migrations (`warden migrate` runs its own) the schema may not exist yet: the first
  // checkpoint then records whatever head there is at exit.
  if (options.migrate ?? true) await auditCheckpoints.init()
  const usage = createUsageRecorder({
    store,
    ...config.usage,
    onError: (err, batchSize) => logger.error({ err, batchSize }, 'usage write failed; will retry'),
    onDrop: (dropped) => logger.warn({ dropped }, 'usage events dropped: the write queue was full'),
  })
  const findings = createContentFindingRecorder({
    store,
    ...config.usage,
    onError: (err, batchSize) =>
      logger.error({ err, batchSize }, 'content finding write failed; will retry'),
    onDrop: (dropped) =>
      logger.warn({ dropped }, 'content findings dropped: the write queue was full'),
  })
  const contentTexts = createContentTextRecorder({
    store,
    ...config.usage,
    maxQueuedChars: config.retention.maxQueuedChars,
    onError: (err, batchSize) =>
      logger.error({ err, batchSize }, 'kept content write failed; will retry'),
    onDrop: (dropped) => logger.warn({ dropped }, 'kept texts dropped: the write queue was full'),
  })
  const organizations = createOrganizations({
    db,
    audit: auditLog,
    now,
    isUniqueViolation: (error) => store.isUniqueViolation(error),
    changes: store.changes,
  })
  const apiKeys = createApiKeys({ db, audit: auditLog, now, changes: store.changes })
  const limitOverrides = createLimitOverrides({ db, audit: auditLog, changes: store.changes })
  /** Says so when the configured policy file is not what is published: publishing is explicit. */
  async function warnPolicyFileDiffers(file: string): Promise<void> {
    try {
      const [onDisk, current] = await Promise.all([loadPolicyFile(file), policyVersions.current()])
      if (current && onDisk.hash !== current.hash) {
        logger.warn(
          { file, published: current.version },
          `the policy file differs from published version ${current.version}; publish it with "warden policy publish"`,
        )
      }
    } catch (err) {
      logger.warn({ err, file }, 'the policy file cannot be read or is invalid')
    }
  }
  const policyVersions = createPolicyVersions({
    db,
    audit: auditLog,
    now,
    changes: store.changes,
    isUniqueViolation: (error) => store.isUniqueViolation(error),
    check: (document) => monitoringProblems(document.monitoring),
  })
  if (options.migrate ?? true) {
    // A new database starts with the operator's policy file, or the default policy, as version 1.
    const policyFile = config.policy.file ?? null
    const first = await policyVersions.ensurePublished(() => loadPolicyFile(policyFile))
    if (first) logger.info({ version: 1, hash: first.hash }, 'usage policy published')
    await policyVersions.load()
    if (policyFile !== null && !first) await warnPolicyFileDiffers(policyFile)
  }
  const contentRetention = createContentRetention({
    db,
    now,
    retention: () => policyVersions.snapshot().document.retention,
    batchSize: config.retention.purgeBatchSize,
  })
  const adminUsers = createAdminUsers({
    db,
    audit: auditLog,
    now,
    sessionTtlMs: config.access.sessionTtlHours * 3_600_000,
  })

  const webhooks = createWebhooks({
    db,
    audit: auditLog,
    now,
    allowHttp: config.webhooks.allowHttp,
    allowPrivateNetworks: config.webhooks.allowPrivateNetworks,
    channels: notifyChannels(config),
  })
  const incidents = createIncidents({ db, audit: auditLog, now })
  const mitigations = createMitigations({
    db,
    audit: auditLog,
    now,
    actions: createMitigationActions({ apiKeys, organizations, limitOverrides, webhooks }),
    policy: () => policyVersions.snapshot().document.monitoring,
    channels: config.monitoring.channels.map((c) => c.id),
    markMitigated: (trx, id) => incidents.markMitigated(trx, id),
  })
  const monitor = createMonitor({
    store,
    audit: auditLog,
    now,
    policy: () => policyVersions.snapshot(),
    incidents,
    mitigations,
    holder: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    leaseMs: config.monitoring.leaseMs,
    batchSize: config.monitoring.batchSize,
    warmupEvents: config.monitoring.warmupEvents,
  })
  const useCaseApplications = createUseCaseApplications({
    db,
    audit: auditLog,
    now,
    changes: store.changes,
    policy: async () => {
      const current = await policyVersions.current()
      if (!current) throw new Error('no usage policy is published')
      return current.document
    },
    prescreen: prescreenForm,
    autoApproveLowRisk: config.review.autoApproveLowRisk,
    webhooks,
  })
  const providers: Record<string, Provider> = {}
  for (const [name, providerConfig] of Object.entries(config.providers)) {
    providers[name] = createProvider(name, providerConfig, { now })
  }
  const models = createModelRegistry({
    models: config.models,
    providers,
    passthrough: Object.entries(config.providers)
      .filter(([, p]) => p.passthroughModels)
      .map(([name]) => providers[name] as Provider),
    now,
  })
  const limits =
    config.limits.enabled && (options.limits ?? true)
      ? await createLimits({
          config: config.limits,
          now,
          // One line per change of state, never one per request.
          onStateChange: (up, err) =>
            up
              ? logger.info('limits: Redis is reachable again; limits are shared again')
              : logger.warn(
                  { err, mode: config.limits.redisFailure },
                  config.limits.redisFailure === 'open'
                    ? 'limits: Redis is unreachable; counting in this process until it is back'
                    : 'limits: Redis is unreachable; refusing requests (503) until it is back',
                ),
          onSettleError: (err) => logger.error({ err }, 'limits: a settlement failed'),
        })
      : null
  const throttles = createThrottles({
    config: config.throttle,
    counters: limits?.counters ?? null,
    audit: auditLog,
    now,
    onError: (err) => logger.error({ err }, 'throttle: counting a failure failed'),
  })
  const classifiers =
    config.moderation.enabled && (options.moderation ?? true)
      ? await createPooledClassifierSet(
          config.moderation.classifiers,
          classifierKinds,
          { baseDir: config.moderation.baseDir, env: processEnv() },
          {
            workers:
              config.moderation.workers.count === 'auto'
                ? autoWorkers()
                : config.moderation.workers.count,
            offload: config.moderation.workers.offload,
            // The pipeline is built below; this is read only once requests flow.
            inFlight: () => pipeline.inFlight(),
            onError: (err) => logger.error({ err }, 'content filter: a classifier worker failed'),
          },
        )
      : null
  const contentFilter =
    classifiers &&
    createContentFilter({
      classifiers,
      policy: () => policyVersions.snapshot(),
      maxChars: config.moderation.maxChars,
    })
  const observe = options.observe ?? true
  const metrics =
    observe && config.metrics.expose !== 'off'
      ? createMetrics({
          maxApplications: config.metrics.maxApplications,
          isKnownModel: (id) => models.isKnown(id),
          policy: () => policyVersions.snapshot(),
          queues: {
            usage: () => usage.stats(),
            findings: () => findings.stats(),
            kept_texts: () => contentTexts.stats(),
          },
          inFlight: () => pipeline.inFlight(),
          ...(classifiers !== null ? { contentChecks: () => classifiers.stats() } : {}),
        })
      : null
  // The OpenTelemetry packages are loaded only here, when an endpoint is configured.
  const tracing =
    observe && config.tracing.otlp.endpoint !== undefined
      ? await createTracing(config.tracing, {
          upstreams: Object.fromEntries(
            Object.entries(config.providers).flatMap(([name, p]) =>
              typeof p.baseUrl === 'string' ? [[name, p.baseUrl]] : [],
            ),
          ),
          onExportFailed: (err) =>
            logger.warn(
              { err },
              'tracing: exporting spans failed; they are dropped until it works',
            ),
          onExportRecovered: () => logger.info('tracing: exporting spans works again'),
          onError: (err) => logger.error({ err }, 'tracing: a span could not be built'),
        })
      : null
  const pipeline = createPipeline(
    endpointStages({
      audit: auditLog,
      anonymous: throttles.anonymous,
      usage,
      // One line per request at info: ids, model, status, outcome and time; never content.
      logRequest: createRequestLineWriter(logger),
      resolveKey: (secret) => apiKeys.resolveKey(secret),
      models,
      policy: () => policyVersions.snapshot(),
      now,
      publicUrl: config.server.publicUrl ?? '',
      limiter: limits?.limiter ?? null,
      findings,
      contentTexts,
      contentFilter,
      outputWindow: config.moderation.stream,
      createRedactor,
      observers: [metrics, tracing].filter((o) => o !== null),
    }),
    (err) => logger.error({ err }, 'an end-of-request handler failed'),
  )

  return {
    config,
    logger,
    now,
    store,
    auditLog,
    auditCheckpoints,
    usage,
    findings,
    contentTexts,
    contentRetention,
    /** The content filter's classifiers, with their worker threads; null with moderation off. */
    classifiers,
    contentFilter,
    organizations,
    apiKeys,
    limitOverrides,
    limits,
    throttles,
    adminUsers,
    policyVersions,
    useCaseApplications,
    webhooks,
    incidents,
    mitigations,
    monitor,
    providers,
    models,
    pipeline,
    metrics,
    tracing,
    /** Flushes usage and audit entries, checkpoints the audit head, closes pools and the database. */
    async close(): Promise<void> {
      await monitor.close()
      await webhooks.close()
      throttles.close()
      await usage.close()
      await findings.close()
      await contentTexts.close()
      await contentRetention.close()
      await tracing?.close()
      await classifiers?.close()
      await auditLog.close()
      await auditCheckpoints.close()
      await Promise.all(Object.values(providers).map((p) => p.close()))
      await limits?.close()
      await store.close()
    },
  }
}

/**
 * The operator's notification channels with their secrets read; a channel whose secret cannot
 * be read is left out (the start warns about it), and its notifications fail, saying so.
 */
function notifyChannels(config: Config): ReadonlyMap<string, NotifyChannel> {
  const channels = new Map<string, NotifyChannel>()
  for (const channel of config.monitoring.channels) {
    if (channel.url.problem() !== undefined || channel.secret?.problem() !== undefined) continue
    channels.set(channel.id, {
      url: channel.url.reveal(),
      format: channel.format,
      secret: channel.secret?.reveal() ?? null,
    })
  }
  return channels
}

/** Reads every secret once, at start, so requests never do; names each one that is missing. */
function warnUnresolvedSecrets(config: Config, logger: Logger): void {
  for (const secret of collectSecrets(config)) {
    const problem = secret.problem()
    if (problem !== undefined) {
      logger.warn(
        { setting: secret.path, reference: secret.reference },
        `${problem}: what needs it fails until it is set and Warden restarts`,
      )
    }
  }
}

/** Everything the server and the CLI use, built from one config. */
export type Services = Awaited<ReturnType<typeof createServices>>
