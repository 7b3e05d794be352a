import { bindSecrets, type ClassifierEntry } from '../config/index.js'
import type { ContentAction } from '../policy/index.js'
import type {
  Classifier,
  ClassifierDeps,
  ClassifierKind,
  Direction,
  Finding,
} from './classifier.js'

/** A finding, with the strongest action its classifier may lead to. */
export interface CappedFinding extends Finding {
  readonly maxAction: ContentAction
}

/** A classifier that could not judge a text: it threw, or its time ran out. */
export interface ClassifierFailure {
  readonly classifier: string
  readonly reason: 'error' | 'timeout'
  /** What the configuration says a failure means: `closed` blocks, `open` serves. */
  readonly fail: 'open' | 'closed'
  /** For logs and operators; never the text, never a secret. */
  readonly message: string
}

/** What every classifier made of one text. */
export interface Classified {
  readonly findings: readonly CappedFinding[]
  readonly failures: readonly ClassifierFailure[]
}

/** The configured classifiers, run together. */
export interface ClassifierSet {
  /** The classifiers' ids, in configuration order. */
  readonly ids: readonly string[]
  /** True when some classifier reads texts of `direction`. */
  reads(direction: Direction): boolean
  /**
   * Runs every classifier of `direction` on `text` at once, each within its own time. Never
   * throws for a classifier's sake: a failure is a value, and `signal` aborting stops them all.
   */
  classify(text: string, direction: Direction, signal: AbortSignal): Promise<Classified>
  /** Classifiers that hold resources (a model, a connection pool) let go of them. */
  close(): Promise<void>
}

/** One built classifier of a set, with its configuration entry. */
export interface Member {
  readonly entry: ClassifierEntry
  readonly classifier: Classifier
  /** Its kind calls out over the network: it gets a signal of its own. */
  readonly remote: boolean
}

/** Classifier kinds by the `kind` a configuration entry names. */
export type ClassifierKinds = Readonly<Record<string, ClassifierKind<unknown>>>

/** A configuration entry that does not build: names the entry and what is wrong. */
export class ClassifierConfigError extends Error {
  override readonly name = 'ClassifierConfigError'
}

/** Every configured classifier, built (see {@link buildMembers}), judging in this thread. */
export async function createClassifierSet(
  entries: readonly ClassifierEntry[],
  kinds: ClassifierKinds,
  deps: ClassifierDeps,
): Promise<ClassifierSet> {
  return setOf(await buildMembers(entries, kinds, deps))
}

/**
 * Builds every configured classifier, checking each entry's options with its kind's schema:
 * a mistake stops start-up with the entry's place (`moderation.classifiers[2].options.x`).
 */
export async function buildMembers(
  entries: readonly ClassifierEntry[],
  kinds: ClassifierKinds,
  deps: ClassifierDeps,
): Promise<Member[]> {
  const members: Member[] = []
  const seen = new Set<string>()
  for (const [index, entry] of entries.entries()) {
    const place = `moderation.classifiers[${index}]`
    if (seen.has(entry.id)) throw new ClassifierConfigError(`${place}.id: "${entry.id}" twice`)
    seen.add(entry.id)
    const kind = Object.hasOwn(kinds, entry.kind) ? kinds[entry.kind] : undefined
    if (kind === undefined) {
      throw new ClassifierConfigError(
        `${place}.kind: unknown kind "${entry.kind}"; known kinds: ${Object.keys(kinds).join(', ')}`,
      )
    }
    const parsed = kind.options.safeParse(entry.options)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const path = ['options', ...(issue?.path ?? [])].join('.')
      throw new ClassifierConfigError(`${place}.${path}: ${issue?.message ?? 'invalid'}`)
    }
    // Secrets in options (`api_key: env:NAME`) are bound like the config's own, named by place.
    bindSecrets(parsed.data, { env: deps.env, baseDir: deps.baseDir }, `${place}.options`)
    try {
      members.push({
        entry,
        classifier: await kind.create(entry.id, parsed.data, deps),
        remote: kind.remote === true,
      })
    } catch (error) {
      throw new ClassifierConfigError(`${place}: ${(error as Error).message}`, { cause: error })
    }
  }
  return members
}

/** The members of each direction, in configuration order. */
export function byDirection(members: readonly Member[]): Record<Direction, Member[]> {
  return {
    input: members.filter((m) => m.entry.directions.includes('input')),
    output: members.filter((m) => m.entry.directions.includes('output')),
  }
}

/** A set over built members: judges in this thread. */
function setOf(members: readonly Member[]): ClassifierSet {
  const running = byDirection(members)
  return {
    ids: members.map((m) => m.entry.id),
    reads: (direction) => running[direction].length > 0,
    async classify(text, direction, signal) {
      if (running[direction].length === 0) return { findings: [], failures: [] }
      const outcomes = await outcomesOf(running[direction], text, direction, signal)
      if (signal.aborted) throw signal.reason
      return gather(outcomes)
    },
    close: () => closeMembers(members),
  }
}

/** Every member lets go of what it holds. */
export async function closeMembers(members: readonly Member[]): Promise<void> {
  await Promise.all(members.map((m) => m.classifier.close?.() ?? Promise.resolve()))
}

/**
 * Each member's outcome on one text, in order: those that judge at once first, in a plain loop,
 * then the rest at once, each within its own time. Never rejects for a member's sake.
 */
export async function outcomesOf(
  running: readonly Member[],
  text: string,
  direction: Direction,
  signal: AbortSignal,
): Promise<Outcome[]> {
  const outcomes = judgeNow(running, text, direction, signal)
  const later = running.filter((_, i) => outcomes[i] === undefined)
  if (later.length > 0) {
    const judged = await runAll(later, text, direction, signal)
    for (let i = 0, k = 0; i < outcomes.length; i += 1) {
      if (outcomes[i] === undefined) outcomes[i] = judged[k++]
    }
  }
  return outcomes as Outcome[]
}

/** The findings and failures of members' outcomes, in order. */
export function gather(outcomes: readonly Outcome[]): Classified {
  const findings: CappedFinding[] = []
  const failures: ClassifierFailure[] = []
  for (const outcome of outcomes) {
    if ('failure' in outcome) failures.push(outcome.failure)
    else findings.push(...outcome.findings)
  }
  return { findings, failures }
}

/** What one member made of a text: its findings, or why it could not judge. */
export type Outcome =
  { readonly findings: readonly CappedFinding[] } | { readonly failure: ClassifierFailure }

/**
 * The outcomes of the members that judge at once (`classifyNow`), in order; `undefined` for
 * each member that must be waited for. One input object serves them all: they never mutate it.
 */
function judgeNow(
  running: readonly Member[],
  text: string,
  direction: Direction,
  signal: AbortSignal,
): Array<Outcome | undefined> {
  const outcomes = new Array<Outcome | undefined>(running.length)
  const input = { text, direction, signal }
  for (let i = 0; i < running.length; i += 1) {
    const { classifier, entry } = running[i] as Member
    if (classifier.classifyNow === undefined) continue
    try {
      const found = classifier.classifyNow(input)
      if (found !== undefined) outcomes[i] = { findings: found.map((f) => capped(f, entry)) }
    } catch (error) {
      outcomes[i] = {
        failure: {
          classifier: entry.id,
          reason: 'error',
          fail: entry.fail,
          message: errorText(error),
        },
      }
    }
  }
  return outcomes
}

/**
 * Runs the members that must be waited for (remote ones, and local ones on texts too long to
 * judge without yielding) on one text at once, and resolves with each one's outcome, in order.
 * The time limits share one timer, set for the nearest deadline and set again for the next: a
 * request pays one timer, not one per classifier, and no controller unless a member is remote
 * (measured: a controller and an abort per run cost more than the local classifiers' work).
 */
function runAll(
  running: readonly Member[],
  text: string,
  direction: Direction,
  signal: AbortSignal,
): Promise<Outcome[]> {
  return new Promise((resolve) => {
    const outcomes: Array<Outcome | undefined> = new Array<Outcome | undefined>(running.length)
    const controllers: Array<AbortController | null> = running.map((m) =>
      m.remote ? new AbortController() : null,
    )
    let left = running.length
    let timer: ReturnType<typeof setTimeout> | undefined
    const stopAll = () => {
      for (const c of controllers) c?.abort(signal.reason)
    }
    const settle = (i: number, outcome: Outcome) => {
      if (outcomes[i] !== undefined) return
      outcomes[i] = outcome
      left -= 1
      if (left > 0) return
      clearTimeout(timer)
      if (controllers.some((c) => c !== null)) signal.removeEventListener('abort', stopAll)
      resolve(outcomes as Outcome[])
    }
    const failure = (i: number, reason: ClassifierFailure['reason'], message: string): Outcome => {
      const { entry } = running[i] as Member
      return { failure: { classifier: entry.id, reason, fail: entry.fail, message } }
    }
    const startedAt = performance.now()
    const arm = () => {
      const now = performance.now()
      let next = Infinity
      running.forEach((m, i) => {
        if (outcomes[i] !== undefined) return
        const deadline = startedAt + m.entry.timeoutMs
        if (deadline > now) {
          next = Math.min(next, deadline)
          return
        }
        settle(i, failure(i, 'timeout', `no answer within ${m.entry.timeoutMs} ms`))
        controllers[i]?.abort(new Error('classifier timed out'))
      })
      if (left > 0 && next !== Infinity) timer = setTimeout(arm, next - now)
    }
    if (controllers.some((c) => c !== null)) {
      signal.addEventListener('abort', stopAll, { once: true })
      if (signal.aborted) stopAll()
    }
    running.forEach((m, i) => {
      let judged: Promise<readonly Finding[]>
      try {
        judged = m.classifier.classify({
          text,
          direction,
          signal: controllers[i]?.signal ?? signal,
        })
      } catch (error) {
        // A classifier that throws before it returns a promise is as broken as one that rejects.
        judged = Promise.reject(error instanceof Error ? error : new Error(String(error)))
      }
      judged.then(
        (found) => settle(i, { findings: found.map((f) => capped(f, m.entry)) }),
        (error: unknown) => settle(i, failure(i, 'error', errorText(error))),
      )
    })
    if (left > 0) arm()
  })
}

/** A finding as the set reports it: its score kept within 0..1, its classifier named. */
function capped(finding: Finding, entry: ClassifierEntry): CappedFinding {
  const score = Number.isFinite(finding.score) ? Math.min(Math.max(finding.score, 0), 1) : 0
  return { ...finding, score, classifier: entry.id, maxAction: entry.maxAction }
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.slice(0, 300)
}
