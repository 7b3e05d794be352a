import { CONTENT_ACTIONS, type ContentAction, type PolicyDocument } from '../policy/index.js'
import type { Direction } from './classifier.js'
import type { CappedFinding, Classified, ClassifierFailure } from './classifier-set.js'

/** A finding with what the policy makes of it. */
export interface DecidedFinding extends CappedFinding {
  /** What the filter does about this finding. */
  readonly action: ContentAction
  /** The policy clause behind the action (`category.hate`); null for a category it lacks. */
  readonly clause: string | null
}

/** The content filter's judgement of one text, or of a request's texts in one direction. */
export interface ContentVerdict {
  /** The strongest action of any finding or failure. */
  readonly action: ContentAction
  readonly findings: readonly DecidedFinding[]
  readonly failures: readonly ClassifierFailure[]
  /** Why a blocked text is blocked: the finding or the failed classifier that decided it. */
  readonly blockedBy: DecidedFinding | ClassifierFailure | null
}

const RANK: Readonly<Record<ContentAction, number>> = Object.fromEntries(
  CONTENT_ACTIONS.map((action, i) => [action, i]),
) as Record<ContentAction, number>

/** The stronger of two actions (allow < flag < redact < block). */
export function strongerAction(a: ContentAction, b: ContentAction): ContentAction {
  return RANK[a] >= RANK[b] ? a : b
}

/**
 * Applies the policy to what the classifiers found, for one tier and direction. A category
 * the policy does not name is flagged for review, never dropped: a classifier's finding is
 * never silently ignored. A redaction needs a place: a finding without a span is flagged.
 * A classifier that failed closed blocks.
 */
export function decide(
  classified: Classified,
  document: PolicyDocument,
  tier: string,
  direction: Direction,
): ContentVerdict {
  let action: ContentAction = 'allow'
  let blockedBy: ContentVerdict['blockedBy'] = null
  const findings: DecidedFinding[] = []
  for (const finding of classified.findings) {
    const decided = decideOne(finding, document, tier, direction)
    findings.push(decided)
    if (
      decided.action === 'block' &&
      (blockedBy === null || decided.score > blockedScore(blockedBy))
    ) {
      blockedBy = decided
    }
    action = strongerAction(action, decided.action)
  }
  for (const failure of classified.failures) {
    if (failure.fail !== 'closed') continue
    action = 'block'
    blockedBy ??= failure
  }
  return { action, findings, failures: classified.failures, blockedBy }
}

function blockedScore(by: DecidedFinding | ClassifierFailure): number {
  return 'score' in by ? by.score : Infinity
}

function decideOne(
  finding: CappedFinding,
  document: PolicyDocument,
  tier: string,
  direction: Direction,
): DecidedFinding {
  const category = document.categories.find((c) => c.id === finding.category)
  if (category === undefined) {
    return { ...finding, action: capAt('flag', finding.maxAction), clause: null }
  }
  const clause = `category.${category.id}`
  const rule = category.actions[tier]
  if (rule === undefined) return { ...finding, action: 'allow', clause }
  const own = rule[direction]
  const threshold = own?.threshold ?? rule.threshold
  const wanted = finding.score >= threshold ? (own?.action ?? rule.action) : 'allow'
  let action = capAt(wanted, finding.maxAction)
  if (action === 'redact' && finding.span === undefined) action = 'flag'
  return { ...finding, action, clause }
}

function capAt(action: ContentAction, max: ContentAction): ContentAction {
  return RANK[action] <= RANK[max] ? action : max
}
