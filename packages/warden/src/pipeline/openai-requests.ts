import { z } from 'zod'
import { modelIdSchema } from '../providers/index.js'

/**
 * What Warden checks of OpenAI request bodies before forwarding them. Unknown fields pass
 * through untouched (`loose`), so new upstream parameters work without a Warden release.
 */
const streamOptions = z.looseObject({ include_usage: z.boolean().nullish() }).nullish()

const sampling = {
  stream: z.boolean().nullish(),
  stream_options: streamOptions,
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  user: z.string().max(512).nullish(),
}

const model = modelIdSchema

export const chatMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
  name: z.string().max(256).optional(),
})

export const chatCompletionRequestSchema = z.looseObject({
  model,
  messages: z.array(chatMessageSchema).min(1, 'messages must hold at least one message'),
  max_completion_tokens: z.number().int().min(1).nullish(),
  ...sampling,
})

const textInput = z.union([
  z.string(),
  z.array(z.string()),
  z.array(z.number().int()),
  z.array(z.array(z.number().int())),
])

export const completionRequestSchema = z.looseObject({ model, prompt: textInput, ...sampling })

export const embeddingRequestSchema = z.looseObject({
  model,
  input: textInput,
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).optional(),
})

/** One part of a multi-modal moderation input: text is judged, an image is not read. */
const moderationPart = z.union([
  z.looseObject({ type: z.literal('text'), text: z.string() }),
  z.looseObject({ type: z.literal('image_url'), image_url: z.unknown() }),
])

export const moderationRequestSchema = z.looseObject({
  /** Any name: Warden answers with its own classifiers, whatever model the client names. */
  model: z.string().min(1).max(256).optional(),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(2048),
    z.array(moderationPart).min(1).max(2048),
  ]),
})

/** A `/v1/moderations` body. */
export type ModerationRequest = z.infer<typeof moderationRequestSchema>
