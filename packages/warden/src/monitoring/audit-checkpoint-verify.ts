import { createReadStream } from 'node:fs'
import { access } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { readCheckpointLine } from './audit-checkpoint.js'

/** One problem `verify` reports, at the entry (or checkpoint) sequence number it concerns. */
export interface AuditProblem {
  readonly seq: number
  readonly problem: string
}

/** The valid checkpoints of a file, by sequence number, and what was wrong with the others. */
export interface CheckpointIndex {
  /** The file read, for messages. */
  readonly path: string
  /** The file does not exist. */
  readonly missing: boolean
  /** Valid, trusted checkpoints read. */
  readonly count: number
  readonly bySeq: ReadonlyMap<number, { readonly hash: string; readonly line: number }>
  readonly problems: readonly AuditProblem[]
}

/** Reads a checkpoint file into an index; `verify` reads it before the head, never after. */
export async function readCheckpointIndex(
  path: string,
  trustedKeyIds: ReadonlySet<string>,
): Promise<CheckpointIndex> {
  const bySeq = new Map<number, { hash: string; line: number }>()
  const problems: AuditProblem[] = []
  try {
    await access(path)
  } catch {
    return { path, missing: true, count: 0, bySeq, problems }
  }
  let lineNo = 0
  let count = 0
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })
  for await (const line of lines) {
    lineNo += 1
    if (line.trim() === '') continue
    const read = readCheckpointLine(line, lineNo, trustedKeyIds)
    if (!read.ok) {
      problems.push({ seq: read.seq, problem: read.problem })
      continue
    }
    count += 1
    const { seq, hash } = read.checkpoint
    const earlier = bySeq.get(seq)
    if (earlier === undefined) bySeq.set(seq, { hash, line: lineNo })
    else if (earlier.hash !== hash) {
      problems.push({
        seq,
        problem: `checkpoint lines ${earlier.line} and ${lineNo} disagree on the hash of entry ${seq}: the log was rewritten or restarted between them`,
      })
    }
  }
  return { path, missing: false, count, bySeq, problems }
}

/** Checks the entries of a chain, as `verify` reads them in order, against a checkpoint index. */
export interface CheckpointMatcher {
  /** Called with every entry read. */
  see(seq: number, hash: string): void
  /** The problems found once the chain up to `headSeq` was read. */
  finish(headSeq: number): AuditProblem[]
}

/**
 * A matcher over `index`. A run of many checkpoints all wrong for the same reason (after a
 * rewrite every later one disagrees) is reported once, at the first, with how many there are.
 */
export function createCheckpointMatcher(index: CheckpointIndex): CheckpointMatcher {
  const seen = new Set<number>()
  const mismatched: number[] = []

  const summarize = (seqs: readonly number[], describe: (seq: number) => string) => {
    const first = seqs[0]
    if (first === undefined) return []
    const more = seqs.length > 1 ? ` (and ${seqs.length - 1} later checkpoints)` : ''
    return [{ seq: first, problem: `${describe(first)}${more}` }]
  }
  const lineOf = (seq: number) => index.bySeq.get(seq)?.line ?? 0

  return {
    see(seq, hash) {
      const checkpoint = index.bySeq.get(seq)
      if (checkpoint === undefined) return
      seen.add(seq)
      if (checkpoint.hash !== hash) mismatched.push(seq)
    },
    finish(headSeq) {
      const all = [...index.bySeq.keys()].sort((a, b) => a - b)
      const beyond = all.filter((seq) => seq > headSeq)
      const absent = all.filter((seq) => seq <= headSeq && !seen.has(seq))
      return [
        ...index.problems,
        ...summarize(
          mismatched,
          (seq) =>
            `does not match checkpoint line ${lineOf(seq)}: the chain was rewritten (and re-hashed) after it was checkpointed`,
        ),
        ...summarize(absent, (seq) => `is missing, but checkpoint line ${lineOf(seq)} recorded it`),
        ...summarize(
          beyond,
          (seq) =>
            `checkpoint line ${lineOf(seq)} recorded the chain at entry ${seq} but the head is at ${headSeq}: entries were removed and the head rewound, or the log was deleted and restarted`,
        ),
      ].sort((a, b) => a.seq - b.seq)
    },
  }
}
