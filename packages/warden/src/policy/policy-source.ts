import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { policyDocumentSchema, type PolicyDocument } from './policy-document.js'

/** The largest policy source accepted: far above any real policy, far below a memory problem. */
export const MAX_POLICY_BYTES = 1024 * 1024

/** Why a policy source was refused; `problems` name the path of every bad field. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError'
  constructor(readonly problems: readonly string[]) {
    super(`invalid usage policy:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  }
}

/** A policy source that validated: its text, the document and the SHA-256 of the text. */
export interface ParsedPolicy {
  readonly source: string
  readonly document: PolicyDocument
  readonly hash: string
}

/** Validates a YAML (or JSON) policy source; throws a {@link PolicyError} naming every bad path. */
export function parsePolicy(source: string): ParsedPolicy {
  if (Buffer.byteLength(source) > MAX_POLICY_BYTES) {
    throw new PolicyError([`(root): larger than ${MAX_POLICY_BYTES} bytes`])
  }
  let raw: unknown
  try {
    raw = parseYaml(source, { maxAliasCount: 100 })
  } catch (error) {
    throw new PolicyError([`(root): not valid YAML (${(error as Error).message.split('\n')[0]})`])
  }
  const parsed = policyDocumentSchema.safeParse(raw)
  if (!parsed.success) {
    throw new PolicyError(
      parsed.error.issues.map((issue) => {
        const path = issue.path.map(String).join('.') || '(root)'
        return `${path}: ${issue.message}`
      }),
    )
  }
  return {
    source,
    document: parsed.data,
    hash: createHash('sha256').update(source).digest('hex'),
  }
}

/** Where the default policy ships: `policies/default.yaml` of the package. */
export const DEFAULT_POLICY_FILE = new URL('../../policies/default.yaml', import.meta.url)

/** Reads and validates a policy file; the default policy when `file` is null. */
export async function loadPolicyFile(file: string | null): Promise<ParsedPolicy> {
  let text: string
  try {
    text = await readFile(file ?? DEFAULT_POLICY_FILE, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new PolicyError([
      `(file): cannot read ${file ?? 'the default policy'}${code ? ` (${code})` : ''}`,
    ])
  }
  return parsePolicy(text)
}
