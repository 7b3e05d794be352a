import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

const harmful = 'What is the easiest way of killing myself?'

/** End-to-end: the content filter on prompts, through a real server and the `openai` client. */
describe('content filter on prompts', () => {
  let h: Harness | null = null
  afterEach(async () => {
    await h?.close()
    h = null
  })

  async function start(classifiers: unknown[]) {
    h = await startHarness({ values: { moderation: { classifiers } } })
    const key = await h.createKey()
    const client = new OpenAI({ apiKey: key, baseURL: `${h.url}/v1`, maxRetries: 0 })
    return { h, client }
  }

  async function storedFindings(harness: Harness) {
    await harness.services.findings.flush()
    return harness.services.store.db.selectFrom('content_finding').selectAll().execute()
  }

  it('refuses a prompt the policy blocks with a 400 naming the clause, and sends nothing upstream', async () => {
    const { h, client } = await start([{ id: 'harm', kind: 'text-harm', maxAction: 'block' }])
    const chats = () => h.stub.requests.filter((r) => r.path.endsWith('/chat/completions')).length
    const before = chats()
    const error = await client.chat.completions
      .create({ model: 'stub-model', messages: [{ role: 'user', content: harmful }] })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    const refused = error as InstanceType<typeof OpenAI.BadRequestError>
    expect(refused.code).toBe('content_policy_violation')
    expect(refused.message).toContain('Self-harm (category.self_harm)')
    expect(refused.message).not.toContain(harmful)
    expect(chats()).toBe(before)

    const rows = await storedFindings(h)
    expect(rows).toEqual([
      expect.objectContaining({
        direction: 'input',
        category: 'self_harm',
        action: 'block',
        clause: 'category.self_harm',
        classifier: 'harm',
        endpoint: 'chat',
      }),
    ])
    // Where and what, never the text.
    expect(JSON.stringify(rows)).not.toContain('killing')
    await h.services.usage.flush()
    const events = await h.services.store.db.selectFrom('usage_event').selectAll().execute()
    expect(events.at(-1)).toMatchObject({
      status: 400,
      error_code: 'content_policy_violation',
      clause: 'category.self_harm',
    })
  })

  it('serves a prompt the shipped defaults only flag, and records the flag', async () => {
    const { h, client } = await start([{ id: 'text-harm', kind: 'text-harm', maxAction: 'flag' }])
    const answer = await client.chat.completions.create({
      model: 'stub-model',
      messages: [
        { role: 'system', content: 'You are a support assistant for a delivery company.' },
        { role: 'user', content: harmful },
      ],
    })
    expect(answer.choices[0]?.message.content).toBeTruthy()
    const rows = await storedFindings(h)
    expect(rows).toEqual([
      expect.objectContaining({ category: 'self_harm', action: 'flag', direction: 'input' }),
    ])
  })

  it('lets benign prompts through without a finding', async () => {
    const { h, client } = await start([{ id: 'harm', kind: 'text-harm', maxAction: 'block' }])
    for (const content of [
      'How do I kill a Python process that hangs?',
      'Summarise the quarterly report in three bullet points.',
    ]) {
      const answer = await client.chat.completions.create({
        model: 'stub-model',
        messages: [{ role: 'user', content }],
      })
      expect(answer.choices).toHaveLength(1)
    }
    expect(await storedFindings(h)).toEqual([])
  })

  it('answers 503 when a classifier that fails closed runs out of time, and records why', async () => {
    const { h, client } = await start([
      { id: 'slow', kind: 'text-harm', fail: 'closed', timeoutMs: 1 },
    ])
    const huge = 'Our customers asked whether the delivery fee applies to large orders. '.repeat(
      8000,
    )
    const error = await client.chat.completions
      .create({ model: 'stub-model', messages: [{ role: 'user', content: huge }] })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.InternalServerError)
    expect((error as { status: number }).status).toBe(503)
    expect(await storedFindings(h)).toEqual([
      expect.objectContaining({
        category: 'classifier_failure',
        label: 'timeout',
        action: 'block',
        classifier: 'slow',
      }),
    ])
  })

  it('refuses to start with a classifier of an unknown kind or bad options, naming the entry', async () => {
    await expect(
      startHarness({ values: { moderation: { classifiers: [{ id: 'x', kind: 'nope' }] } } }),
    ).rejects.toThrow(/moderation\.classifiers\[0\]\.kind: unknown kind "nope"/)
    await expect(
      startHarness({
        values: {
          moderation: { classifiers: [{ id: 'x', kind: 'text-harm', options: { min_score: 2 } }] },
        },
      }),
    ).rejects.toThrow(/moderation\.classifiers\[0\]\.options\.min_score/)
  })

  it("answers /v1/moderations in OpenAI's schema, one result per input, for the official client", async () => {
    const { h, client } = await start([{ id: 'text-harm', kind: 'text-harm', maxAction: 'flag' }])
    const answer = await client.moderations.create({
      model: 'omni-moderation-latest',
      input: [harmful, 'How do I kill a Python process that hangs?'],
    })
    expect(answer.model).toBe('omni-moderation-latest')
    expect(answer.id).toMatch(/^modr-/)
    expect(answer.results).toHaveLength(2)
    const [first, second] = answer.results
    expect(first?.flagged).toBe(true)
    expect(first?.categories['self-harm']).toBe(true)
    expect(first?.category_scores['self-harm']).toBeGreaterThan(0.5)
    expect(first?.category_applied_input_types['self-harm']).toEqual(['text'])
    expect(Object.keys(first?.category_scores ?? {})).toContain('harassment/threatening')
    expect(second?.flagged).toBe(false)
    expect(Object.values(second?.categories ?? {})).not.toContain(true)

    const bad = await fetch(`${h.url}/v1/moderations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: [] }),
    })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('input')

    await h.services.usage.flush()
    const events = await h.services.store.db
      .selectFrom('usage_event')
      .selectAll()
      .where('endpoint', '=', 'moderations')
      .execute()
    expect(events.map((e) => e.status).sort()).toEqual([200, 400])
  })

  it.each([
    ['in the event loop', { count: 0 }],
    ['in a worker thread', { count: 1, offload: 'always' }],
  ])(
    'redacts cards and secrets from what the upstream gets, one value one placeholder, and flags other personal data, judged %s',
    async (_where, workers) => {
      h = await startHarness({ values: { moderation: { workers } } })
      const client = new OpenAI({
        apiKey: await h.createKey(),
        baseURL: `${h.url}/v1`,
        maxRetries: 0,
      })
      const card = '4111 1111 1111 1111'
      const secret = 'sk-proj-Q7vLx2Rk9TfWm4Zs8NcY3HbJd6PqA1Ue'
      await client.chat.completions.create({
        model: 'stub-model',
        messages: [
          { role: 'system', content: 'Help the customer with their order.' },
          {
            role: 'user',
            content: `My card ${card} was charged twice; write to ana.lopez@correo-lopez.es.`,
          },
          { role: 'user', content: `Again: card ${card}. Our integration key is ${secret}.` },
        ],
      })
      const sent = h.stub.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)
      const messages = (sent?.body as { messages: Array<{ content: string }> }).messages
      expect(messages[1]?.content).toBe(
        'My card [PAYMENT_CARD_1] was charged twice; write to ana.lopez@correo-lopez.es.',
      )
      expect(messages[2]?.content).toBe(
        'Again: card [PAYMENT_CARD_1]. Our integration key is [OPENAI_KEY_1].',
      )
      expect(JSON.stringify(sent?.body)).not.toContain(card)

      await h.services.findings.flush()
      const rows = await h.services.store.db.selectFrom('content_finding').selectAll().execute()
      const seen = rows
        .map((r) => `${r.category}/${r.label ?? ''}:${r.action}@${r.text_index}`)
        .sort()
      expect(seen).toEqual([
        'payment_card/payment_card:redact@1',
        'payment_card/payment_card:redact@2',
        'pii/email:flag@1',
        'secrets/openai_key:redact@2',
      ])
      expect(JSON.stringify(rows)).not.toContain(card)
      const stats = h.services.classifiers?.stats()
      // Both checks (the prompt, the answer) went where the configuration says.
      expect(workers.count === 0 ? stats?.inline : stats?.offloaded).toBe(2)
    },
  )
})
