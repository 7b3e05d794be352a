import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import {
  prescreen,
  prescreenWithModel,
  toUseCaseApplication,
  useCaseApplicationSchema,
  type ModelPrescreenResult,
  type PrescreenChat,
  type PrescreenResult,
  type UseCaseApplication,
} from '../../policy/index.js'
import type { Services } from '../../services.js'
import type { CliProgram } from '../main.js'
import { CliError, output, withServices } from '../context.js'

/** Far above any real application form, far below a memory problem. */
const MAX_APPLICATION_BYTES = 256 * 1024
/** How long the model may take to answer. */
const MODEL_TIMEOUT_MS = 60_000

/** `warden app prescreen --file APP.json [--model ID] [--json]`. */
export function registerPrescreenCommand(app: Command, cli: CliProgram): void {
  app
    .command('prescreen')
    .description(
      'read a use-case application against the current usage policy: the clauses it touches and why',
    )
    .requiredOption(
      '--file <path>',
      'the application: a JSON object of the form fields, snake_case',
    )
    .option('--model <id>', 'also ask this model, through the configured providers')
    .option('--json', 'print {"outcome", "clauses": [{"id", "why"}]} and the details as JSON')
    .action(async (opts: { file: string; model?: string; json?: boolean }) => {
      const application = await readApplication(opts.file)
      await withServices(cli.globals(), async (s) => {
        const current = await s.policyVersions.current()
        if (!current) throw new CliError('no usage policy is published yet')
        const result =
          opts.model === undefined
            ? prescreen(application, current.document)
            : await prescreenWithModel(
                application,
                current.document,
                await modelChat(s, opts.model),
                AbortSignal.timeout(MODEL_TIMEOUT_MS),
              )
        output(opts.json === true, toWire(result), describe(result, current.version))
      })
    })
}

/** Reads and validates the application file; a bad one names the file and every bad field. */
async function readApplication(file: string): Promise<UseCaseApplication> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`)
  }
  if (Buffer.byteLength(text) > MAX_APPLICATION_BYTES) {
    throw new CliError(`${file} is larger than ${MAX_APPLICATION_BYTES} bytes`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`)
  }
  const parsed = useCaseApplicationSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  - ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`,
    )
    throw new CliError(`${file} is not a valid application:\n${problems.join('\n')}`)
  }
  return toUseCaseApplication(parsed.data)
}

/** A chat function over the provider that serves `model`. */
async function modelChat(s: Services, model: string): Promise<PrescreenChat> {
  const route = await s.models.resolve(model)
  if (!route) throw new CliError(`no provider serves the model "${model}"`)
  return async (messages, signal) => {
    const completion = await route.provider.chat({
      body: {
        model: route.upstreamModel,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        temperature: 0,
      },
      signal,
    })
    const content = completion.choices[0]?.message?.content
    return typeof content === 'string' ? content : ''
  }
}

const isModelResult = (r: PrescreenResult): r is ModelPrescreenResult => 'model' in r

/** The result on the wire: snake_case, as the admin API would carry it. */
function toWire(result: PrescreenResult) {
  return {
    outcome: result.outcome,
    clauses: result.clauses.map((c) => ({
      id: c.id,
      why: c.why,
      matched: c.matched,
      ...('source' in c ? { source: c.source } : {}),
    })),
    mitigations: result.mitigations.map((m) => ({
      id: m.id,
      title: m.title,
      required_by: m.requiredBy,
      covered: m.evidence !== null,
      evidence: m.evidence,
    })),
    set_aside: result.setAside.map((c) => ({ id: c.id, why: c.why, matched: c.matched })),
    ...(isModelResult(result) ? { model: result.model } : {}),
  }
}

/** The result for a person: the outcome, a line per clause, mitigations, what was set aside. */
function describe(result: PrescreenResult, version: number): string {
  const lines = [`${result.outcome} (usage policy version ${version})`]
  for (const c of result.clauses) lines.push(`  ${c.id}: ${c.why}`)
  if (result.mitigations.length > 0) {
    lines.push('mitigations required:')
    for (const m of result.mitigations) {
      const mark = m.evidence === null ? '[ ]' : '[x]'
      lines.push(`  ${mark} ${m.id}: ${m.title}${m.evidence === null ? '' : ` (${m.evidence})`}`)
    }
  }
  if (result.setAside.length > 0) {
    lines.push('set aside:')
    for (const c of result.setAside) lines.push(`  ${c.id}: ${c.why}`)
  }
  if (isModelResult(result)) {
    lines.push(result.model.answered ? 'the model answered' : 'the model gave no usable answer')
    for (const problem of result.model.problems) lines.push(`  ${problem}`)
  }
  return lines.join('\n')
}
