import { describe, expect, it } from 'vitest'
import type { Finding } from './classifier.js'
import { createSecretsClassifier, secretsClassifierKind } from './secrets-classifier.js'
import { isPlaceholder, shannonEntropy } from './secret-rules.js'

const signal = new AbortController().signal
const classify = (text: string, options = {}) =>
  createSecretsClassifier('secrets', options).classify({ text, direction: 'input', signal })
const shown = (text: string, findings: readonly Finding[]) =>
  findings.map((f) => [f.label, text.slice(f.span?.start, f.span?.end)])
/** A fixed, random-looking body so tests do not depend on a generator. */
const BODY = 'q8ZtR2vLm4XcW9nBa7KdYp3HsJf6GuEo1TiVr5NxQy0OwPlMkZbCeDgAhFjSu'

describe('secretsClassifierKind', () => {
  it('finds vendor keys by prefix, each with its label and category secrets', async () => {
    const keys = {
      openai_key: `sk-proj-${BODY}`,
      anthropic_key: `sk-ant-api03-${BODY}`,
      aws_access_key: 'AKIA2E7QJ4XKZ5RBN3WT',
      github_token: `ghp_${BODY.slice(0, 36)}`,
      slack_token: `xoxb-2841732910-${BODY.slice(0, 24)}`,
      stripe_key: `sk_live_${BODY.slice(0, 24)}`,
      google_api_key: `AIza${BODY.slice(0, 35)}`,
      warden_key: `wdn_${BODY.slice(0, 43)}`,
    }
    for (const [label, key] of Object.entries(keys)) {
      const text = `here is my key ${key} — why 401?`
      const findings = await classify(text)
      expect(shown(text, findings)).toEqual([[label, key]])
      expect(findings[0]?.category).toBe('secrets')
    }
  })

  it('does not report placeholders from documentation', async () => {
    const text = [
      'OPENAI_API_KEY=sk-...',
      'api_key="YOUR_API_KEY"',
      'Authorization: Bearer <token>',
      'sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'AKIAIOSFODNN7EXAMPLE',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'token: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      'api_key = "0123456789abcdef0123456789abcdef"',
      'password: ********',
      'password=${DB_PASSWORD}',
      'password = os.environ["DB_PASSWORD"]',
      'postgres://user:password@localhost:5432/mydb',
      'request 123e4567-e89b-42d3-a456-426614174000 commit 9fceb02d0ae598e95dc970b74767f19372d61af8',
    ].join('\n')
    expect(await classify(text)).toEqual([])
  })

  it('finds PEM private keys whole, but not certificates or elided examples', async () => {
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${BODY}\n${BODY}\n-----END RSA PRIVATE KEY-----`
    const text = `key:\n${pem}\ncert:\n-----BEGIN CERTIFICATE-----\n${BODY}\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----`
    expect(shown(text, await classify(text))).toEqual([['private_key', pem]])
  })

  it('finds a JWT only when its header decodes to JSON with alg', async () => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const jwt = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: '42' })}.${BODY.slice(0, 43)}`
    const fake = `${part({ typ: 'JWT' })}.${part({ sub: '42' })}.${BODY.slice(0, 43)}`
    const text = `Bearer ${jwt} and ${fake}`
    expect(shown(text, await classify(text))).toEqual([['jwt', jwt]])
  })

  it('finds connection strings with a password, and the value of a password assignment', async () => {
    const url = 'postgres://orders:Xk29vLq8mPz4@db.internal.acme.net:5432/orders'
    const text = `DATABASE_URL=${url}\nDB_PASSWORD="Tiger42!x9"\nmy password is Maple77!qz`
    expect(shown(text, await classify(text))).toEqual([
      ['connection_string', url],
      ['password_assignment', 'Tiger42!x9'],
      ['password_assignment', 'Maple77!qz'],
    ])
    expect(await classify('the password is required')).toEqual([])
  })

  it('finds a high-entropy value next to secret or token, but not a long plain word', async () => {
    const text = `client_secret: ${BODY.slice(0, 32)}\nsecret_santa: everyoneinthewholeoffice`
    expect(shown(text, await classify(text))).toEqual([['generic_secret', BODY.slice(0, 32)]])
  })

  it('looks only for the labels its options enable', async () => {
    const text = `sk-proj-${BODY} AKIA2E7QJ4XKZ5RBN3WT`
    const findings = await classify(text, { labels: ['aws_access_key'] })
    expect(findings.map((f) => f.label)).toEqual(['aws_access_key'])
    expect(() => secretsClassifierKind.options.parse({ labels: ['nope'] })).toThrow()
  })

  it('measures entropy and tells placeholders from random strings', () => {
    expect(shannonEntropy('aaaa')).toBe(0)
    expect(shannonEntropy('abcd')).toBe(2)
    expect(isPlaceholder('sk-your-key-here')).toBe(true)
    expect(isPlaceholder(BODY)).toBe(false)
  })

  it('stays within a second of CPU on a megabyte of hostile input', async () => {
    const hostile = [
      'eyJhbGciOiJIUzI1NiJ9.'.repeat(1 << 15),
      'password='.repeat(1 << 17),
      '-----BEGIN PRIVATE KEY-----'.repeat(1 << 15),
      `token=${'A1'.repeat(1 << 19)}`,
      'postgres://a:'.repeat(1 << 16),
      'sk-'.repeat(1 << 18),
      'aws secret '.repeat(1 << 16),
    ]
    for (const text of hostile) {
      const started = process.cpuUsage()
      await classify(text)
      const { user, system } = process.cpuUsage(started)
      expect((user + system) / 1000).toBeLessThan(1000)
    }
  })

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController()
    controller.abort(new Error('time is up'))
    await expect(
      createSecretsClassifier('s').classify({
        text: `sk-proj-${BODY}`,
        direction: 'input',
        signal: controller.signal,
      }),
    ).rejects.toThrow('time is up')
  })
})
