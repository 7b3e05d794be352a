import { parentPort, workerData } from 'node:worker_threads'
import type { ClassifierEntry } from '../config/index.js'
import { classifierKinds } from './classifier-kinds.js'
import { buildMembers, byDirection, outcomesOf, type Outcome } from './classifier-set.js'
import { DIRECTIONS } from './classifier.js'

/**
 * A classifier worker thread (see `classifier-pool.ts`): builds the local classifiers it is
 * given, then judges texts as they come, in batches both ways. A message in is a flat array
 * `[id, direction index, text, …]`; a message out is `[id, outcomes, …]`, the outcomes of the
 * entries of that direction in configuration order, or {@link CLEAN} when all are empty.
 */

/** What the pool hands a worker when it starts it. */
export interface ClassifierWorkerData {
  readonly entries: readonly ClassifierEntry[]
  readonly baseDir: string
  readonly env: Readonly<Record<string, string | undefined>>
}

/** The first message a worker sends: it is ready, or why it could not start. */
export type ClassifierWorkerHello = { readonly ready: true } | { readonly failed: string }

/** The answer for a text in which no classifier found or failed anything. */
export const CLEAN = 0

const isClean = (outcome: Outcome): boolean =>
  'findings' in outcome && outcome.findings.length === 0

async function main(port: NonNullable<typeof parentPort>): Promise<void> {
  const data = workerData as ClassifierWorkerData
  let members
  try {
    members = await buildMembers(data.entries, classifierKinds, {
      baseDir: data.baseDir,
      env: data.env,
    })
  } catch (error) {
    port.postMessage({ failed: (error as Error).message } satisfies ClassifierWorkerHello)
    return
  }
  const running = byDirection(members)
  // Nothing aborts a worker's judgement: the pool gives up waiting instead.
  const signal = new AbortController().signal
  let out: Array<number | readonly Outcome[]> = []
  let flushing = false
  const flush = () => {
    flushing = false
    const batch = out
    out = []
    port.postMessage(batch)
  }
  port.on('message', (batch: Array<number | string>) => {
    for (let i = 0; i + 2 < batch.length; i += 3) {
      const id = batch[i] as number
      const direction = DIRECTIONS[batch[i + 1] as number] ?? 'input'
      // The members that judge at once do so here, in this loop; the answers leave together.
      void outcomesOf(running[direction], batch[i + 2] as string, direction, signal).then(
        (outcomes) => {
          // Most texts hold nothing: a 0 crosses the thread far more cheaply than a copy.
          out.push(id, outcomes.every(isClean) ? CLEAN : outcomes)
          if (!flushing) {
            flushing = true
            setImmediate(flush)
          }
        },
      )
    }
  })
  port.postMessage({ ready: true } satisfies ClassifierWorkerHello)
}

if (parentPort !== null) await main(parentPort)
