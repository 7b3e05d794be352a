import { diffWords } from 'diff'
import { clausesOf, type Clause, type PolicyDocument } from './policy-document.js'

/** A run of words in a changed text: the same in both, only in the old, or only in the new. */
export interface TextPart {
  readonly kind: 'same' | 'removed' | 'added'
  readonly text: string
}

/** What happened to one clause between two versions. */
export interface ClauseChange {
  readonly id: string
  readonly kind: 'added' | 'removed' | 'changed'
  readonly before: Clause | null
  readonly after: Clause | null
  /** For a changed clause: the old and new title, when it changed. */
  readonly title: { readonly before: string; readonly after: string } | null
  /** For a changed clause: its text word by word, when it changed. */
  readonly text: readonly TextPart[] | null
  /** For a changed clause: the detail lines (examples, limits, actions) gone and new. */
  readonly details: { readonly removed: readonly string[]; readonly added: readonly string[] }
}

/** Two versions compared clause by clause, matched by clause id. */
export interface PolicyDiff {
  /** The summary word by word, when it changed. */
  readonly summary: readonly TextPart[] | null
  readonly name: { readonly before: string; readonly after: string } | null
  /** Changed, added and removed clauses, in the newer version's order, removed ones last. */
  readonly changes: readonly ClauseChange[]
  /** How many clauses are the same in both. */
  readonly unchanged: number
}

function wordDiff(before: string, after: string): TextPart[] | null {
  if (before === after) return null
  return diffWords(before, after).map((part) => ({
    kind: part.added ? 'added' : part.removed ? 'removed' : 'same',
    text: part.value,
  }))
}

/** Compares two policy documents clause by clause. */
export function diffPolicies(from: PolicyDocument, to: PolicyDocument): PolicyDiff {
  const before = new Map(clausesOf(from).map((c) => [c.id, c]))
  const after = clausesOf(to)
  const changes: ClauseChange[] = []
  let unchanged = 0
  for (const clause of after) {
    const old = before.get(clause.id)
    before.delete(clause.id)
    if (!old) {
      changes.push({
        id: clause.id,
        kind: 'added',
        before: null,
        after: clause,
        title: null,
        text: null,
        details: { removed: [], added: [...clause.details] },
      })
      continue
    }
    const oldDetails = new Set(old.details)
    const newDetails = new Set(clause.details)
    const details = {
      removed: old.details.filter((d) => !newDetails.has(d)),
      added: clause.details.filter((d) => !oldDetails.has(d)),
    }
    const title = old.title === clause.title ? null : { before: old.title, after: clause.title }
    const text = wordDiff(old.text, clause.text)
    if (!title && !text && details.removed.length === 0 && details.added.length === 0) {
      unchanged += 1
      continue
    }
    changes.push({
      id: clause.id,
      kind: 'changed',
      before: old,
      after: clause,
      title,
      text,
      details,
    })
  }
  for (const old of before.values()) {
    changes.push({
      id: old.id,
      kind: 'removed',
      before: old,
      after: null,
      title: null,
      text: null,
      details: { removed: [...old.details], added: [] },
    })
  }
  return {
    summary: wordDiff(from.summary, to.summary),
    name: from.name === to.name ? null : { before: from.name, after: to.name },
    changes,
    unchanged,
  }
}
