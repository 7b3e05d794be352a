import { z } from 'zod'
import { apiKeyOptions, withApiKey } from './api-key-option.js'
import type { Classifier, ClassifierKind, ClassifyInput, Direction, Finding } from './classifier.js'
import { postJson } from './post-json.js'

/** One hazard category as Llama Guard sees it, and where its findings go in the usage policy. */
export interface GuardCategory {
  /** The code the model answers with: `S1`, `S15`. */
  readonly code: string
  /** The label findings carry: `violent_crimes`, or a custom category's id. */
  readonly id: string
  readonly title: string
  /** Shown to the model under the title; custom categories need it to be understood. */
  readonly description?: string
  /** The usage-policy category id its findings count towards. */
  readonly category: string
}

/**
 * The hazard taxonomy Llama Guard 3 and 4 were trained on (MLCommons AILuminate), in our own
 * words, each with the policy category it counts towards. Categories the policy does not have
 * yet (`illicit`, `defamation`, …) are named so an operator sees them rather than loses them.
 */
export const LLAMA_GUARD_HAZARDS: readonly GuardCategory[] = [
  hazard('S1', 'violent_crimes', 'Violent Crimes', 'violence'),
  hazard('S2', 'non_violent_crimes', 'Non-Violent Crimes', 'illicit'),
  hazard('S3', 'sex_related_crimes', 'Sex-Related Crimes', 'illicit'),
  hazard('S4', 'child_sexual_exploitation', 'Child Sexual Exploitation', 'sexual_minors'),
  hazard('S5', 'defamation', 'Defamation', 'defamation'),
  hazard('S6', 'specialized_advice', 'Specialized Advice', 'specialized_advice'),
  hazard('S7', 'privacy', 'Privacy', 'pii'),
  hazard('S8', 'intellectual_property', 'Intellectual Property', 'intellectual_property'),
  hazard('S9', 'indiscriminate_weapons', 'Indiscriminate Weapons', 'weapons'),
  hazard('S10', 'hate', 'Hate', 'hate'),
  hazard('S11', 'suicide_and_self_harm', 'Suicide & Self-Harm', 'self_harm'),
  hazard('S12', 'sexual_content', 'Sexual Content', 'sexual'),
  hazard('S13', 'elections', 'Elections', 'elections'),
  hazard('S14', 'code_interpreter_abuse', 'Code Interpreter Abuse', 'malicious_code'),
]

function hazard(code: string, id: string, title: string, category: string): GuardCategory {
  return { code, id, title, category }
}

const HAZARD_CODES = LLAMA_GUARD_HAZARDS.map((h) => h.code) as [string, ...string[]]
const snakeId = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be snake_case')
// Titles and descriptions go into the prompt: a line break in one could forge its structure.
const promptLine = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[^\r\n<>]*$/, 'must be one line without < or >')

/** The options of `kind: llama-guard`. */
export const llamaGuardOptions = z
  .object({
    /** Base URL including the version path: `http://localhost:8000/v1`. */
    base_url: z.url({ protocol: /^https?$/ }),
    /** The model name the server knows: `meta-llama/Llama-Guard-3-8B`, `llama-guard3`. */
    model: z.string().min(1),
    /** The Llama Guard generation: it decides the prompt's special tokens. */
    version: z.union([z.literal(3), z.literal(4)]).default(3),
    /**
     * `chat`: the rendered task is the one user message of `/chat/completions`; the server must
     * wrap it in the plain Llama 3/4 chat template, not a guard template of its own.
     * `completions`: the whole prompt, special tokens included, goes to `/completions` raw.
     */
    api: z.enum(['chat', 'completions']).default('chat'),
    ...apiKeyOptions,
    /** The standard hazards to judge, by code; all fourteen unless narrowed. */
    hazards: z.array(z.enum(HAZARD_CODES)).default(HAZARD_CODES),
    /** A different policy category for a standard hazard: `{ S6: medicine }`. */
    hazard_categories: z.partialRecord(z.enum(HAZARD_CODES), snakeId).default({}),
    /** Categories of your own, numbered after the standard ones (S15, S16, …). */
    custom_categories: z
      .array(
        z
          .object({
            id: snakeId,
            title: promptLine,
            description: promptLine,
            /** The policy category its findings count towards; its id when not given. */
            category: snakeId.optional(),
          })
          .strict(),
      )
      .default([]),
    /** Longest text judged whole; a longer one is judged by its first and last halves of this. */
    max_chars: z.number().int().min(100).default(24_000),
    /** Most bytes of answer read (a verdict is a few bytes). */
    max_response_bytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024),
  })
  .strict()
  .superRefine((options, ctx) => {
    if (options.hazards.length + options.custom_categories.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'no category left to judge', path: ['hazards'] })
    }
    const ids = new Set<string>()
    for (const [index, custom] of options.custom_categories.entries()) {
      if (ids.has(custom.id) || LLAMA_GUARD_HAZARDS.some((h) => h.id === custom.id)) {
        ctx.addIssue({
          code: 'custom',
          message: `category id ${custom.id} is used twice`,
          path: ['custom_categories', index, 'id'],
        })
      }
      ids.add(custom.id)
    }
  })
  .transform(withApiKey)

/** The validated options of `kind: llama-guard`. */
export type LlamaGuardOptions = z.output<typeof llamaGuardOptions>

/** `kind: llama-guard`: Llama Guard 3 or 4 behind any OpenAI-compatible server. */
export const llamaGuardClassifierKind: ClassifierKind<LlamaGuardOptions> = {
  kind: 'llama-guard',
  remote: true,
  options: llamaGuardOptions,
  create: (id, options) => createLlamaGuardClassifier(id, options),
}

/**
 * The categories a classifier puts in its prompt, in order: the chosen standard hazards with
 * their own codes, then the custom ones numbered on from S15, so every code means one thing
 * whichever hazards are left out.
 */
export function compileGuardCategories(
  options: Pick<LlamaGuardOptions, 'hazards' | 'hazard_categories' | 'custom_categories'>,
): GuardCategory[] {
  const chosen = new Set(options.hazards)
  const standard = LLAMA_GUARD_HAZARDS.filter((h) => chosen.has(h.code)).map((h) => ({
    ...h,
    category: options.hazard_categories[h.code] ?? h.category,
  }))
  const custom = options.custom_categories.map((c, index) => ({
    code: `S${LLAMA_GUARD_HAZARDS.length + 1 + index}`,
    id: c.id,
    title: c.title,
    description: c.description,
    category: c.category ?? c.id,
  }))
  return [...standard, ...custom]
}

/** Who speaks the judged text: the user for a prompt, the agent for a completion. */
const ROLE_OF: Readonly<Record<Direction, 'User' | 'Agent'>> = { input: 'User', output: 'Agent' }

/**
 * The Llama Guard task for one text: what to judge, the categories, the conversation (the one
 * turn) and how to answer. Written after Meta's published format for Llama Guard 3 and 4, which
 * share this body and differ only in the special tokens around it.
 */
export function renderGuardTask(
  categories: readonly GuardCategory[],
  text: string,
  direction: Direction,
): string {
  const role = ROLE_OF[direction]
  const listed = categories
    .map((c) => `${c.code}: ${c.title}.${c.description ? `\n${c.description}` : ''}`)
    .join('\n')
  return [
    `Task: Check if there is unsafe content in '${role}' messages in conversations according to our safety policy with the below categories.`,
    '',
    '<BEGIN UNSAFE CONTENT CATEGORIES>',
    listed,
    '<END UNSAFE CONTENT CATEGORIES>',
    '',
    '<BEGIN CONVERSATION>',
    '',
    `${role}: ${defused(text)}`,
    '',
    '<END CONVERSATION>',
    '',
    `Provide your safety assessment for ONLY THE LAST ${role} message in the above conversation:`,
    " - First line must read 'safe' or 'unsafe'.",
    ' - If unsafe, a second line must include a comma-separated list of violated categories.',
  ].join('\n')
}

/**
 * The judged text with the prompt's markers and special tokens broken up (`<|eot_id|>`,
 * `<END CONVERSATION>`): a text that closes the conversation early and answers `safe` on the
 * guard's behalf must not be read as structure. One pass, no backtracking.
 */
function defused(text: string): string {
  return text.replace(/<(?=\||BEGIN |END )/g, '< ')
}

/** The raw prompt for `/completions`: the task inside one user turn, the assistant's turn open. */
export function renderGuardPrompt(task: string, version: 3 | 4): string {
  return version === 3
    ? `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n${task}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`
    : `<|begin_of_text|><|header_start|>user<|header_end|>\n\n${task}<|eot|><|header_start|>assistant<|header_end|>\n\n`
}

/**
 * Reads a verdict: `safe`, or `unsafe` and a line of comma-separated codes. Blank lines and
 * spaces around codes are tolerated; anything else, an `unsafe` without codes or a code that
 * was not in the prompt throws, because a guard that answers off-script has not judged.
 */
export function parseGuardVerdict(
  answer: string,
  categories: readonly GuardCategory[],
): GuardCategory[] {
  const lines = answer
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
  const [verdict, codes, ...rest] = lines
  if (verdict === 'safe' && codes === undefined) return []
  if (verdict !== 'unsafe' || codes === undefined || rest.length > 0) {
    throw new Error(
      `the answer is not a Llama Guard verdict: ${JSON.stringify(answer.slice(0, 80))}`,
    )
  }
  const found: GuardCategory[] = []
  for (const code of codes.split(',').map((c) => c.trim())) {
    const category = categories.find((c) => c.code === code)
    if (category === undefined) {
      throw new Error(
        `the verdict names ${JSON.stringify(code.slice(0, 20))}, not a category of the prompt`,
      )
    }
    if (!found.includes(category)) found.push(category)
  }
  return found
}

const chatAnswer = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string() }) })).min(1),
})
const completionAnswer = z.object({ choices: z.array(z.object({ text: z.string() })).min(1) })

/**
 * Llama Guard through an OpenAI-compatible server: renders the task with the compiled
 * categories, asks for a short greedy answer and reports each violated category at score 1
 * (the verdict is a yes or no), labelled with the hazard's id.
 */
export function createLlamaGuardClassifier(id: string, options: LlamaGuardOptions): Classifier {
  const categories = compileGuardCategories(options)
  const base = options.base_url.replace(/\/+$/, '')
  const caller = `llama-guard "${id}"`
  const url = new URL(`${base}/${options.api === 'chat' ? 'chat/completions' : 'completions'}`)

  async function answerOf(task: string, signal: AbortSignal): Promise<string> {
    const common = { model: options.model, temperature: 0, max_tokens: 20, stream: false }
    const call = { caller, url, apiKey: options.api_key, signal }
    const maxResponseBytes = options.max_response_bytes
    if (options.api === 'chat') {
      const body = JSON.stringify({ ...common, messages: [{ role: 'user', content: task }] })
      const answer = await postJson({
        ...call,
        body,
        maxResponseBytes,
        answer: chatAnswer,
        answerName: 'a chat completion',
      })
      return answer.choices[0]?.message.content ?? ''
    }
    const prompt = renderGuardPrompt(task, options.version)
    const answer = await postJson({
      ...call,
      body: JSON.stringify({ ...common, prompt }),
      maxResponseBytes,
      answer: completionAnswer,
      answerName: 'a completion',
    })
    return answer.choices[0]?.text ?? ''
  }

  return {
    id,
    async classify({ text, direction, signal }: ClassifyInput): Promise<readonly Finding[]> {
      const task = renderGuardTask(categories, headAndTail(text, options.max_chars), direction)
      const answer = await answerOf(task, signal)
      let violated: GuardCategory[]
      try {
        violated = parseGuardVerdict(answer, categories)
      } catch (error) {
        throw new Error(`${caller}: ${(error as Error).message}`, { cause: error })
      }
      return violated.map((c) => ({ category: c.category, score: 1, label: c.id, classifier: id }))
    },
  }
}

/**
 * A text cut to `maxChars`: its first and last halves, so that what a long prompt hides at
 * its end is judged too. Within a guard's context window; a surrogate pair is never split.
 */
function headAndTail(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text
  const half = Math.floor(maxChars / 2)
  let head = half
  let tail = text.length - half
  if (isLowSurrogate(text.charCodeAt(head))) head -= 1
  if (isLowSurrogate(text.charCodeAt(tail))) tail += 1
  return `${text.slice(0, head)}\n…\n${text.slice(tail)}`
}

const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff
