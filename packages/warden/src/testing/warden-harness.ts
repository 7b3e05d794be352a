import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { loadConfig, type Config } from '../config/index.js'
import { createLogger } from '../logger.js'
import { providerKinds } from '../providers/index.js'
import { serve, type RunningServer } from '../serve.js'
import { createServices, type Services } from '../services.js'
import { sqliteKind, type TestDatabase, type TestDatabaseKind } from './databases.js'
import { startStubUpstream, type StubUpstream, type StubUpstreamOptions } from './stub-upstream.js'

export interface HarnessOptions {
  readonly database?: TestDatabaseKind
  /** Extra `WARDEN_*` variables, e.g. a small body limit. */
  readonly env?: Readonly<Record<string, string>>
  /** Provider settings merged over the stub provider's defaults. */
  readonly provider?: Readonly<Record<string, unknown>>
  /** More providers by name, as `warden.yaml` would write them (secret references allowed). */
  readonly providers?: (stubUrl: string) => Readonly<Record<string, Record<string, unknown>>>
  /** Extra configured models, on the stub provider unless they name another. */
  readonly models?: ReadonlyArray<{ id: string; upstreamModel?: string; provider?: string }>
  readonly stub?: StubUpstreamOptions
  readonly now?: () => number
  /** More settings, as `warden.yaml` would write them (`review`, `webhooks`, …). */
  readonly values?: Readonly<Record<string, unknown>>
}

/** A real Warden server on an ephemeral port, in front of a stub upstream, on a fresh database. */
export interface Harness {
  readonly url: string
  readonly baseURL: string
  readonly stub: StubUpstream
  readonly services: Services
  readonly server: RunningServer
  readonly config: Config
  /** Everything the server logged, as text: tests check that no secret reaches it. */
  logs(): string
  /** Creates an org, app and key through the access module; returns the secret. */
  createKey(options?: {
    models?: readonly string[]
    expiresAt?: number
    org?: string
    app?: string
  }): Promise<string>
  close(): Promise<void>
}

/** Starts the stub upstream, a fresh database and a Warden server in this process. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const stub = await startStubUpstream(options.stub)
  const database: TestDatabase = await (options.database ?? sqliteKind()).create()
  // An empty folder as the working directory and only the variables given here: a developer's
  // ./warden.yaml or shell environment must not change what a test sees. On PostgreSQL it is
  // also the data folder (audit key and checkpoints sit beside the SQLite path).
  const emptyDir = mkdtempSync(join(tmpdir(), 'warden-harness-'))
  const config = loadConfig({
    env: {
      WARDEN_PORT: '0',
      // Tests run side by side: the metrics listener takes a free port, not the default one.
      WARDEN_METRICS_PORT: '0',
      WARDEN_LOG_LEVEL: 'info',
      WARDEN_DATABASE_URL: database.url,
      WARDEN_SQLITE_PATH: database.sqlitePath || join(emptyDir, 'unused.db'),
      ...options.env,
    },
    file: undefined,
    cwd: emptyDir,
    providerKinds,
    values: {
      // Most suites send many requests on one sandbox key: they opt in to limits by setting them,
      // and to monitoring, whose mitigations would otherwise act on their bursts.
      limits: { enabled: false },
      monitoring: { enabled: false },
      ...options.values,
      usage: { flushIntervalMs: 50 },
      providers: {
        ...options.providers?.(stub.url),
        stub: {
          kind: 'openai-compatible',
          baseUrl: stub.url,
          apiKey: 'sk-upstream-secret-abcdef123456',
          timeoutMs: 2_000,
          streamIdleTimeoutMs: 2_000,
          connectTimeoutMs: 1_000,
          maxRetries: 2,
          retryBackoffMs: 10,
          connections: 16,
          passthroughModels: true,
          ...options.provider,
        },
      },
      models: (options.models ?? []).map((m) => ({ provider: 'stub', ...m })),
    },
  })
  const chunks: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'))
      done()
    },
  })
  const logger = createLogger(config.log, sink)
  const services = await createServices(config, {
    logger,
    checkSecrets: true,
    ...(options.now ? { now: options.now } : {}),
  })
  const server = await serve(services)
  let counter = 0
  return {
    url: server.url,
    baseURL: `${server.url}/v1`,
    stub,
    services,
    server,
    config,
    logs: () => chunks.join(''),
    async createKey(keyOptions = {}) {
      counter += 1
      const orgName = keyOptions.org ?? `org-${counter}`
      const org =
        (await services.organizations.findOrganization(orgName)) ??
        (await services.organizations.createOrganization(orgName, 'test'))
      const appName = keyOptions.app ?? `app-${counter}`
      const app =
        (await services.organizations.findApplication(org.id, appName)) ??
        (await services.organizations.createApplication(org.id, appName, 'test'))
      const created = await services.apiKeys.createKey({
        appId: app.id,
        orgId: org.id,
        allowedModels: keyOptions.models ?? null,
        expiresAt: keyOptions.expiresAt ?? null,
        actor: 'test',
      })
      return created.key
    },
    async close() {
      await server.close()
      await stub.close()
      await database.drop()
      rmSync(emptyDir, { recursive: true, force: true })
    },
  }
}
