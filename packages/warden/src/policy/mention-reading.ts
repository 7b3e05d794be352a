/**
 * How a mention of a policy indicator reads in its sentence. An application that says it will
 * "detect phishing" or that it "never sends unsolicited messages" names a prohibited use without
 * making it; counting those would refuse the defenders along with the attackers.
 *
 * The cues are a short global list of English words, deliberately not a per-clause list in the
 * policy: they describe how the language marks a negated or defensive mention, which does not
 * change with the policy, and keeping them out of the published document means no policy edit can
 * quietly carve an exception out of a prohibition. Each reading names its cue, so a reviewer
 * sees why a mention was set aside.
 */
export type Reading =
  | { readonly kind: 'plain' }
  /** A negation just before the mention, in the same clause: "we never send unsolicited …". */
  | { readonly kind: 'negated'; readonly cue: string }
  /** A word of detection or protection near the mention, in the same sentence: "detect phishing". */
  | { readonly kind: 'defensive'; readonly cue: string }

interface Word {
  readonly text: string
  readonly start: number
  readonly end: number
}

const NEGATIONS = new Set([
  'no',
  'not',
  'never',
  'without',
  'nor',
  'neither',
  'none',
  'nothing',
  "don't",
  "doesn't",
  "didn't",
  "won't",
  "wouldn't",
  "can't",
  'cannot',
  "isn't",
  "aren't",
  "wasn't",
  "weren't",
  "shouldn't",
  "mustn't",
  // "instead of cold e-mails", "rather than scraping": the mention is what is not done.
  'instead',
  'rather',
])

/**
 * Words that put the mention in the position of the thing being caught, blocked or studied.
 * Exact word forms where a stem would also hit an unrelated word: `block` but not `blockchain`,
 * `counter` but not `counterfeit`, `scan` but not `scandal`, `defend` but not `Defender`.
 */
const DEFENSIVE =
  /^(detect\w*|filter\w*|catch|catches|caught|catching|notic\w*|flag|flags|flagged|flagging|block|blocks|blocked|blocking|blocker|prevent\w*|protect\w*|defend|defends|defended|defending|defen[cs]e|defen[cs]es|defensive|guard|guards|guarding|guardrails?|safeguard\w*|moderat\w*|remov\w*|reporting|spot|spots|spotted|spotting|recogni[sz]e|recogni[sz]es|recogni[sz]ed|recogni[sz]ing|warn\w*|alert\w*|combat\w*|counter|counters|countering|counteract\w*|fight\w*|scan|scans|scanned|scanning|scanner|quarantin\w*|simulat\w*|investigat\w*|mitigat\w*|refus\w*|reject\w*|prohibit\w*|forbid\w*|victim\w*|awareness|authori[sz]ed|debunk\w*|whether)$/
/**
 * Only before the mention: "protect against fraud", "anti-phishing", "signs of phishing"; after
 * it they mean something else ("threats against a journalist").
 */
const DEFENSIVE_BEFORE = /^(against|anti|signs)$/
/**
 * Only right beside the mention: "analyse malware", "malware analysis". Further off, analysing
 * is as often the means of the harm ("analyse users' posts to work out which are gay").
 */
const DEFENSIVE_BESIDE = /^analy[sz]\w*$/
/** How close a word of {@link DEFENSIVE_BESIDE} must be: at most one word between. */
const BESIDE_WORDS = 2
/**
 * A word that turns a defensive cue into its opposite when it comes just before it: "evade
 * detection", "get past the filters", "without being flagged", "does not detect it".
 */
const EVASION =
  /^(evad\w*|evasion|avoid\w*|bypass\w*|circumvent\w*|dodg\w*|escap\w*|fool\w*|trick\w*|beat\w*|slip\w*|past|around|through|undetect\w*|without|not|never|no|don't|doesn't|won't|can't|cannot)$/

/**
 * People as the object of a detection word: "flag employees who …", "detect users who …" is
 * sorting people, not catching a harm, so the detection word is no defensive cue there.
 */
const PEOPLE =
  /^(people|persons?|individuals?|employees?|staff|workers?|users?|customers?|clients?|applicants?|candidates?|tenants?|callers?|students?|pupils?|patients?|members?|visitors?|voters?|citizens?|residents?|followers?|children|kids?|women|men|woman|man|anyone|everyone|someone|those|who)$/

/** Words before the mention that still count, and after it; the sentence bounds both. */
const DEFENSIVE_BEFORE_WORDS = 6
const DEFENSIVE_AFTER_WORDS = 4
/** A negation governs the few words after it, in its own clause (commas end it). */
const NEGATION_WORDS = 3
/** Where an evasion word must sit, before a defensive cue, to turn it round. */
const EVASION_WORDS = 2

const SENTENCE_END = /[.!?;\n]/
const CLAUSE_END = /[.!?;\n,:()]/

function wordsOf(text: string, from: number, to: number): Word[] {
  const words: Word[] = []
  for (const match of text.slice(from, to).matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu)) {
    words.push({
      text: match[0].toLowerCase().replace('’', "'"),
      start: from + match.index,
      end: from + match.index + match[0].length,
    })
  }
  return words
}

/** The start of the span that `end` bounds, scanning back from `at`. */
function spanStart(text: string, at: number, end: RegExp): number {
  for (let i = at - 1; i >= 0; i -= 1) if (end.test(text.charAt(i))) return i + 1
  return 0
}

function spanEnd(text: string, at: number, end: RegExp): number {
  for (let i = at; i < text.length; i += 1) if (end.test(text.charAt(i))) return i
  return text.length
}

/** The sentence of `text` around `[start, end)`. */
export function sentenceOf(text: string, start: number, end: number) {
  return { start: spanStart(text, start, SENTENCE_END), end: spanEnd(text, end, SENTENCE_END) }
}

/** The negation that governs words starting at `start` of `text`, if one does. */
export function negationBefore(text: string, start: number): string | undefined {
  const lead = wordsOf(text, spanStart(text, start, CLAUSE_END), start).slice(-NEGATION_WORDS)
  const at = lead.findLastIndex((w) => NEGATIONS.has(w.text))
  // "so that filters do not catch it as spam" negates the catching, not the spam: evasion.
  if (at === -1 || lead.slice(at + 1).some((w) => DEFENSIVE.test(w.text))) return undefined
  return lead[at]?.text
}

/** How the mention at `[start, end)` of `text` reads. */
export function readMention(text: string, start: number, end: number): Reading {
  const negation = negationBefore(text, start)
  if (negation !== undefined) return { kind: 'negated', cue: negation }

  const bounds = sentenceOf(text, start, end)
  const sentence = wordsOf(text, bounds.start, bounds.end)
  const firstAfter = sentence.findIndex((w) => w.start >= end)
  const after = firstAfter === -1 ? sentence.length : firstAfter
  const before = sentence.findIndex((w) => w.end > start)
  const mentionAt = before === -1 ? sentence.length : before
  const isCue = (index: number, onlyBefore: boolean): boolean => {
    const word = sentence[index]?.text ?? ''
    const distance = onlyBefore ? mentionAt - index : index - after + 1
    const cue =
      DEFENSIVE.test(word) ||
      (onlyBefore && DEFENSIVE_BEFORE.test(word)) ||
      (distance <= BESIDE_WORDS && DEFENSIVE_BESIDE.test(word))
    if (!cue || PEOPLE.test(sentence[index + 1]?.text ?? '')) return false
    const lead = sentence.slice(Math.max(0, index - EVASION_WORDS), index)
    return !lead.some((w) => EVASION.test(w.text))
  }
  for (let i = mentionAt - 1; i >= Math.max(0, mentionAt - DEFENSIVE_BEFORE_WORDS); i -= 1) {
    if (isCue(i, true)) return { kind: 'defensive', cue: sentence[i]?.text ?? '' }
  }
  for (let i = after; i < Math.min(sentence.length, after + DEFENSIVE_AFTER_WORDS); i += 1) {
    if (isCue(i, false)) return { kind: 'defensive', cue: sentence[i]?.text ?? '' }
  }
  return { kind: 'plain' }
}
