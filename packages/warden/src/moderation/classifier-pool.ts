import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { performance, type EventLoopUtilization } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { ClassifierEntry } from '../config/index.js'
import type { ClassifierDeps, Direction } from './classifier.js'
import { classifierKinds as builtInKinds } from './classifier-kinds.js'
import {
  buildMembers,
  byDirection,
  closeMembers,
  gather,
  outcomesOf,
  type ClassifierKinds,
  type ClassifierSet,
  type Member,
  type Outcome,
} from './classifier-set.js'
import type { ClassifierWorkerData, ClassifierWorkerHello } from './classifier-worker.js'

/** The worker's answer for a text in which nothing was found (`CLEAN` in the worker). */
const CLEAN = 0
const NOTHING: Outcome = { findings: [] }

/**
 * The content filter's classifiers with worker threads beside the event loop. The local
 * classifiers are pure CPU: judged in the event loop, a gateway at saturation spends most of a
 * core on them while the machine's other cores idle, and a long prompt holds every other request
 * up. So while the event loop is busy (or for a long text), the local classifiers' share of a
 * check goes to a worker thread, in batches (one message per event-loop turn each way, not one
 * per check), and the remote ones run here as before. While the loop is mostly idle, a check is
 * judged here: a hop to a thread and back adds more latency than a short check costs.
 * The findings are the same either way: both run the same classifiers on the same text.
 */

/** Kinds a worker may run: local, no network, built in (a worker builds them from the registry). */
export const OFFLOADABLE_KINDS: ReadonlySet<string> = new Set([
  'text-harm',
  'pii',
  'secrets',
  'injection',
  'profiling',
  'profanity',
  'spam',
])

export interface ClassifierPoolOptions {
  /** Worker threads; 0 judges everything in the event loop. */
  readonly workers: number
  /** `when-busy`: offload while the event loop is busy or the text is long; `always`: every check. */
  readonly offload: 'when-busy' | 'always'
  /**
   * Requests in progress. With `when-busy`, checks go to workers only while at least two are:
   * one request at a time keeps the loop busy too, but gains nothing from a thread hop.
   */
  readonly inFlight?: () => number
  /** A worker failed, stopped or hung; the checks it held failed in their classifiers' fail mode. */
  readonly onError: (error: Error) => void
}

/** How many checks went where, and how many workers are up. */
export interface ClassifierPoolStats {
  readonly workers: number
  readonly offloaded: number
  readonly inline: number
}

export interface PooledClassifierSet extends ClassifierSet {
  stats(): ClassifierPoolStats
  /** Starts the workers, if any, and resolves once every one is ready (or has failed). */
  ready(): Promise<void>
}

/** `auto` workers: one core stays with the event loop; beyond four, returns diminish. */
export function autoWorkers(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1))
}

/** Event-loop utilisation over the last sample at which checks start to go to workers… */
const BUSY_FROM = 0.5
/** …and below which they come back (between the two, the mode stays as it was). */
const IDLE_BELOW = 0.3
const SAMPLE_MS = 100
/** A text at least this long goes to a worker whatever the load: judging it here blocks the loop. */
const LONG_TEXT = 16_384
/** A worker that has answered nothing for this long while checks wait is stopped and replaced. */
const HUNG_MS = 30_000
/** The least time between two starts of a worker that stopped. */
const RESTART_MS = 1_000

interface Thread {
  readonly worker: Worker
  ready: boolean
  /** Checks sent and not yet answered. */
  waiting: number
  lastHeard: number
  /** `[id, direction index, text, …]` for the next message. */
  queue: Array<number | string>
}

interface Waiting {
  readonly resolve: (outcomes: readonly Outcome[] | typeof CLEAN | Error) => void
  readonly deadline: number
  readonly thread: Thread
}

/** The plan for one direction: its members in order, and which of them a worker judges. */
interface Plan {
  readonly members: readonly Member[]
  readonly far: readonly boolean[]
  readonly near: readonly Member[]
  readonly farCount: number
  /** How long the worker's answer is waited for: the longest time of the members it judges. */
  readonly timeoutMs: number
}

export async function createPooledClassifierSet(
  entries: readonly ClassifierEntry[],
  kinds: ClassifierKinds,
  deps: ClassifierDeps,
  options: ClassifierPoolOptions,
): Promise<PooledClassifierSet> {
  const members = await buildMembers(entries, kinds, deps)
  // A kind replaced in the registry (a test's, an embedder's) is not the one a worker would build.
  const offloadable = (m: Member) =>
    OFFLOADABLE_KINDS.has(m.entry.kind) && kinds[m.entry.kind] === builtInKinds[m.entry.kind]
  const farEntries = members.filter(offloadable).map((m) => m.entry)
  const running = byDirection(members)
  const planOf = (list: readonly Member[]): Plan => {
    const far = list.map(offloadable)
    return {
      members: list,
      far,
      near: list.filter((_, i) => !far[i]),
      farCount: far.filter(Boolean).length,
      timeoutMs: Math.max(0, ...list.filter((_, i) => far[i]).map((m) => m.entry.timeoutMs)),
    }
  }
  const plans: Record<Direction, Plan> = {
    input: planOf(running.input),
    output: planOf(running.output),
  }
  const wanted = farEntries.length > 0 ? options.workers : 0
  const pool = createThreads(
    wanted,
    {
      entries: farEntries,
      baseDir: deps.baseDir,
      env: { ...deps.env },
    },
    options.onError,
  )
  let offloaded = 0
  let inline = 0

  // Whether the event loop is busy, sampled from the first check on (`inFlight` may read what
  // is built after this set), and only when there are workers to send checks to.
  let busy = options.offload === 'always'
  let last: EventLoopUtilization | undefined
  let sampler: ReturnType<typeof setInterval> | undefined
  const sample = () => {
    const now = performance.eventLoopUtilization()
    const used = last === undefined ? 0 : performance.eventLoopUtilization(now, last).utilization
    last = now
    const crowded = (options.inFlight?.() ?? 2) >= 2
    busy = crowded && (busy ? used >= IDLE_BELOW : used >= BUSY_FROM)
  }
  const sampling = wanted > 0 && options.offload === 'when-busy'
  if (options.offload === 'always') await pool.ready()

  return {
    ids: members.map((m) => m.entry.id),
    reads: (direction) => plans[direction].members.length > 0,
    async classify(text, direction, signal) {
      const plan = plans[direction]
      if (plan.members.length === 0) return { findings: [], failures: [] }
      if (sampling && sampler === undefined) sampler = setInterval(sample, SAMPLE_MS).unref()
      const thread =
        plan.farCount > 0 && (busy || text.length >= LONG_TEXT) ? pool.pick() : undefined
      if (thread === undefined) {
        inline += 1
        const outcomes = await outcomesOf(plan.members, text, direction, signal)
        if (signal.aborted) throw signal.reason
        return gather(outcomes)
      }
      offloaded += 1
      const far = pool.send(thread, text, direction, plan.timeoutMs)
      const near = plan.near.length > 0 ? outcomesOf(plan.near, text, direction, signal) : []
      const [farOutcomes, nearOutcomes] = await Promise.all([far, near])
      if (signal.aborted) throw signal.reason
      const outcomes: Outcome[] = []
      let f = 0
      let n = 0
      plan.members.forEach((member, i) => {
        if (!plan.far[i]) outcomes.push(nearOutcomes[n++] as Outcome)
        else if (farOutcomes === CLEAN) outcomes.push(NOTHING)
        else if (Array.isArray(farOutcomes)) outcomes.push(farOutcomes[f++] as Outcome)
        else outcomes.push(failed(member, farOutcomes as Error))
      })
      return gather(outcomes)
    },
    stats: () => ({ workers: pool.readyCount(), offloaded, inline }),
    ready: () => pool.ready(),
    async close() {
      clearInterval(sampler)
      await Promise.all([pool.close(), closeMembers(members)])
    },
  }
}

/** A member's failure when the worker gave no answer in time, or stopped. */
function failed(member: Member, error: Error): Outcome {
  const timedOut = error instanceof TimeoutError
  return {
    failure: {
      classifier: member.entry.id,
      reason: timedOut ? 'timeout' : 'error',
      fail: member.entry.fail,
      message: error.message.slice(0, 300),
    },
  }
}

class TimeoutError extends Error {}

/**
 * The worker script, built: under a test runner this module is TypeScript in `src/`, and a
 * worker is plain Node, so it runs the compiled copy in `dist/` (`npm test` builds first).
 */
function workerScript(): URL {
  const own = new URL('./classifier-worker.js', import.meta.url)
  const file = fileURLToPath(own)
  if (existsSync(file)) return own
  return pathToFileURL(file.replace(/([\\/])src([\\/])moderation([\\/])/, '$1dist$2moderation$3'))
}

/** The worker threads and the checks waiting on them. */
function createThreads(wanted: number, data: ClassifierWorkerData, onError: (e: Error) => void) {
  let count = wanted
  const threads: Thread[] = []
  const waiting = new Map<number, Waiting>()
  let nextId = 0
  let starting: Promise<void> | undefined
  let lastStart = -Infinity
  let timer: ReturnType<typeof setTimeout> | undefined
  let timerAt = Infinity
  let closed = false
  let flushScheduled = false

  const settle = (id: number, answer: readonly Outcome[] | typeof CLEAN | Error) => {
    const entry = waiting.get(id)
    if (entry === undefined) return
    waiting.delete(id)
    entry.thread.waiting -= 1
    entry.resolve(answer)
  }

  const drop = (thread: Thread, why: Error) => {
    const at = threads.indexOf(thread)
    if (at >= 0) threads.splice(at, 1)
    thread.ready = false
    for (const [id, entry] of waiting) if (entry.thread === thread) settle(id, why)
  }

  const startOne = (): Promise<void> =>
    new Promise((resolve) => {
      const thread: Thread = {
        worker: new Worker(workerScript(), { workerData: data }),
        ready: false,
        waiting: 0,
        lastHeard: performance.now(),
        queue: [],
      }
      threads.push(thread)
      thread.worker.unref()
      thread.worker.once('message', (hello: ClassifierWorkerHello) => {
        if ('failed' in hello) {
          // What failed to build there built here: a worker cannot help, so none is started again.
          count = 0
          onError(new Error(`classifier worker: ${hello.failed}`))
          void thread.worker.terminate()
        } else {
          thread.ready = true
          thread.worker.on('message', (answers: Array<number | readonly Outcome[]>) => {
            thread.lastHeard = performance.now()
            for (let i = 0; i + 1 < answers.length; i += 2) {
              settle(answers[i] as number, answers[i + 1] as readonly Outcome[] | typeof CLEAN)
            }
          })
        }
        resolve()
      })
      thread.worker.on('error', (error) => {
        onError(error)
        drop(thread, error)
        resolve()
      })
      thread.worker.on('exit', (code) => {
        drop(thread, new Error(`classifier worker stopped (exit code ${code})`))
        resolve()
      })
    })

  /** Starts the missing workers, at most once a second; resolves when each is up or failed. */
  const ready = (): Promise<void> => {
    if (closed || count === 0) return Promise.resolve()
    if (starting !== undefined) return starting
    if (threads.length >= count || performance.now() - lastStart < RESTART_MS) {
      return Promise.resolve()
    }
    lastStart = performance.now()
    const missing = count - threads.length
    starting = Promise.all(Array.from({ length: missing }, startOne)).then(() => {
      starting = undefined
    })
    return starting
  }

  const flush = () => {
    flushScheduled = false
    for (const thread of threads) {
      if (thread.queue.length === 0) continue
      const batch = thread.queue
      thread.queue = []
      thread.worker.postMessage(batch)
    }
  }

  /** Fails the checks whose time is up, stops a worker that hangs, and sets the next sweep. */
  const sweep = () => {
    timer = undefined
    timerAt = Infinity
    const now = performance.now()
    let next = Infinity
    const hung = new Set<Thread>()
    for (const [id, entry] of waiting) {
      if (entry.deadline > now) {
        next = Math.min(next, entry.deadline)
        continue
      }
      if (now - entry.thread.lastHeard > HUNG_MS) hung.add(entry.thread)
      settle(id, new TimeoutError(`no answer from the classifier worker within its time`))
    }
    for (const thread of hung) {
      onError(new Error(`classifier worker answered nothing for ${HUNG_MS} ms; restarting it`))
      drop(thread, new Error('classifier worker restarted'))
      void thread.worker.terminate()
    }
    if (next !== Infinity) arm(next)
  }

  const arm = (at: number) => {
    if (at >= timerAt) return
    clearTimeout(timer)
    timerAt = at
    timer = setTimeout(sweep, Math.max(0, at - performance.now()))
    timer.unref()
  }

  return {
    ready,
    readyCount: () => threads.filter((t) => t.ready).length,
    /** The ready worker with the fewest checks waiting; none (judge here) while they start. */
    pick(): Thread | undefined {
      let best: Thread | undefined
      for (const thread of threads) {
        if (thread.ready && (best === undefined || thread.waiting < best.waiting)) best = thread
      }
      if (best === undefined || threads.length < count) void ready()
      return best
    },
    send(
      thread: Thread,
      text: string,
      direction: Direction,
      timeoutMs: number,
    ): Promise<readonly Outcome[] | typeof CLEAN | Error> {
      const id = nextId++
      const deadline = performance.now() + timeoutMs
      const answer = new Promise<readonly Outcome[] | typeof CLEAN | Error>((resolve) => {
        waiting.set(id, { resolve, deadline, thread })
      })
      thread.waiting += 1
      thread.queue.push(id, direction === 'input' ? 0 : 1, text)
      if (!flushScheduled) {
        flushScheduled = true
        setImmediate(flush)
      }
      arm(deadline)
      return answer
    },
    async close() {
      closed = true
      clearTimeout(timer)
      for (const [id] of waiting) settle(id, new Error('classifier pool closed'))
      await Promise.all(threads.map((t) => t.worker.terminate()))
    },
  }
}
