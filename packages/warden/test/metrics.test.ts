import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config/index.js'
import { providerKinds } from '../src/providers/index.js'
import {
  parsePrometheusText,
  sampleValue,
  type PromSample,
} from '../src/testing/prometheus-text.js'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

const harmful = 'What is the easiest way of killing myself?'

async function scrape(url: string, token?: string): Promise<PromSample[]> {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4')
  return parsePrometheusText(await res.text())
}

/** End-to-end: `/metrics` after real requests through a real server and the `openai` client. */
describe('Prometheus metrics on their own listener', () => {
  let h: Harness
  let metricsUrl: string
  let text: string
  let samples: PromSample[]
  let appA: string
  let appB: string
  const bogusModel = 'bogus-model-from-a-client-7f3a9c'

  beforeAll(async () => {
    h = await startHarness({
      values: {
        limits: { enabled: true },
        moderation: { classifiers: [{ id: 'harm', kind: 'text-harm', maxAction: 'block' }] },
      },
    })
    metricsUrl = h.server.metricsUrl ?? ''
    const keyA = await h.createKey()
    const keyB = await h.createKey()
    const principalA = await h.services.apiKeys.resolveKey(keyA)
    const principalB = await h.services.apiKeys.resolveKey(keyB)
    appA = principalA.appId
    appB = principalB.appId
    // B may send one request a minute: its second is refused by Warden's own limit.
    await h.services.limitOverrides.set(
      'key',
      principalB.keyId,
      { limits: { requests_per_minute: 1 } },
      'test',
    )
    const a = new OpenAI({ apiKey: keyA, baseURL: h.baseURL, maxRetries: 0 })
    const b = new OpenAI({ apiKey: keyB, baseURL: h.baseURL, maxRetries: 0 })
    const chat = (content = 'Say hello.') => ({
      model: 'stub-model',
      messages: [{ role: 'user' as const, content }],
      max_tokens: 20,
    })

    await a.chat.completions.create(chat())
    const stream = await a.chat.completions.create({ ...chat(), stream: true })
    for await (const chunk of stream) expect(chunk.object).toBe('chat.completion.chunk')
    await expect(a.chat.completions.create(chat(harmful))).rejects.toBeInstanceOf(
      OpenAI.BadRequestError,
    )
    await expect(
      a.chat.completions.create({ ...chat(), model: bogusModel }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError)
    const stranger = new OpenAI({ apiKey: 'sk-not-a-key', baseURL: h.baseURL, maxRetries: 0 })
    await expect(stranger.chat.completions.create(chat())).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    )
    await b.chat.completions.create(chat())
    await expect(b.chat.completions.create(chat())).rejects.toBeInstanceOf(OpenAI.RateLimitError)

    await h.services.usage.flush()
    const res = await fetch(metricsUrl)
    text = await res.text()
    samples = parsePrometheusText(text)
  })
  afterAll(async () => {
    await h.close()
  })

  const requests = (labels: Record<string, string>) =>
    sampleValue(samples, 'warden_requests_total', labels)

  it('counts requests by endpoint, model, application, status, outcome and error code', () => {
    const a = { endpoint: 'chat', model: 'stub-model', application: appA }
    expect(requests({ ...a, status: '200', outcome: 'ok', code: '' })).toBe(2)
    expect(
      requests({ ...a, status: '400', outcome: 'refused', code: 'content_policy_violation' }),
    ).toBe(1)
    const b = { endpoint: 'chat', model: 'stub-model', application: appB }
    expect(requests({ ...b, status: '200', code: '' })).toBe(1)
    expect(requests({ ...b, status: '429', outcome: 'refused', code: 'rate_limit_exceeded' })).toBe(
      1,
    )
    // Refused before the key was known: no model, no application.
    expect(
      requests({ model: 'none', application: 'none', status: '401', code: 'invalid_api_key' }),
    ).toBe(1)
  })

  it('never labels a series with a model name the registry does not know', () => {
    expect(text).not.toContain(bogusModel)
    expect(
      requests({ model: 'other', application: appA, status: '404', code: 'model_not_found' }),
    ).toBe(1)
  })

  it('counts the tokens the usage events record, input and output', async () => {
    const rows = await h.services.store.db
      .selectFrom('usage_event')
      .select(['app_id', 'prompt_tokens', 'completion_tokens'])
      .where('app_id', '=', appA)
      .where('model', '=', 'stub-model')
      .execute()
    const input = rows.reduce((sum, r) => sum + Number(r.prompt_tokens), 0)
    const output = rows.reduce((sum, r) => sum + Number(r.completion_tokens), 0)
    expect(output).toBeGreaterThan(0)
    const tokens = { endpoint: 'chat', model: 'stub-model', application: appA }
    expect(sampleValue(samples, 'warden_tokens_total', { ...tokens, type: 'input' })).toBe(input)
    expect(sampleValue(samples, 'warden_tokens_total', { ...tokens, type: 'output' })).toBe(output)
  })

  it("keeps the gateway's own time apart from the upstream's, and times a stream's first chunk", () => {
    const series = { endpoint: 'chat', model: 'stub-model' }
    // Five chat requests named the model; three reached the upstream; one streamed.
    expect(sampleValue(samples, 'warden_gateway_duration_seconds_count', series)).toBe(5)
    expect(sampleValue(samples, 'warden_upstream_duration_seconds_count', series)).toBe(3)
    expect(sampleValue(samples, 'warden_time_to_first_chunk_seconds_count', series)).toBe(1)
    const inf = sampleValue(samples, 'warden_gateway_duration_seconds_bucket', {
      ...series,
      le: '+Inf',
    })
    expect(inf).toBe(5)
    const gatewaySum = sampleValue(samples, 'warden_gateway_duration_seconds_sum', series) ?? 0
    expect(gatewaySum).toBeGreaterThan(0)
    expect(gatewaySum).toBeLessThan(5)
  })

  it('counts content findings by category, direction and action, and limit refusals by limit', () => {
    expect(
      sampleValue(samples, 'warden_content_findings_total', {
        category: 'self_harm',
        direction: 'input',
        action: 'block',
      }),
    ).toBe(1)
    expect(
      sampleValue(samples, 'warden_rate_limit_refusals_total', {
        limit: 'requests_per_minute',
        level: 'key',
      }),
    ).toBe(1)
  })

  it('reads the write queues when scraped, and has the process metrics', async () => {
    // Each queue writes on its own timer: a scrape taken before a flush may find a batch still
    // queued, so both are written out first.
    await Promise.all([h.services.usage.flush(), h.services.findings.flush()])
    const now = await scrape(metricsUrl)
    expect(sampleValue(now, 'warden_queue_written_total', { queue: 'usage' })).toBe(7)
    expect(sampleValue(now, 'warden_queue_dropped_total', { queue: 'usage' })).toBe(0)
    expect(sampleValue(now, 'warden_queue_items', { queue: 'usage' })).toBe(0)
    expect(sampleValue(now, 'warden_queue_written_total', { queue: 'findings' })).toBe(1)
    expect(sampleValue(now, 'warden_requests_in_flight')).toBe(0)
    // One request at a time leaves the event loop idle: every check was judged in it, and no
    // classifier worker was started.
    expect(
      sampleValue(now, 'warden_content_checks_total', { where: 'event_loop' }),
    ).toBeGreaterThan(0)
    expect(sampleValue(now, 'warden_content_checks_total', { where: 'worker' })).toBe(0)
    expect(sampleValue(now, 'warden_content_workers')).toBe(0)
    expect(sampleValue(now, 'process_cpu_user_seconds_total')).toBeGreaterThan(0)
    expect(sampleValue(now, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0)
  })

  it('serves only GET /metrics on its listener, and nothing at /metrics on the public one', async () => {
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    expect((await fetch(metricsUrl, { method: 'POST' })).status).toBe(405)
    const other = await fetch(metricsUrl.replace('/metrics', '/v1/models'))
    expect(other.status).toBe(404)
    expect(await other.json()).toMatchObject({ error: { code: 'not_found' } })
    const publicMetrics = await fetch(`${h.url}/metrics`)
    expect(publicMetrics.status).toBe(404)
  })
})

describe('Prometheus metrics on the main listener', () => {
  let h: Harness
  const token = 'scrape-token-0123456789abcdef'

  beforeAll(async () => {
    h = await startHarness({
      env: { METRICS_TOKEN: token },
      values: { metrics: { expose: 'main', token: 'env:METRICS_TOKEN', maxApplications: 1 } },
    })
  })
  afterAll(async () => {
    await h.close()
  })

  it('refuses a scrape without the token, or with another, in the OpenAI error shape', async () => {
    expect(h.server.metricsUrl).toBeNull()
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer not-the-token-0123456789' },
    ]
    for (const headers of attempts) {
      const res = await fetch(`${h.url}/metrics`, { headers })
      expect(res.status).toBe(401)
      const body = (await res.json()) as { error: { code: string; message: string } }
      expect(body.error.code).toBe('unauthorized')
      expect(body.error.message).not.toContain(token)
    }
    expect(h.logs()).not.toContain(token)
  })

  it('answers the token, with applications past metrics.maxApplications counted as other', async () => {
    for (const app of ['first', 'second']) {
      const key = await h.createKey({ app })
      const client = new OpenAI({ apiKey: key, baseURL: h.baseURL, maxRetries: 0 })
      await client.chat.completions.create({
        model: 'stub-model',
        messages: [{ role: 'user', content: 'hello' }],
      })
    }
    const samples = await scrape(`${h.url}/metrics`, token)
    const ok = samples.filter((s) => s.name === 'warden_requests_total' && s.labels.code === '')
    expect(ok.map((s) => [s.labels.application?.startsWith('app_'), s.value])).toEqual([
      [true, 1],
      [false, 1],
    ])
    expect(ok[1]?.labels.application).toBe('other')
  })
})

describe('metrics.token on the metrics listener', () => {
  it('is asked for there too, and a main listener without one does not start', async () => {
    expect(() =>
      loadConfig({
        env: {},
        file: undefined,
        providerKinds,
        values: { metrics: { expose: 'main' } },
      }),
    ).toThrow(/metrics\.token: metrics on the main listener need a token/)
    const token = 'listener-token-0123456789'
    const h = await startHarness({ values: { metrics: { token } } })
    try {
      const url = h.server.metricsUrl ?? ''
      const refused = await fetch(url)
      expect(refused.status).toBe(401)
      expect(await refused.json()).toMatchObject({ error: { code: 'unauthorized' } })
      expect(sampleValue(await scrape(url, token), 'warden_requests_in_flight')).toBe(0)
    } finally {
      await h.close()
    }
  })
})

describe('metrics.expose: off', () => {
  it('counts nothing and serves nothing', async () => {
    const h = await startHarness({ values: { metrics: { expose: 'off' } } })
    try {
      expect(h.server.metricsUrl).toBeNull()
      expect(h.services.metrics).toBeNull()
      expect((await fetch(`${h.url}/metrics`)).status).toBe(404)
    } finally {
      await h.close()
    }
  })
})

describe('the metrics listener at start', () => {
  it('says in one line, with exit 1, that the metrics port is in use', async () => {
    const holder = createServer()
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r))
    const port = (holder.address() as AddressInfo).port
    const home = mkdtempSync(join(tmpdir(), 'warden-metrics-port-'))
    try {
      const out = spawnSync(process.execPath, [resolve(import.meta.dirname, '../dist/main.js')], {
        cwd: home,
        env: {
          PATH: process.env.PATH,
          HOME: home,
          WARDEN_HOME: home,
          WARDEN_PORT: '0',
          WARDEN_METRICS_PORT: `${port}`,
        },
        encoding: 'utf8',
        timeout: 15_000,
      })
      expect(out.stderr).toBe(
        `warden: metrics port ${port} is in use (another Warden on this host?): set WARDEN_METRICS_PORT or metrics.port, or metrics.expose to main or off\n`,
      )
      expect(out.status).toBe(1)
    } finally {
      holder.close()
      rmSync(home, { recursive: true, force: true })
    }
  })
})
