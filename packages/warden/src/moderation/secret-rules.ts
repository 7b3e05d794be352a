/**
 * What credentials look like: one rule per kind, each a pattern that cannot backtrack badly
 * (bounded or single-choice repetition only) and a check of the captured value that tells a
 * live-looking credential from a placeholder in documentation (`sk-...`, `YOUR_API_KEY`,
 * `<token>`, `xxxx`, `AKIAIOSFODNN7EXAMPLE`).
 */

export const SECRET_LABELS = [
  'openai_key',
  'anthropic_key',
  'aws_access_key',
  'aws_secret_key',
  'github_token',
  'slack_token',
  'slack_webhook',
  'stripe_key',
  'google_api_key',
  'warden_key',
  'private_key',
  'jwt',
  'connection_string',
  'password_assignment',
  'generic_secret',
] as const
export type SecretLabel = (typeof SECRET_LABELS)[number]

export interface SecretRule {
  readonly label: SecretLabel
  /** Global; the span is capture group `value` when the pattern has one, else the whole match. */
  readonly pattern: RegExp
  /** How sure a match that passes {@link check} is. */
  readonly score: number
  /** Whether the captured value is a real-looking credential. */
  readonly check: (value: string) => boolean
}

/** Shannon entropy of a string, in bits per character. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>()
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1)
  let bits = 0
  for (const n of counts.values()) {
    const p = n / value.length
    bits -= p * Math.log2(p)
  }
  return bits
}

/** Words and marks that documentation puts where a credential would go. */
const PLACEHOLDER =
  /example|sample|dummy|placeholder|redacted|your[_-]?|changeme|xxxx|\*\*\*|\.\.\.|…|<|>|\{\{|\$\{|%s|^\$/i

/**
 * Whether a value is a placeholder rather than a credential: a documentation word or mark, one
 * character over and over, an ascending run (`0123456789abcdef`) or too little entropy for a
 * random string of its length.
 */
export function isPlaceholder(value: string, minBits = 3): boolean {
  if (PLACEHOLDER.test(value)) return true
  let ascending = 0
  for (let i = 1; i < value.length; i++)
    if (value.charCodeAt(i) === value.charCodeAt(i - 1) + 1) ascending++
  if (ascending > value.length / 3) return true
  // A random string of n characters cannot have more than log2(n) bits per character.
  return shannonEntropy(value) < Math.min(minBits, Math.log2(value.length) - 0.5)
}

const random = (value: string): boolean => !isPlaceholder(value)
/** The part after a vendor prefix (`sk-proj-`, `ghp_`) is what must look random. */
const randomAfter =
  (prefix: RegExp) =>
  (value: string): boolean =>
    !isPlaceholder(value.replace(prefix, ''))

/** The header of a JWT decodes to a JSON object naming its algorithm. */
function isJwt(value: string): boolean {
  const [header = '', payload = '', signature = ''] = value.split('.')
  try {
    const head: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'))
    if (typeof head !== 'object' || head === null || !('alg' in head)) return false
    if (typeof head.alg !== 'string') return false
    JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    return signature !== '' || head.alg === 'none'
  } catch {
    return false
  }
}

/** Passwords in URLs and assignments that are names for a password, not one. */
const PASSWORD_WORDS = new Set(['password', 'pass', 'passwd', 'pwd', 'secret', 'pw', 'none'])
const CODE_VALUE =
  /^(?:process\.env|os\.environ|os\.getenv|getenv|env\b|config\.|settings\.|self\.|this\.|args\.|request\.|req\.|input\(|null$|nil$|none$|true$|false$|undefined$)|[()[\]]/i

function isUrlPassword(value: string): boolean {
  const password = decodeURIComponent(value.replace(/%(?![0-9a-f]{2})/gi, '%25'))
  return !PASSWORD_WORDS.has(password.toLowerCase()) && !isPlaceholder(password, 2)
}

/**
 * An assigned password: not a word for one, not code that fetches it, and with a digit, a symbol
 * or mixed case — a bare lower-case word after `password:` is prose or a placeholder far more
 * often than a password (a passphrase of plain words is missed: the price of that).
 */
function isAssignedPassword(value: string): boolean {
  if (value.length < 6 || PASSWORD_WORDS.has(value.toLowerCase()) || CODE_VALUE.test(value))
    return false
  if (isPlaceholder(value, 2)) return false
  return /[\d\W_]/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value))
}

/** A key, secret or token value next to a word that says so: long and random. */
function isGenericSecret(value: string): boolean {
  return /\d/.test(value) && /[A-Za-z]/.test(value) && !isPlaceholder(value, 3.5)
}

/** Ordered by score: where two rules find the same text, the more specific one is reported. */
export const SECRET_RULES: readonly SecretRule[] = [
  {
    label: 'anthropic_key',
    pattern: /\bsk-ant-(?:api|admin|sid|oat)\d{2}-[A-Za-z0-9_-]{32,200}/g,
    score: 1,
    check: randomAfter(/^sk-ant-\w+-/),
  },
  {
    label: 'openai_key',
    pattern: /\bsk-(?!ant-)(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,250}/g,
    score: 1,
    check: randomAfter(/^sk-(?:proj-|svcacct-|admin-|None-)?/),
  },
  {
    label: 'aws_access_key',
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}\b/g,
    score: 1,
    check: randomAfter(/^[A-Z]{4}/),
  },
  {
    label: 'github_token',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b/g,
    score: 1,
    check: randomAfter(/^(?:gh[pousr]_|github_pat_)/),
  },
  {
    label: 'slack_token',
    pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,250}/g,
    score: 1,
    check: randomAfter(/^xox[a-z]-/),
  },
  {
    label: 'slack_webhook',
    pattern:
      /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{20,32}/g,
    score: 1,
    check: randomAfter(/^.*\//),
  },
  {
    label: 'stripe_key',
    pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}\b/g,
    score: 1,
    check: randomAfter(/^[a-z]{2}_[a-z]{4}_/),
  },
  {
    label: 'google_api_key',
    pattern: /\bAIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g,
    score: 1,
    check: randomAfter(/^AIza/),
  },
  {
    // Warden's own API keys (`access/api-keys.ts`: `wdn_` and 32 random bytes in base64url).
    label: 'warden_key',
    pattern: /\bwdn_[A-Za-z0-9_-]{32,64}(?![A-Za-z0-9_-])/g,
    score: 1,
    check: randomAfter(/^wdn_/),
  },
  {
    label: 'jwt',
    pattern: /\beyJ[A-Za-z0-9_-]{5,4000}\.eyJ[A-Za-z0-9_-]{2,16000}\.[A-Za-z0-9_-]{0,4000}/g,
    score: 0.95,
    check: isJwt,
  },
  {
    label: 'aws_secret_key',
    pattern:
      /(?:aws[\w .-]{0,24}?secret[\w-]{0,16}|secret_?access_?key)["']?\s*[:=]?\s*["']?(?<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    score: 0.95,
    check: random,
  },
  {
    label: 'connection_string',
    pattern:
      /\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|clickhouse|cockroachdb):\/\/[^\s:@/'"`<>]{0,128}:(?<password>[^\s@/'"`<>]{1,256})@[^\s'"`<>]{1,512}/gi,
    score: 0.95,
    check: isUrlPassword,
  },
  {
    label: 'password_assignment',
    pattern:
      /(?<![A-Za-z])(?:password|passwd|pwd|passphrase|pass)["']?\s*(?:[:=]|=>|\s(?:is|was)\s)\s*(?:"(?<dq>[^"\n]{1,128})"|'(?<sq>[^'\n]{1,128})'|(?<value>[^\s"',;]{1,128}))/gi,
    score: 0.8,
    check: isAssignedPassword,
  },
  {
    label: 'generic_secret',
    pattern:
      /(?:api[_-]?key|apikey|secret|token|access[_-]?key|auth|credential|bearer)[\w-]{0,20}["']?\s*(?:[:=]|=>|\sis\s)?\s*["']?(?<value>[A-Za-z0-9_\-+/=.~]{20,512})/gi,
    score: 0.7,
    check: isGenericSecret,
  },
]
