import { z } from 'zod'
import {
  judgedAtOnce,
  type Classifier,
  type ClassifierKind,
  type ClassifyInput,
  type Finding,
} from './classifier.js'
import { fold, oneOf, placeHits } from './phrase-rules.js'
import { matchesOf } from './regex-matches.js'

/**
 * The local protected-profiling classifier (kind `profiling`, category `protected_profiling`):
 * requests to classify, infer, score or sort people by a protected characteristic. A sentence
 * is a request when it holds an act of sorting people (guess, infer, rank, filter out…), a word
 * for people (applicant, user, customer…) and a protected characteristic; words of fairness work
 * (bias, discrimination, audit, fair…) or of statistics about groups mark the sentence as the
 * opposite and keep its score under the thresholds.
 *
 * Scores: 0.9 a request that also excludes (drop, reject, screen out…); 0.8 one that sorts or
 * infers; 0.3 either, said in a sentence about fairness. The label names the characteristic.
 */

export const PROFILING_LABELS = [
  'race_ethnicity',
  'religion',
  'sexual_orientation',
  'gender_identity',
  'disability',
  'health',
  'political_opinion',
  'union_membership',
  'age',
  'national_origin',
] as const
/** The protected characteristic a profiling finding names. */
export type ProfilingLabel = (typeof PROFILING_LABELS)[number]

/** Words of each characteristic, whole words over folded text; written for this project. */
const CHARACTERISTICS: Readonly<Record<ProfilingLabel, readonly string[]>> = {
  race_ethnicity: [
    'race',
    'races',
    'racial',
    'ethnicity',
    'ethnic',
    'ethnically',
    'skin colou?r',
    'black',
    'white',
    'asian',
    'hispanic',
    'latino',
    'latina',
    'arab',
    'jewish',
    'roma',
    'caste',
  ],
  religion: [
    'religion',
    'religions',
    'religious',
    'faith',
    'muslims?',
    'christians?',
    'jews',
    'hindus?',
    'sikhs?',
    'buddhists?',
    'atheists?',
    'catholics?',
  ],
  sexual_orientation: [
    'sexual orientation',
    'sexuality',
    'gay',
    'gays',
    'lesbians?',
    'bisexual',
    'homosexual',
    'homosexuals',
    'queer',
    'straight or gay',
    'lgbt\\w*',
  ],
  gender_identity: [
    'gender identity',
    'transgender',
    'trans',
    'nonbinary',
    'non binary',
    'transsexual',
  ],
  disability: [
    'disability',
    'disabilities',
    'disabled',
    'autism',
    'autistic',
    'adhd',
    'dyslexi[ac]',
    'wheelchair',
    'blind',
    'deaf',
    'learning disability',
  ],
  health: [
    'health',
    'pregnant',
    'pregnancy',
    'hiv',
    'aids',
    'cancer',
    'mental illness',
    'mentally ill',
    'depression',
    'depressed',
    'diabetes',
    'medical condition',
    'medical history',
    'illness',
    'disease',
  ],
  political_opinion: [
    'political',
    'politics',
    'liberal',
    'conservative',
    'democrats?',
    'republicans?',
    'left wing',
    'right wing',
    'opposition party',
    'votes? for',
    'partisan',
  ],
  union_membership: ['union members?', 'union membership', 'trade unions?', 'unionize', 'unionise'],
  age: [
    'age',
    'ages',
    'older',
    'elderly',
    'younger',
    'over \\d\\d',
    'under \\d\\d',
    'birth year',
    'graduation year',
  ],
  national_origin: [
    'national origin',
    'nationality',
    'nationalities',
    'country of origin',
    'immigrants?',
    'immigration status',
    'foreign',
    'foreigners?',
    'foreign sounding',
    'accent',
    'citizenship',
  ],
}

/** Acts of sorting people, and of sorting them out. */
const EXCLUDE = oneOf([
  'drop',
  'reject',
  'exclude',
  'screen out',
  'filter out',
  'weed out',
  'remove',
  'disqualify',
  'eliminate',
  'avoid',
  'deny',
  'stop offering',
  'put \\w+ at the bottom',
  'blacklist',
  'fire',
  'layoffs?',
  'not hire',
])
const SORT = oneOf([
  'classify',
  'categori[sz]e',
  'infer',
  'inferring',
  'guess',
  'deduce',
  'determine',
  'predict',
  'detect',
  'identify',
  'rank',
  'sort',
  'filter',
  'screen',
  'score',
  'label',
  'labels',
  'tag',
  'segment',
  'profile',
  'figure out',
  'work out',
  'tell me (?:which|who|whether|if)',
  'estimate',
  'flag',
  'analy[sz]e',
  'go through',
  'find out',
  'which of (?:these|the|our|my)',
  'whether each',
])
const PEOPLE = oneOf([
  'persons?',
  'people',
  'applicants?',
  'candidates?',
  'users?',
  'customers?',
  'clients?',
  'employees?',
  'staff',
  'tenants?',
  'patients?',
  'students?',
  'residents?',
  'individuals?',
  'members?',
  'voters?',
  'workers?',
  'callers?',
  'borrowers?',
  'cvs?',
  'resumes?',
  'profiles?',
  'surnames?',
  'names',
  'faces?',
  'photos?',
  'each',
  'everyone',
  'anyone',
  'mailing list',
  'visitors?',
  'buyers?',
  'subscribers?',
])
/** Words of work against discrimination, or of statistics about groups rather than people. */
const FAIRNESS = new RegExp(
  `\\b${oneOf([
    'bias',
    'biased',
    'biases',
    'discriminat\\w*',
    'fair',
    'fairness',
    'unfair',
    'audit\\w*',
    'disparate',
    'equal opportunity',
    'anti',
    'prevent',
    'avoid discriminat\\w*',
    'without regard',
    'protected characteristics?',
    'percentage',
    'statistics?',
    'census',
    'how many',
    'is it legal',
    'illegal',
    'ethic\\w*',
    'welcomes?',
    'inclusive',
    'accommodations?',
    'support',
    'self identify',
    'voluntar\\w*',
    'distribution',
    'anonymi[sz]ed',
    'anonymous',
    'aggregate',
  ])}\\b`,
)

const word = (source: string): RegExp => new RegExp(`\\b${source}\\b`)
const EXCLUDE_WORD = word(EXCLUDE)
/** A verb of sorting in any of its forms: "guesses", "ranking", "inferred". */
const SORT_WORD = new RegExp(`\\b${SORT}(?:s|es|ed|d|ing)?\\b`)
const PEOPLE_WORD = word(PEOPLE)
const CHARACTERISTIC_WORDS = Object.entries(CHARACTERISTICS).map(
  ([label, words]) => [label as ProfilingLabel, word(oneOf(words))] as const,
)
/** Every characteristic word at once: the cheap test a sentence passes before the others. */
const ANY_CHARACTERISTIC = word(oneOf(Object.values(CHARACTERISTICS).flat()))
const AGE_PROFILING =
  /\b(?:older|oldest|elderly|over [4-9]\d|above [4-9]\d|graduation year|birth year|too old|seems? old|younger|youngest)\b/
/** Sentences end at a stop, a question mark, an exclamation mark, a semicolon or a line break. */
const SENTENCE = /[^.!?;\n]+/g

export const profilingOptions = z.object({
  /** Findings under this score are not reported. */
  minScore: z.number().min(0).max(1).default(0.3),
})
export type ProfilingOptions = z.infer<typeof profilingOptions>

export const profilingClassifierKind: ClassifierKind<ProfilingOptions> = {
  kind: 'profiling',
  options: profilingOptions,
  create: (id, options) => createProfilingClassifier(id, options),
}

interface Hit {
  readonly label: ProfilingLabel
  readonly score: number
  readonly start: number
  readonly end: number
}

/** Builds the classifier; `options` as {@link profilingOptions} parses them. */
export function createProfilingClassifier(
  id = 'profiling',
  options: ProfilingOptions = profilingOptions.parse({}),
): Classifier {
  return {
    id,
    ...judgedAtOnce(({ text, signal }: ClassifyInput): readonly Finding[] => {
      signal.throwIfAborted()
      const folded = fold(text)
      const placed = placeHits(text, folded, findRequests(folded), findRequests)
      const best = new Map<ProfilingLabel, (typeof placed)[number]>()
      for (const hit of placed) {
        if ((best.get(hit.label)?.score ?? 0) < hit.score) best.set(hit.label, hit)
      }
      const findings = [...best.values()]
        .filter((hit) => hit.score >= options.minScore)
        .sort((a, b) => b.score - a.score)
        .map((hit) => ({
          category: 'protected_profiling',
          score: hit.score,
          span: hit.span,
          label: hit.label,
          classifier: id,
        }))
      return findings
    }),
  }
}

/** Each sentence that sorts people by a protected characteristic, as one hit per characteristic. */
function findRequests(folded: string): Hit[] {
  const hits: Hit[] = []
  for (const match of matchesOf(SENTENCE, folded)) {
    const sentence = match[0]
    if (!ANY_CHARACTERISTIC.test(sentence) || !PEOPLE_WORD.test(sentence)) continue
    const excludes = EXCLUDE_WORD.test(sentence)
    if (!excludes && !SORT_WORD.test(sentence)) continue
    const score = FAIRNESS.test(sentence) ? 0.3 : excludes ? 0.9 : 0.8
    const start = match.index + (sentence.length - sentence.trimStart().length)
    const end = match.index + sentence.trimEnd().length
    for (const [label, pattern] of CHARACTERISTIC_WORDS) {
      if (!pattern.test(sentence)) continue
      // Age limits are mostly lawful (adults only, a legal minimum): only sorting people as old
      // ("over 50", "older", a graduation year) reads as age profiling.
      const lawfulAge = label === 'age' && !AGE_PROFILING.test(sentence)
      hits.push({ label, score: lawfulAge ? Math.min(score, 0.4) : score, start, end })
    }
  }
  return hits
}
