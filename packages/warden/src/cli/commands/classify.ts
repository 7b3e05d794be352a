import type { Command } from 'commander'
import type { TextsVerdict } from '../../moderation/index.js'
import type { CliProgram } from '../main.js'
import { CliError, output, withServices } from '../context.js'

/** Far above a prompt, far below a memory problem. */
const MAX_INPUT_BYTES = 16 * 1024 * 1024

/** `warden classify [--direction input|output] [--tier NAME] [--json]`: a text on stdin. */
export function registerClassifyCommand(program: Command, cli: CliProgram): void {
  program
    .command('classify')
    .description(
      'run the configured classifiers on a text read from standard input and say what the usage policy does with it',
    )
    .option('--direction <direction>', 'input (a prompt) or output (an answer)', 'input')
    .option('--tier <id>', "the policy tier to judge for (default: the policy's default tier)")
    .option('--json', 'print {"action", "clause", "findings": [...], "failures": [...]} as JSON')
    .action(async (opts: { direction: string; tier?: string; json?: boolean }) => {
      if (opts.direction !== 'input' && opts.direction !== 'output') {
        throw new CliError(`--direction must be input or output, not "${opts.direction}"`)
      }
      const direction = opts.direction
      const text = await readStdin()
      await withServices(
        cli.globals(),
        async (s) => {
          if (s.contentFilter === null) {
            throw new CliError('the content filter is off (moderation.enabled: false)')
          }
          const policy = s.policyVersions.snapshot()
          const tiers = policy.document.tiers.map((t) => t.id)
          const tier = opts.tier ?? policy.defaultTier.id
          if (!tiers.includes(tier)) {
            throw new CliError(
              `no tier "${tier}" in the usage policy; its tiers: ${tiers.join(', ')}`,
            )
          }
          const verdict = await s.contentFilter.check([text], {
            direction,
            tier,
            signal: new AbortController().signal,
          })
          const wire = toWire(verdict, direction, tier)
          output(opts.json === true, wire, describe(wire))
        },
        { moderation: true },
      )
    })
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_INPUT_BYTES)
      throw new CliError(`the text is larger than ${MAX_INPUT_BYTES} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function toWire(verdict: TextsVerdict, direction: string, tier: string) {
  const by = verdict.blockedBy
  return {
    direction,
    tier,
    action: verdict.action,
    clause: by !== null && 'clause' in by ? by.clause : null,
    truncated: verdict.truncated,
    findings: verdict.findings.map((f) => ({
      category: f.category,
      label: f.label ?? null,
      score: Math.round(f.score * 1000) / 1000,
      start: f.span?.start ?? null,
      end: f.span?.end ?? null,
      classifier: f.classifier,
      action: f.action,
      clause: f.clause,
    })),
    failures: verdict.failures.map((f) => ({
      classifier: f.classifier,
      reason: f.reason,
      fail: f.fail,
      message: f.message,
    })),
  }
}

function describe(wire: ReturnType<typeof toWire>): string {
  const lines = [
    `${wire.action}${wire.clause ? ` (${wire.clause})` : ''} — ${wire.direction}, tier ${wire.tier}${wire.truncated ? ', text cut off at moderation.maxChars' : ''}`,
  ]
  for (const f of wire.findings) {
    const where = f.start === null ? 'whole text' : `characters ${f.start}–${f.end}`
    lines.push(
      `  ${f.action.padEnd(6)} ${f.category}${f.label ? `/${f.label}` : ''} ${f.score} (${where}, ${f.classifier}${f.clause ? `, ${f.clause}` : ''})`,
    )
  }
  for (const f of wire.failures) {
    lines.push(`  failed ${f.classifier}: ${f.reason} (${f.fail}): ${f.message}`)
  }
  if (wire.findings.length === 0 && wire.failures.length === 0) lines.push('  nothing found')
  return lines.join('\n')
}
