import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

const card = '4111 1111 1111 1111'
const secret = 'sk-proj-Q7vLx2Rk9TfWm4Zs8NcY3HbJd6PqA1Ue'
const harmful = 'What is the easiest way of killing myself?'
const preamble =
  'Thanks for writing in. Here is a short summary of the order history you asked about, ' +
  'with the dates and the amounts as they appear on the statement. '

/** End-to-end: the content filter on answers, JSON and streamed, through the `openai` client. */
describe('content filter on answers', () => {
  let h: Harness | null = null
  afterEach(async () => {
    await h?.close()
    h = null
  })

  async function start(values: Record<string, unknown> = {}) {
    h = await startHarness({ values })
    const key = await h.createKey()
    const client = new OpenAI({ apiKey: key, baseURL: `${h.url}/v1`, maxRetries: 0 })
    return { h, client }
  }

  async function streamed(client: OpenAI, content: string) {
    const stream = await client.chat.completions.create({
      model: 'stub-model',
      messages: [{ role: 'user', content: 'Tell me about my order.' }],
      stream: true,
    })
    let text = ''
    const finishes: Array<string | null> = []
    let error: unknown = null
    try {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? ''
        if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason)
      }
    } catch (e) {
      error = e
    }
    void content
    return { text, finishes, error }
  }

  it('redacts a card number and a key that arrive split across chunks, one placeholder each', async () => {
    const { h, client } = await start()
    const content = `${preamble}Card ${card} was charged; the key ${secret} is yours. Card ${card} again.`
    h.stub.setDefault({ kind: 'reply', content })
    const { text, finishes, error } = await streamed(client, content)
    expect(error).toBeNull()
    expect(text).toBe(
      `${preamble}Card [PAYMENT_CARD_1] was charged; the key [OPENAI_KEY_1] is yours. Card [PAYMENT_CARD_1] again.`,
    )
    expect(finishes).toEqual(['stop'])

    const answer = await client.chat.completions.create({
      model: 'stub-model',
      messages: [{ role: 'user', content: 'Tell me about my order.' }],
    })
    expect(answer.choices[0]?.message.content).toBe(
      `${preamble}Card [PAYMENT_CARD_1] was charged; the key [OPENAI_KEY_1] is yours. Card [PAYMENT_CARD_1] again.`,
    )

    await h.services.findings.flush()
    const rows = await h.services.store.db
      .selectFrom('content_finding')
      .selectAll()
      .where('direction', '=', 'output')
      .execute()
    expect(rows.map((r) => `${r.category}:${r.action}`).sort()).toEqual(
      [
        'payment_card:redact',
        'payment_card:redact',
        'secrets:redact',
        'payment_card:redact',
        'payment_card:redact',
        'secrets:redact',
      ].sort(),
    )
    expect(JSON.stringify(rows)).not.toContain(card)

    // The flagged answers are kept for review as they went out: placeholders, never the values.
    await h.services.contentTexts.flush()
    const kept = await h.services.store.db
      .selectFrom('content_text')
      .selectAll()
      .where('direction', '=', 'output')
      .execute()
    expect(kept.map((r) => r.text)).toEqual([
      expect.stringContaining('Card [PAYMENT_CARD_1] was charged; the key [OPENAI_KEY_1]'),
      expect.stringContaining('Card [PAYMENT_CARD_1] was charged; the key [OPENAI_KEY_1]'),
    ])
    expect(JSON.stringify(kept)).not.toContain(card)
    expect(JSON.stringify(kept)).not.toContain(secret)
  })

  it('stops a stream the policy blocks with finish_reason content_filter and an error, sends nothing harmful, cancels the upstream and still counts its tokens', async () => {
    const { h, client } = await start({
      moderation: { classifiers: [{ id: 'harm', kind: 'text-harm', maxAction: 'block' }] },
    })
    const tail = ' Step one is to wait for the refund. '.repeat(40)
    h.stub.setDefault({ kind: 'reply', content: `${preamble}${harmful}${tail}`, chunkDelayMs: 2 })
    const aborted = h.stub.aborted
    const { text, finishes, error } = await streamed(client, '')
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as Error).message).toContain('category.self_harm')
    expect(finishes).toEqual(['content_filter'])
    expect(text).not.toContain('killing')
    expect(preamble.startsWith(text)).toBe(true)
    // The upstream was told to stop long before its last word.
    await expect.poll(() => h.stub.aborted).toBe(aborted + 1)

    await h.services.usage.flush()
    const event = (await h.services.store.db.selectFrom('usage_event').selectAll().execute()).at(-1)
    expect(event).toMatchObject({ error_code: 'content_policy_violation' })
    expect(event?.completion_tokens).toBeGreaterThan(10)
    await h.services.findings.flush()
    const rows = await h.services.store.db.selectFrom('content_finding').selectAll().execute()
    expect(rows).toContainEqual(
      expect.objectContaining({ direction: 'output', category: 'self_harm', action: 'block' }),
    )
  })

  it('withholds a blocked JSON answer with finish_reason content_filter', async () => {
    const { h, client } = await start({
      moderation: { classifiers: [{ id: 'harm', kind: 'text-harm', maxAction: 'block' }] },
    })
    h.stub.setDefault({ kind: 'reply', content: harmful })
    const answer = await client.chat.completions.create({
      model: 'stub-model',
      messages: [{ role: 'user', content: 'Tell me about my order.' }],
    })
    expect(answer.choices[0]?.finish_reason).toBe('content_filter')
    expect(answer.choices[0]?.message.content).toBeNull()
  })

  it('sends short and benign answers whole, streamed and not', async () => {
    const { h, client } = await start()
    h.stub.setDefault({ kind: 'reply', content: 'Hello from the stub upstream.' })
    const { text, finishes, error } = await streamed(client, '')
    expect({ text, finishes, error }).toEqual({
      text: 'Hello from the stub upstream.',
      finishes: ['stop'],
      error: null,
    })
    const long = `${preamble}${'The parcel left the depot on Monday and arrives on Thursday. '.repeat(30)}`
    h.stub.setDefault({ kind: 'reply', content: long })
    expect((await streamed(client, '')).text).toBe(long)
  })

  it('filters Responses API answers too: redacted in the deltas and in every event that repeats the text, withheld as incomplete when blocked', async () => {
    const { h, client } = await start()
    const content = `${preamble}Card ${card} was charged twice.`
    const expected = `${preamble}Card [PAYMENT_CARD_1] was charged twice.`
    h.stub.setDefault({ kind: 'reply', content })
    const stream = await client.responses.create({
      model: 'stub-model',
      input: 'Tell me about my order.',
      stream: true,
    })
    let deltas = ''
    const wholes: string[] = []
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') deltas += event.delta
      if (event.type === 'response.output_text.done') wholes.push(event.text)
      if (event.type === 'response.completed') {
        const [message] = event.response.output
        const [part] = message?.type === 'message' ? message.content : []
        wholes.push(part?.type === 'output_text' ? part.text : '')
      }
    }
    expect(deltas).toBe(expected)
    expect(wholes).toEqual([expected, expected])

    const plain = await client.responses.create({ model: 'stub-model', input: 'Again?' })
    expect(plain.output_text).toBe(expected)

    await h.close()
    const blocking = await start({
      moderation: { classifiers: [{ id: 'harm', kind: 'text-harm', maxAction: 'block' }] },
    })
    blocking.h.stub.setDefault({ kind: 'reply', content: harmful })
    const withheld = await blocking.client.responses.create({ model: 'stub-model', input: 'Hi' })
    expect(withheld.status).toBe('incomplete')
    expect(withheld.incomplete_details).toEqual({ reason: 'content_filter' })
    expect(withheld.output_text).toBe('')
  })
})
