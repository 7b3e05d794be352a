import type { Kysely } from 'kysely'
import type { AuditInput, AuditSink, UsageEvent } from '../domain/index.js'
import type { PolicySnapshot } from '../policy/index.js'
import type { Database, Store } from '../store/index.js'
import { createDetectors, type Detector, type DetectorKinds } from './detectors/index.js'
import { auditOfRecorded, type Incidents } from './incidents.js'
import type { Mitigations } from './mitigations.js'
import { createUsageFeed, type FeedTick } from './usage-feed.js'

export interface MonitorDeps {
  readonly store: Pick<Store, 'db' | 'usageFeed'>
  readonly audit: AuditSink
  readonly now: () => number
  /** The current usage policy: its `monitoring` section sets the detectors. */
  readonly policy: () => PolicySnapshot
  readonly incidents: Incidents
  readonly mitigations: Mitigations
  /** This process, as the feed's lease names it. */
  readonly holder: string
  readonly leaseMs: number
  readonly batchSize: number
  readonly warmupEvents: number
  /** The detector kinds (tests and simulations may bring their own). */
  readonly kinds?: DetectorKinds
}

/**
 * The live monitor: the policy's detectors on the usage feed, the incidents they raise and the
 * mitigations the policy sets off. One replica at a time runs it (the feed's lease); a new
 * policy version rebuilds the detectors and warms them again.
 */
export function createMonitor(deps: MonitorDeps) {
  const { incidents, mitigations } = deps
  let detectors: Detector[] = []
  let version = -1
  let audits: AuditInput[] = []
  let timer: NodeJS.Timeout | null = null
  let running: Promise<unknown> | null = null

  function build(): void {
    const policy = deps.policy()
    version = policy.version
    detectors = createDetectors(policy.document.monitoring, deps.kinds)
  }

  async function observe(event: UsageEvent, trx: Kysely<Database>): Promise<void> {
    for (const detector of detectors) {
      for (const candidate of detector.observe(event)) {
        const recorded = await incidents.record(trx, candidate)
        const entry = auditOfRecorded(recorded)
        if (entry !== null) audits.push(entry)
        if (recorded.created || recorded.escalatedFrom !== null) {
          await mitigations.plan(trx, recorded.incident, recorded.escalatedFrom !== null)
        }
      }
    }
  }

  const feed = createUsageFeed({
    store: deps.store,
    name: 'detectors',
    holder: deps.holder,
    now: deps.now,
    leaseMs: deps.leaseMs,
    batchSize: deps.batchSize,
    maxBatches: 20,
    warmupEvents: deps.warmupEvents,
    consumer: {
      warm(events) {
        build()
        for (const event of events) for (const detector of detectors) detector.observe(event)
      },
      async consume(events, trx) {
        audits = []
        for (const event of events) await observe(event, trx)
      },
      async committed() {
        for (const entry of audits) deps.audit.append(entry)
        audits = []
        await mitigations.applyPending()
      },
    },
  })

  async function tick(): Promise<FeedTick> {
    if (version !== deps.policy().version) feed.reset()
    const done = await feed.tick()
    if (done.held) {
      // Pending ones a previous holder left, and throttles whose time is up.
      await mitigations.applyPending()
      await mitigations.expireDue()
    }
    return done
  }

  return {
    tick,
    /** Subjects the detectors track now, for health. */
    subjects: () => detectors.reduce((sum, d) => sum + d.size(), 0),
    /** Reads the feed every `intervalMs`, one tick at a time, until `close`. */
    schedule(intervalMs: number, onError: (error: unknown) => void): void {
      if (timer !== null) return
      timer = setInterval(() => {
        if (running !== null) return
        running = tick()
          .catch(onError)
          .finally(() => {
            running = null
          })
      }, intervalMs)
      timer.unref()
    },
    /** Stops and hands the feed's lease back. */
    async close(): Promise<void> {
      if (timer !== null) clearInterval(timer)
      timer = null
      await running
      await feed.close()
    },
  }
}

/** The running monitor. */
export type Monitor = ReturnType<typeof createMonitor>
