import { z } from 'zod'
import {
  judgedAtOnce,
  type Classifier,
  type ClassifierKind,
  type ClassifyInput,
  type Finding,
} from './classifier.js'
import { fold, placeHits } from './phrase-rules.js'
import { matchesOf } from './regex-matches.js'

/**
 * The local profanity classifier (kind `profanity`, category `harassment`): a short word list
 * written for this project, matched as whole words on folded text, so that the usual evasions
 * (`sh1t`, `f u c k`, `fuuuuck`, a Cyrillic `а`, a zero-width space inside, `f*ck`) meet their
 * word while "Scunthorpe", "assessment", "cocktail" and "therapist" never do.
 *
 * Scores, against the harassment thresholds 0.5 (sandbox) and 0.7 (production): mild words 0.15,
 * strong ones 0.35, so that swearing alone stays under both; a slur 0.6; a strong word aimed at a
 * person ("fuck you", "you asshole") 0.6; a slur aimed at a person 0.85. Labels: `profanity`,
 * `slur`.
 */

export const PROFANITY_LABELS = ['profanity', 'slur'] as const
/** Whether a word is swearing or a slur. */
export type ProfanityLabel = (typeof PROFANITY_LABELS)[number]

type Strength = 'mild' | 'strong' | 'slur'

/**
 * Stems and the endings they take, by strength. Masked spellings (`f*ck` folds to `fck`) are
 * listed as words of their own, since the mask could stand for any letter.
 */
const WORDS: Readonly<Record<Strength, readonly string[]>> = {
  mild: ['damn(?:ed|it)?', 'crap(?:py)?', 'piss(?:ed)?', 'bloody', 'bollocks', 'bugger', 'arse'],
  strong: [
    '(?:fuck|fck|fuk|phuck|fcuk|fuq)(?:s|ed|er|ers|ing|in|face|head|wit|tard|off)?',
    '(?:mother|mutha)(?:fuck|fck|fuk)(?:er|ers|ing|a|as)?',
    '(?:shit|sht|shite)(?:s|ty|head|heads|face|hole)?',
    'bullshit',
    'horseshit',
    '(?:ass|arse)holes?',
    '(?:dumb|jack|smart|fat|lard|kick|bad)ass(?:es)?',
    'asswipe',
    'bitch(?:es|y|ing)?',
    'btch',
    'bastards?',
    'cunts?',
    'dickheads?',
    'pricks?',
    'twats?',
    'wankers?',
    'whores?',
    'sluts?',
    'douchebags?',
    'piss off',
  ],
  slur: [
    'nigg(?:er|a|ah|az|ers|as)',
    'ngg?ers?',
    'f(?:a|4)ggots?',
    'fggots?',
    'fags?',
    'retard(?:s|ed)?',
    'spics?',
    'kikes?',
    'kke',
    'chinks?(?! in\\b)',
    'gooks?',
    'dykes?',
    'trann(?:y|ies)',
    'wetbacks?',
    'pakis?',
    'ragheads?',
    'towelheads?',
    'beaners?',
    'sand niggers?',
  ],
}

/**
 * Each letter may come twice: the fold cuts a run of one letter to two, so "fuuuuck" reads
 * "fuuck" and must still meet "fuck".
 */
const doubled = (stem: string): string =>
  stem
    .replace(/(?<!\\)([a-z])(\?)?/g, (_, letter: string, optional?: string) =>
      optional ? `(?:${letter}{1,2})?` : `${letter}{1,2}`,
    )
    .replaceAll(' ', '[^a-z0-9]+')

const STRENGTHS: readonly Strength[] = ['slur', 'strong', 'mild']
const LIST = new RegExp(
  STRENGTHS.map((s) => `\\b(?<${s}>${WORDS[s].map(doubled).join('|')})\\b`).join('|'),
  'g',
)

/** Just before a word: it is said to or of a person ("you …", "is a …", "those …"). */
const AIMED_BEFORE =
  /\b(?:you|you're|youre|ur|u|your|ya|(?:is|was|are|were) (?:a|an|such|so|the|all)|such|he's|she's|they're|theyre|those|these|dirty|filthy|stupid|little|all)\b[^.!?\n]{0,25}$/
/** Just after a word: it is said to a person ("fuck you", "… like you"). */
const AIMED_AFTER = /^[^.!?\n]{0,12}\b(?:you|yourself|yourselves|u|ya)\b/

export const profanityOptions = z.object({
  /** Findings under this score are not reported; the default keeps mild swearing out. */
  minScore: z.number().min(0).max(1).default(0.1),
})
export type ProfanityOptions = z.infer<typeof profanityOptions>

export const profanityClassifierKind: ClassifierKind<ProfanityOptions> = {
  kind: 'profanity',
  options: profanityOptions,
  create: (id, options) => createProfanityClassifier(id, options),
}

interface Hit {
  readonly label: ProfanityLabel
  readonly score: number
  readonly start: number
  readonly end: number
}

/** Builds the classifier; `options` as {@link profanityOptions} parses them. */
export function createProfanityClassifier(
  id = 'profanity',
  options: ProfanityOptions = profanityOptions.parse({}),
): Classifier {
  return {
    id,
    ...judgedAtOnce(({ text, signal }: ClassifyInput): readonly Finding[] => {
      signal.throwIfAborted()
      const folded = fold(text)
      const find = (again: string): Hit[] => bestOfEach(findWords(again), options.minScore)
      const placed = placeHits(text, folded, find(folded), find)
      const best = new Map<ProfanityLabel, (typeof placed)[number]>()
      for (const hit of placed) {
        if ((best.get(hit.label)?.score ?? 0) < hit.score) best.set(hit.label, hit)
      }
      const findings = [...best.values()]
        .filter((hit) => hit.score >= options.minScore)
        .sort((a, b) => b.score - a.score)
        .map((hit) => ({
          category: 'harassment',
          score: hit.score,
          span: hit.span,
          label: hit.label,
          classifier: id,
        }))
      return findings
    }),
  }
}

const SCORES: Readonly<Record<Strength, { readonly alone: number; readonly aimed: number }>> = {
  mild: { alone: 0.15, aimed: 0.3 },
  strong: { alone: 0.35, aimed: 0.6 },
  slur: { alone: 0.6, aimed: 0.85 },
}

/** Every listed word in a folded text, scored by its strength and whether it is aimed. */
function findWords(folded: string): Hit[] {
  const hits: Hit[] = []
  let checked = 0
  for (const match of matchesOf(LIST, folded)) {
    const strength = STRENGTHS.find((s) => match.groups?.[s] !== undefined) ?? 'mild'
    const start = match.index
    const end = start + match[0].length
    // Whether a word is aimed is read for the first few thousand words only: a megabyte of one
    // word repeated must not cost a window read per word.
    const aimed =
      checked++ < MOST_AIMED_CHECKS &&
      (AIMED_BEFORE.test(folded.slice(Math.max(0, start - 40), start)) ||
        AIMED_AFTER.test(folded.slice(end, end + 20)))
    const score = aimed ? SCORES[strength].aimed : SCORES[strength].alone
    hits.push({ label: strength === 'slur' ? 'slur' : 'profanity', score, start, end })
  }
  return hits
}

const MOST_AIMED_CHECKS = 2000

/** The best hit of each label that reaches `minScore`: only those are placed in the original. */
function bestOfEach(hits: readonly Hit[], minScore: number): Hit[] {
  const best = new Map<ProfanityLabel, Hit>()
  for (const hit of hits)
    if ((best.get(hit.label)?.score ?? 0) < hit.score) best.set(hit.label, hit)
  return [...best.values()].filter((hit) => hit.score >= minScore)
}
