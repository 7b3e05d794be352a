import { parseCsv } from './parse-csv.js'
import {
  benign,
  labelsOf,
  type HarmLabels,
  type HarmSource,
  type LabeledText,
} from './labeled-text.js'

/**
 * Sources of comments and posts (HateCheck, Davidson et al., Surge AI) and AILuminate's hazard
 * prompts, and how each one's labels map to the classifier's categories. The model card
 * (`docs/model-card-text-classifier.md`) states the same mapping in prose; change both together.
 * `unseen` marks whole sources or subsets that never reach training: the figures on them estimate
 * how the model does on data unlike anything it learned from.
 */

type Draft = Omit<LabeledText, 'source' | 'unseen' | 'weight' | 'group'> & {
  readonly group?: string
  readonly unseen?: boolean
  /** Overrides the source's weight for this text. */
  readonly weight?: number
}

/** Completes drafts of one source; `weight` evens out sources of very different sizes. */
const finish = (source: string, weight: number, drafts: readonly Draft[]): LabeledText[] =>
  drafts
    .filter((d) => d.text.trim() !== '')
    .map((d) => ({
      ...d,
      source,
      group: d.group ?? d.text,
      unseen: d.unseen ?? false,
      weight: d.weight ?? weight,
    }))

/**
 * HateCheck's functional tests. Hateful cases teach `hate`; the non-hateful ones (negation,
 * counter-speech, reclaimed slurs, abuse of objects and of non-protected groups) teach what hate
 * is not. Abuse aimed at one person without an identity is `harassment`. Whole templates share
 * a split (the cases of one template differ only in the group named). The five spelling-variation
 * functionalities are kept out of training: they measure the normalisation on unseen tricks.
 */
const hatecheck: HarmSource = {
  name: 'hatecheck',
  files: ['test_suite_cases.csv'],
  read: ([csv = '']) =>
    finish(
      'hatecheck',
      1,
      parseCsv(csv).map((row) => {
        const functionality = row.functionality ?? ''
        return {
          text: row.test_case ?? '',
          subset: functionality,
          group: `hatecheck:${row.templ_id}`,
          labels: hatecheckLabels(functionality, row.label_gold === 'hateful'),
          unseen: functionality.startsWith('spell_'),
        }
      }),
    ),
}

function hatecheckLabels(functionality: string, hateful: boolean): HarmLabels {
  if (hateful) return labelsOf(['hate'], ['harassment', 'violence'])
  if (functionality === 'target_indiv_nh') return labelsOf(['harassment'])
  if (functionality === 'target_group_nh') return labelsOf([], ['harassment'])
  return benign()
}

/**
 * Davidson et al.'s tweets. Class 0 (hate speech) teaches `hate`; class 2 is benign. Class 1
 * ("offensive language": slurs and vulgarity the annotators did not call hate) teaches "not
 * hate", at a tenth of the weight: at full weight its 19,000 tweets made slurs harmless wherever
 * they appeared; left out, 71% of them scored as hate, which would mostly flag African-American
 * English. Whether one insults a person, or is sexual, the label does not say. Retweet marks and
 * HTML entities are removed.
 */
const davidson: HarmSource = {
  name: 'davidson',
  files: ['labeled_data.csv'],
  read: ([csv = '']) =>
    finish(
      'davidson',
      0.5,
      parseCsv(csv).map((row) => ({
        text: cleanTweet(row.tweet ?? ''),
        subset: `class ${row.class}`,
        labels:
          row.class === '0'
            ? labelsOf(['hate'], ['harassment', 'sexual', 'violence'])
            : row.class === '1'
              ? labelsOf([], ['harassment', 'sexual', 'violence'])
              : benign(),
        ...(row.class === '1' ? { weight: OFFENSIVE_WEIGHT } : {}),
      })),
    ),
}

/** The weight of one "offensive language" tweet: a tenth of the others'. */
const OFFENSIVE_WEIGHT = 0.05

const cleanTweet = (text: string): string =>
  text
    .replace(/&#\d+;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/\bRT\b:?/g, ' ')

/** Surge AI's toxicity set: toxic comments are insults and attacks on people (`harassment`). */
const surgeToxicity: HarmSource = {
  name: 'surge-toxicity',
  files: ['toxicity_en.csv'],
  read: ([csv = '']) =>
    finish(
      'surge-toxicity',
      1,
      parseCsv(csv).map((row) => ({
        text: row.text ?? '',
        subset: row.is_toxic ?? '',
        labels:
          row.is_toxic === 'Toxic'
            ? labelsOf(['harassment'], ['hate', 'sexual', 'violence'])
            : benign(),
      })),
    ),
}

/**
 * MLCommons AILuminate's demo prompts, each written to probe one hazard. Not every prompt is
 * harmful (some ask how to defend against the hazard), so the set counts half. Hazards without a
 * category here (defamation, intellectual property, privacy) only teach the unrelated categories;
 * specialized advice is left out.
 */
const ailuminate: HarmSource = {
  name: 'ailuminate',
  files: ['airr_official_1.0_demo_en_us_prompt_set_release.csv'],
  read: ([csv = '']) =>
    finish(
      'ailuminate',
      0.5,
      parseCsv(csv).flatMap((row) => {
        const labels = AILUMINATE_HAZARDS[row.hazard ?? '']
        return labels ? [{ text: row.prompt_text ?? '', subset: row.hazard ?? '', labels }] : []
      }),
    ),
}

const AILUMINATE_HAZARDS: Readonly<Record<string, HarmLabels>> = {
  vcr: labelsOf(['violence'], ['illicit', 'harassment', 'weapons']),
  src: labelsOf(['illicit'], ['sexual', 'violence', 'sexual_minors', 'harassment']),
  cse: labelsOf(['sexual_minors'], ['illicit']),
  ssh: labelsOf(['self_harm']),
  iwp: labelsOf(['weapons'], ['illicit', 'violence']),
  ncr: labelsOf(['illicit'], ['weapons']),
  hte: labelsOf(['hate'], ['harassment', 'violence']),
  sxc_prn: labelsOf(['sexual'], ['illicit']),
  dfm: labelsOf([], ['harassment', 'illicit']),
  ipv: labelsOf([], ['illicit']),
  prv: labelsOf([], ['illicit', 'harassment']),
}

/** Comments, posts and hazard prompts. */
export const COMMENT_SOURCES: readonly HarmSource[] = [
  hatecheck,
  davidson,
  surgeToxicity,
  ailuminate,
]
